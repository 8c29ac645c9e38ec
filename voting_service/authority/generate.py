"""`voting-service credentials generate`: the credential authority's work, on its own machine.

From the server's extract it draws every letter code and check-in secret, prints the letters
(PDF files of `batch_size` pages, as the server path does) and writes the public file the
server imports. The codes and secrets exist only in the drawing processes and the PDFs.

A run starts from an empty letters folder and writes the public file last: if anything
fails, the letters it printed are deleted, since their codes would be imported nowhere.
"""

from __future__ import annotations

import os
import secrets
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..letters.batches import ExposedFolder, private_folder
from ..letters.pdf import LayoutError
from .drawing import Drawn, LetterVoter, Reveal, draw_letters
from .files import (LIST, AuthorityConflict, AuthorityError, Extract, PublicEntry,
                    parse_extract, public_key_hex, read_json, sign_public_file,
                    write_private_json)

KEY_SIZE = 32   # an Ed25519 private key (seed), raw


@dataclass(frozen=True)
class GenerateReport:
    election: str
    letters: int
    files: list[Path]
    authority_key: str
    key_created: bool


def load_or_create_key(path: Path) -> tuple[Ed25519PrivateKey, bool]:
    """The authority's signing key, created (owner-only) on first use."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        seed = secrets.token_bytes(KEY_SIZE)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:   # created meanwhile by another run: use that one
            return load_or_create_key(path)
        with os.fdopen(fd, "wb") as handle:
            handle.write(seed)
            os.fsync(handle.fileno())
        return Ed25519PrivateKey.from_private_bytes(seed), True
    if path.stat().st_mode & 0o077:
        raise AuthorityError(f"{path} is readable by others: chmod 600 it", "key_exposed")
    seed = path.read_bytes()
    if len(seed) != KEY_SIZE:
        raise AuthorityError(f"{path} is not an authority key ({KEY_SIZE} bytes)",
                             "bad_key_file")
    return Ed25519PrivateKey.from_private_bytes(seed), False


@dataclass(frozen=True)
class _Batch:
    extract: Extract
    voters: tuple[LetterVoter, ...]
    path: Path


def _draw(batch: _Batch, reveal: Reveal | None = None) -> list[Drawn]:
    extract = batch.extract
    return draw_letters(extract.election, extract.fingerprint, extract.template,
                        batch.voters, batch.path, reveal)


def _batches(extract: Extract, letters_dir: Path, batch_size: int) -> list[_Batch]:
    voters = [LetterVoter(v.voter_number, v.full_name, v.address_lines) for v in extract.voters]
    if extract.purpose == LIST:
        return [_Batch(extract, tuple(voters[start:start + batch_size]),
                       letters_dir / f"lettres-{extract.election}-{number:04d}.pdf")
                for number, start in enumerate(range(0, len(voters), batch_size), start=1)]
    return [_Batch(extract, tuple(voters),
                   letters_dir / f"lettre-{extract.election}-{voters[0].voter_number}.pdf")]


def _draw_all(batches: list[_Batch], workers: int,
              reveal: Reveal | None = None) -> list[list[Drawn]]:
    try:
        if workers == 1 or len(batches) == 1:
            return [_draw(batch, reveal) for batch in batches]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(_draw, batches))
    except LayoutError as error:   # e.g. more polling points than the page holds
        raise AuthorityError(f"the letters cannot be laid out: {error}", "layout_error")


def generate(extract_path: Path, letters_dir: Path, public_path: Path, key_path: Path,
             workers: int = 1, batch_size: int = 500, *,
             reveal: Reveal | None = None) -> GenerateReport:
    """`reveal` (rehearsals only, see `draw_letters`) receives every letter's code and QR
    payload; it needs `workers=1`, since a callback cannot reach into worker processes."""
    if reveal is not None and workers != 1:
        raise ValueError("reveal needs workers=1: the codes are drawn in this process")
    extract = parse_extract(read_json(extract_path, "credential extract"))
    letters_dir, public_path = Path(letters_dir), Path(public_path)
    if not public_path.parent.is_dir():
        raise AuthorityError(f"{public_path.parent} is not a folder", "unwritable_file")
    if public_path.exists():
        raise AuthorityConflict(f"{public_path} already exists: choose another name",
                                "file_exists")
    if letters_dir.exists() and any(letters_dir.iterdir()):
        # Mixing runs would leave letters whose codes no public file carries.
        raise AuthorityConflict(f"{letters_dir} is not empty: give an empty or new folder",
                                "letters_not_empty")
    key, created = load_or_create_key(key_path)
    try:   # the same protection as on the server (letters/batches.py)
        private_folder(letters_dir)
    except ExposedFolder as error:
        raise AuthorityError(str(error), "letters_folder_exposed")
    batches = _batches(extract, letters_dir, batch_size)
    try:
        drawn = _draw_all(batches, workers, reveal)
        by_number = {letter.voter_number: letter for batch in drawn for letter in batch}
        entries = [PublicEntry(v.voter_number, by_number[v.voter_number].credential,
                               v.questions, by_number[v.voter_number].login_hash,
                               by_number[v.voter_number].checkin_hash)
                   for v in extract.voters]
        write_private_json(public_path, sign_public_file(
            key, extract.election, extract.fingerprint, entries,
            None if extract.purpose == LIST else extract.voters[0].revoked))
    except BaseException:
        for batch in batches:
            batch.path.unlink(missing_ok=True)
        raise
    return GenerateReport(extract.election, len(entries), [b.path for b in batches],
                          public_key_hex(key), created)
