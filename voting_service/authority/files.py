"""The two files exchanged between the server and the credential authority.

- The **extract** (server → authority): the election, its fingerprint, what every letter
  shares, and the voters to print letters for (number, name, address, questions); for a
  reissue, one voter and the public credential being replaced. Personal data, no secret.
- The **public file** (authority → server): per voter the public credential, questions,
  login hash and check-in hash, the authority's Ed25519 key, its signature of the credential
  list (or of the reissue) exactly as the record carries it, and a signature of the whole
  file, so the server can tell the file is the authority's and unaltered.

Formats: docs/decisions.md ("Credential authority and check-in QR v2"). Reading either file
checks everything that can be checked without the database; the server checks the rest.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ..crypto.errors import CryptoError
from ..crypto.group import Point
from ..crypto.login_hash import is_login_hash
from ..letters.checkin_code import canonical_voter_number
from ..letters.pdf import LetterElection
from ..record.canonical import canonical_bytes
from ..record.credentials import authority_signature_valid, list_message, reissue_message

VERSION = 1
EXTRACT_FORMAT = "voting-service/credential-extract"
PUBLIC_FORMAT = "voting-service/credential-authority"
LIST, REISSUE = "list", "reissue"
_SLUG = re.compile(r"[a-z0-9-]{3,64}")


class AuthorityError(Exception):
    """A refused file or request, with a stable code and the command's exit status
    (3 invalid input, 5 conflict with the current state, as in README "Exit codes")."""

    exit_code = 3

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


class AuthorityConflict(AuthorityError):
    exit_code = 5


# --- reading and writing ----------------------------------------------------------------

def read_json(path: Path, what: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as error:
        raise AuthorityError(f"{path}: {error.strerror}", "unreadable_file")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise AuthorityError(f"{path} is not a {what} (not JSON: {error})", "malformed_json")


def write_private_json(path: Path, value: Any) -> None:
    """Write `value` readable by its owner only, under its final name only once complete.
    An existing file is never replaced: it may be the only copy of another run's output."""
    path = Path(path)
    if path.exists():
        raise AuthorityConflict(f"{path} already exists: choose another name", "file_exists")
    partial = path.with_name(f".{path.name}.part")
    partial.unlink(missing_ok=True)   # a crashed run's leftover: created anew, owner-only
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise AuthorityError(f"{path}: {error.strerror}", "unwritable_file")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle, ensure_ascii=False, indent=1, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(partial, path)   # fails if the name appeared meanwhile, unlike a rename
    except FileExistsError:
        raise AuthorityConflict(f"{path} already exists: choose another name", "file_exists")
    finally:
        partial.unlink(missing_ok=True)


# --- field checks -------------------------------------------------------------------------

def _fail(what: str, message: str) -> AuthorityError:
    return AuthorityError(f"not a valid {what}: {message}", f"invalid_{what.replace(' ', '_')}")


def _fields(value: Any, keys: set[str], what: str, where: str) -> dict:
    if not isinstance(value, dict) or set(value) != keys:
        raise _fail(what, f"{where} must have exactly the fields {', '.join(sorted(keys))}")
    return value


