"""Letters for a whole roll, written as numbered batch files with flat memory.

The letters are read from the iterable one batch at a time; a batch is rendered and saved
before the next is read, so memory is bounded by one batch per process whatever the roll size.
With workers > 1 the batches are rendered by a process pool (reportlab is pure Python, so
threads would not help), with at most `workers` batches in flight.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

from .pdf import Letter, LetterElection, write_letter_file


class ExposedFolder(ValueError):
    """A letters folder that other users of the machine can read, enter or write."""


def private_folder(path: Path | str) -> Path:
    """The folder for letter files, created with mode 0700; an existing folder is accepted
    only if no one but its owner can read, enter or write it. The letters hold every voter's
    code, so they get the protection of a key file (`domain/keystore.py`)."""
    path = Path(path)
    try:
        path.mkdir(parents=True, mode=0o700)
        os.chmod(path, 0o700)   # the umask may have narrowed it further; nothing wider
    except FileExistsError:
        pass
    mode = path.stat().st_mode
    if not stat.S_ISDIR(mode):
        raise NotADirectoryError(f"{path} is not a folder")
    if mode & 0o077:
        raise ExposedFolder(f"{path} is open to other users of this machine: chmod 700 it "
                            "(letters hold every voter's code)")
    return path


def write_letters(election: LetterElection, letters: Iterable[Letter], out_dir: Path,
                  batch_size: int = 500, prefix: str = "lettres", workers: int = 1) -> list[Path]:
    """Write `prefix-0001.pdf`, `prefix-0002.pdf`, ... of at most `batch_size` letters each
    (one page per letter) into `out_dir`, and return their paths in order.

    Existing files are never overwritten (FileExistsError): a letter file holds secrets, and
    mixing two runs' files would send some voters two codes. `out_dir` must be private
    (`private_folder`).
    """
    if batch_size < 1 or workers < 1:
        raise ValueError("batch_size and workers must be at least 1")
    out_dir = private_folder(out_dir)
    numbered = ((out_dir / f"{prefix}-{number:04d}.pdf", batch)
                for number, batch in enumerate(_batches(letters, batch_size), start=1))
    if workers == 1:
        return [_write_batch(election, batch, path) for path, batch in numbered]
    paths: list[Path] = []
    pending: deque[Future] = deque()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            for path, batch in numbered:
                if len(pending) == workers:
                    paths.append(pending.popleft().result())
                pending.append(pool.submit(_write_batch, election, batch, path))
            paths.extend(future.result() for future in list(pending))
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return paths


def _batches(letters: Iterable[Letter], size: int) -> Iterator[list[Letter]]:
    iterator = iter(letters)
    while batch := list(islice(iterator, size)):
        yield batch


def _write_batch(election: LetterElection, batch: list[Letter], path: Path) -> Path:
    """Render to a temporary name, then rename: a crash never leaves a truncated batch file
    under its final name."""
    if path.exists():
        raise FileExistsError(f"{path} already exists")
    partial = path.with_name(path.name + ".part")
    try:
        write_letter_file(election, batch, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
