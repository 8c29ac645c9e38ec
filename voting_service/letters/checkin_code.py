"""The check-in code printed as a QR on each invitation letter.

A poll officer's scanner reads it to find the voter on the roll. It names the election and the
voter and carries a 128-bit random secret drawn with the letter code; the server keeps only
the SHA-256 of that secret beside the voter's public credential. It carries nothing that lets
anyone vote online (the letter code is a separate secret). Because the secret is drawn anew
for every letter, a reissued letter's new QR matches the new credential and the old QR
matches only the revoked one: it is refused. And because no server key is involved, the
credential authority can print letters on its own machine (docs/decisions.md).

Payload (version 2), all in the QR alphanumeric alphabet::

    VS2:<ELECTION ID>:<VOTER NUMBER>:<SECRET>

- the election id and the voter number in upper case (election ids are lower-case slugs, so
  the case folding is lossless; voter numbers are case-insensitive, see `canonical_voter_number`);
- SECRET: 16 random bytes written as 26 characters of unpadded RFC 4648 base32, canonical
  (the two spare bits of the last character are zero).
- the stored hash: SHA-256 over the domain tag, the election id (lower case), the voter number
  and the 16 secret bytes, each preceded by its length as two big-endian bytes.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass

VERSION = "VS2"
SECRET_SIZE = 16
_SECRET_CHARS = 26  # ceil(16 * 8 / 5) base32 characters, without the "======" padding
_DOMAIN = b"voting_service/checkin-qr/v2"

_ELECTION_ID = re.compile(r"[a-z0-9-]{3,64}")
_VOTER_NUMBER = re.compile(r"[A-Za-z0-9-]{1,32}")
_VERSION_PREFIX = re.compile(r"VS[0-9]+:")
_PAYLOAD = re.compile(
    r"VS2:(?P<election>[A-Z0-9-]{3,64}):(?P<voter>[A-Z0-9-]{1,32}):(?P<secret>[A-Z2-7]{26})")
MAX_PAYLOAD_LENGTH = len("VS2:") + 64 + 1 + 32 + 1 + _SECRET_CHARS

MALFORMED = "malformed"
BAD_VERSION = "bad_version"


class InvalidCheckinCode(Exception):
    """A scanned payload was refused; `reason` is MALFORMED or BAD_VERSION."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckinCode:
    """What a well-formed payload names: the election (its slug), the canonical voter number
    and the letter's check-in secret (compare its `secret_hash` with the stored one)."""

    election_id: str
    voter_number: str
    secret: bytes

    def __repr__(self) -> str:
        return f"CheckinCode({self.election_id!r}, {self.voter_number!r}, <secret>)"

    @property
    def secret_hash(self) -> str:
        return checkin_secret_hash(self.election_id, self.voter_number, self.secret)


def new_checkin_secret() -> bytes:
    """A fresh letter's check-in secret (16 random bytes)."""
    return secrets.token_bytes(SECRET_SIZE)


def canonical_voter_number(voter_number: str) -> str:
    """The form of a voter number that the QR carries and parsing returns: upper case.

    Voter numbers are case-insensitive (QR alphanumeric mode has no lower case): the roll must
    compare them through this function, and refuse two numbers that differ only by case.
    """
    if not isinstance(voter_number, str) or not _VOTER_NUMBER.fullmatch(voter_number):
        raise ValueError("voter number must match [A-Za-z0-9-]{1,32}")
    return voter_number.upper()


def make_checkin_payload(election_id: str, voter_number: str, secret: bytes) -> str:
    """The QR payload for this voter's letter in this election."""
    if not isinstance(election_id, str) or not _ELECTION_ID.fullmatch(election_id):
        raise ValueError("election id must match [a-z0-9-]{3,64}")
    if not isinstance(secret, bytes) or len(secret) != SECRET_SIZE:
        raise ValueError(f"the check-in secret is {SECRET_SIZE} bytes")
    voter = canonical_voter_number(voter_number)
    encoded = base64.b32encode(secret).decode("ascii").rstrip("=")
    return f"{VERSION}:{election_id.upper()}:{voter}:{encoded}"


def parse_checkin_payload(payload: str) -> CheckinCode:
    """Read a scanned payload, or raise InvalidCheckinCode.

    Only the exact form `make_checkin_payload` produces is accepted: no case folding, no
    surrounding spaces, no non-canonical base32, so that every change to a payload is
    refused. Whether the secret is this voter's is the caller's check (`secret_hash`).
    """
    if not isinstance(payload, str) or len(payload) > MAX_PAYLOAD_LENGTH:
        raise InvalidCheckinCode(MALFORMED)
    match = _PAYLOAD.fullmatch(payload)
    if match is None:
        if _VERSION_PREFIX.match(payload) and not payload.startswith(VERSION + ":"):
            raise InvalidCheckinCode(BAD_VERSION)
        raise InvalidCheckinCode(MALFORMED)
    text = match["secret"]
    secret = base64.b32decode(text + "======")
    if base64.b32encode(secret).decode("ascii").rstrip("=") != text:
        raise InvalidCheckinCode(MALFORMED)
    return CheckinCode(match["election"].lower(), match["voter"], secret)


def checkin_secret_hash(election_id: str, voter_number: str, secret: bytes) -> str:
    transcript = b"".join(
        len(part).to_bytes(2, "big") + part
        for part in (_DOMAIN, election_id.encode("ascii"), voter_number.encode("ascii"),
                     secret))
    return hashlib.sha256(transcript).hexdigest()