def _text(value: Any, what: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(what, f"{where} must be non-empty text")
    return value


def _hex(value: Any, digits: int, what: str, where: str) -> str:
    if not isinstance(value, str) or len(value) != digits or \
            not re.fullmatch(r"[0-9a-f]*", value):
        raise _fail(what, f"{where} must be {digits} lower-case hex digits")
    return value


def _slug(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise _fail(what, "election must be an election id ([a-z0-9-]{3,64})")
    return value


def _voter_number(value: Any, what: str, where: str) -> str:
    try:
        number = canonical_voter_number(value)
    except ValueError as error:
        raise _fail(what, f"{where}: {error}")
    if number != value:
        raise _fail(what, f"{where} must be in upper case")
    return number


def _questions(value: Any, what: str, where: str) -> list[str]:
    if not isinstance(value, list) or not value or \
            not all(isinstance(q, str) and q for q in value) or value != sorted(set(value)):
        raise _fail(what, f"{where} must be a non-empty sorted list of distinct question ids")
    return value


def _credential(value: Any, what: str, where: str) -> str:
    _hex(value, 64, what, where)
    try:
        Point.from_hex(value)
    except (CryptoError, ValueError):
        raise _fail(what, f"{where} is not a valid public credential")
    return value


def _moment(value: Any, what: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(_text(value, what, where))
    except ValueError:
        raise _fail(what, f"{where} must be an ISO 8601 date and time")
    if moment.tzinfo is None:
        raise _fail(what, f"{where} must carry its UTC offset")
    return moment


# --- the extract --------------------------------------------------------------------------

@dataclass(frozen=True)
class ExtractVoter:
    voter_number: str
    full_name: str
    address_lines: tuple[str, ...]
    questions: list[str]
    revoked: str | None   # a reissue: the public credential being replaced


@dataclass(frozen=True)
class Extract:
    election: str
    fingerprint: bytes
    purpose: str          # LIST or REISSUE
    template: LetterElection
    voters: list[ExtractVoter]


def template_json(template: LetterElection) -> dict:
    return {"city": template.city, "title": template.title,
            "starts_at": template.starts_at.isoformat(), "ends_at": template.ends_at.isoformat(),
            "polling_points": [[name, address] for name, address in template.polling_points],
            "online_url": template.online_url}


def extract_json(election: str, fingerprint: str, purpose: str, template: LetterElection,
                 voters: list[ExtractVoter]) -> dict:
    rows = []
    for voter in voters:
        row = {"voter_number": voter.voter_number, "full_name": voter.full_name,
               "address_lines": list(voter.address_lines), "questions": voter.questions}
        if purpose == REISSUE:
            row["revoked"] = voter.revoked
        rows.append(row)
    return {"format": EXTRACT_FORMAT, "version": VERSION, "election": election,
            "fingerprint": fingerprint, "purpose": purpose, "letter": template_json(template),
            "voters": rows}


def parse_extract(value: Any) -> Extract:
    what = "extract"
    body = _fields(value, {"format", "version", "election", "fingerprint", "purpose", "letter",
                           "voters"}, what, "the file")
    if body["format"] != EXTRACT_FORMAT or body["version"] != VERSION:
        raise _fail(what, f"expected format {EXTRACT_FORMAT} version {VERSION}")
    if body["purpose"] not in (LIST, REISSUE):
        raise _fail(what, "purpose must be list or reissue")
    letter = _fields(body["letter"], {"city", "title", "starts_at", "ends_at", "polling_points",
                                      "online_url"}, what, "letter")
    points = letter["polling_points"]
    if not isinstance(points, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)
            for p in points):
        raise _fail(what, "letter.polling_points must be a list of [name, address]")
    try:
        template = LetterElection(
            city=_text(letter["city"], what, "letter.city"),
            title=_text(letter["title"], what, "letter.title"),
            starts_at=_moment(letter["starts_at"], what, "letter.starts_at"),
            ends_at=_moment(letter["ends_at"], what, "letter.ends_at"),
            polling_points=[tuple(p) for p in points],
            online_url=_text(letter["online_url"], what, "letter.online_url"))
    except ValueError as error:
        raise _fail(what, f"letter: {error}")
    keys = {"voter_number", "full_name", "address_lines", "questions"}
    if body["purpose"] == REISSUE:
        keys.add("revoked")
    rows = body["voters"]
    if not isinstance(rows, list) or not rows or (body["purpose"] == REISSUE and len(rows) != 1):
        raise _fail(what, "voters must be a non-empty list (one voter for a reissue)")
    voters, seen = [], set()
    for index, row in enumerate(rows):
        where = f"voters[{index}]"
        _fields(row, keys, what, where)
        number = _voter_number(row["voter_number"], what, f"{where}.voter_number")
        if number in seen:
            raise _fail(what, f"voter {number} is listed twice")
        seen.add(number)
        lines = row["address_lines"]
        if not isinstance(lines, list) or not lines or not all(isinstance(x, str) for x in lines):
            raise _fail(what, f"{where}.address_lines must be a list of text lines")
        voters.append(ExtractVoter(
            number, _text(row["full_name"], what, f"{where}.full_name"), tuple(lines),
            _questions(row["questions"], what, f"{where}.questions"),
            _credential(row["revoked"], what, f"{where}.revoked") if "revoked" in row else None))
    election = _slug(body["election"], what)
    fingerprint = bytes.fromhex(_hex(body["fingerprint"], 64, what, "fingerprint"))
    return Extract(election, fingerprint, body["purpose"], template, voters)


# --- the public file ----------------------------------------------------------------------

@dataclass(frozen=True)
class PublicEntry:
    voter_number: str
    credential: str
    questions: list[str]
    login_hash: str
    checkin_hash: str
    revoked: str | None = None      # a reissue: the credential it replaces
    signature: str | None = None    # a reissue: the authority's signature (reissue_message)


@dataclass(frozen=True)
class PublicFile:
    election: str
    fingerprint: str
    authority_key: str
    credentials: list[PublicEntry]   # the list, sorted by credential; empty for a reissue
    list_signature: str | None
    reissue: PublicEntry | None


def public_key_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def signed_list(entries: list[PublicEntry]) -> list[dict]:
    """The list as the authority signs it and the record carries it."""
    return [{"credential": e.credential, "questions": e.questions}
            for e in sorted(entries, key=lambda e: e.credential)]


def _entry_json(entry: PublicEntry) -> dict:
    row = {"voter_number": entry.voter_number, "credential": entry.credential,
           "questions": entry.questions, "login_hash": entry.login_hash,
           "checkin_hash": entry.checkin_hash}
    if entry.revoked is not None:
        row.update(revoked=entry.revoked, signature=entry.signature)
    return row


def sign_public_file(key: Ed25519PrivateKey, election: str, fingerprint: bytes,
                     entries: list[PublicEntry], reissue_of: str | None) -> dict:
    """The authority's public file for `entries` (one entry and the credential it replaces
    for a reissue)."""
    body: dict[str, Any] = {"format": PUBLIC_FORMAT, "version": VERSION, "election": election,
                            "fingerprint": fingerprint.hex(), "authority_key": public_key_hex(key)}
    if reissue_of is None:
        entries = sorted(entries, key=lambda e: e.credential)
        body["credentials"] = [_entry_json(e) for e in entries]
        body["list_signature"] = key.sign(list_message(fingerprint, signed_list(entries))).hex()
    else:
        [entry] = entries
        signature = key.sign(reissue_message(fingerprint, reissue_of, entry.credential,
                                             entry.questions)).hex()
        body["reissue"] = _entry_json(PublicEntry(entry.voter_number, entry.credential,
                                                  entry.questions, entry.login_hash,
                                                  entry.checkin_hash, reissue_of, signature))
    body["signature"] = key.sign(canonical_bytes(body)).hex()
    return body


def _public_entry(row: Any, where: str, reissue: bool) -> PublicEntry:
    what = "public file"
    keys = {"voter_number", "credential", "questions", "login_hash", "checkin_hash"}
    _fields(row, (keys | {"revoked", "signature"}) if reissue else keys, what, where)
    if not is_login_hash(row["login_hash"]):
        raise _fail(what, f"{where}.login_hash is not an argon2id hash with this service's "
                          "parameters")
    return PublicEntry(
        _voter_number(row["voter_number"], what, f"{where}.voter_number"),
        _credential(row["credential"], what, f"{where}.credential"),
        _questions(row["questions"], what, f"{where}.questions"), row["login_hash"],
        _hex(row["checkin_hash"], 64, what, f"{where}.checkin_hash"),
        _credential(row["revoked"], what, f"{where}.revoked") if reissue else None,
        _hex(row["signature"], 128, what, f"{where}.signature") if reissue else None)


def parse_public_file(value: Any) -> PublicFile:
    """Check the form and every signature of an authority's public file (not yet whether the
    key is the one this election expects, nor the roll: the server does that)."""
    what = "public file"
    if not isinstance(value, dict) or "signature" not in value:
        raise _fail(what, "the file must be a JSON object with a signature")
    reissue = "reissue" in value
    common = {"format", "version", "election", "fingerprint", "authority_key", "signature"}
    body = _fields(value, common | ({"reissue"} if reissue else {"credentials", "list_signature"}),
                   what, "the file")
    if body["format"] != PUBLIC_FORMAT or body["version"] != VERSION:
        raise _fail(what, f"expected format {PUBLIC_FORMAT} version {VERSION}")
    key = _hex(body["authority_key"], 64, what, "authority_key")
    try:
        message = canonical_bytes({k: v for k, v in body.items() if k != "signature"})
    except TypeError as error:   # e.g. a float: nothing the authority writes
        raise _fail(what, str(error))
    if not authority_signature_valid(key, message, body["signature"]):
        raise AuthorityError("the public file's signature does not verify with the authority "
                             "key it names: the file was altered or is not the authority's",
                             "bad_signature")
    fingerprint = _hex(body["fingerprint"], 64, what, "fingerprint")
    election = _slug(body["election"], what)
    if reissue:
        entry = _public_entry(body["reissue"], "reissue", True)
        if not authority_signature_valid(key, reissue_message(
                bytes.fromhex(fingerprint), entry.revoked, entry.credential, entry.questions),
                entry.signature):
            raise AuthorityError("the authority's signature of the reissue does not verify",
                                 "bad_signature")
        return PublicFile(election, fingerprint, key, [], None, entry)
    rows = body["credentials"]
    if not isinstance(rows, list) or not rows:
        raise _fail(what, "credentials must be a non-empty list")
    entries = [_public_entry(row, f"credentials[{i}]", False) for i, row in enumerate(rows)]
    for attribute in ("voter_number", "credential"):
        values = [getattr(e, attribute) for e in entries]
        if len(set(values)) != len(values):
            raise _fail(what, f"a {attribute.replace('_', ' ')} is listed twice")
    list_signature = _hex(body["list_signature"], 128, what, "list_signature")
    if not authority_signature_valid(key, list_message(bytes.fromhex(fingerprint),
                                                       signed_list(entries)), list_signature):
        raise AuthorityError("the authority's signature of the credential list does not verify",
                             "bad_signature")
    return PublicFile(election, fingerprint, key, entries, list_signature, None)
