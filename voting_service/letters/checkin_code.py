"""The check-in code printed as a QR on each invitation letter.

A poll officer's scanner reads it to find the voter on the roll. It names the election and the
voter and proves, with a MAC under the server's check-in key, that the service printed it; it
carries nothing that lets anyone vote online (the letter code is a separate secret).

Payload (docs/decisions.md, "Check-in QR payload"), all in the QR alphanumeric alphabet::

    VS1:<ELECTION ID>:<VOTER NUMBER>:<MAC>

- the election id and the voter number in upper case (election ids are lower-case slugs, so
  the case folding is lossless; voter numbers are case-insensitive, see `canonical_voter_number`);
- MAC = HMAC-SHA-256(key, transcript) truncated to its first 16 bytes (128 bits), written as 26
  characters of unpadded RFC 4648 base32. The transcript is the domain tag, the version, the
  election id and the voter number, each preceded by its length as two big-endian bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

VERSION = "VS1"
KEY_SIZE = 32
MAC_SIZE = 16
_MAC_CHARS = 26  # ceil(16 * 8 / 5) base32 characters, without the "======" padding
_DOMAIN = b"voting_service/checkin-qr"

_ELECTION_ID = re.compile(r"[a-z0-9-]{3,64}")
_VOTER_NUMBER = re.compile(r"[A-Za-z0-9-]{1,32}")
_VERSION_PREFIX = re.compile(r"VS[0-9]+:")
_PAYLOAD = re.compile(
    r"VS1:(?P<election>[A-Z0-9-]{3,64}):(?P<voter>[A-Z0-9-]{1,32}):(?P<mac>[A-Z2-7]{26})")
MAX_PAYLOAD_LENGTH = len("VS1:") + 64 + 1 + 32 + 1 + _MAC_CHARS

MALFORMED = "malformed"
BAD_VERSION = "bad_version"
BAD_MAC = "bad_mac"


class InvalidCheckinCode(Exception):
    """A scanned payload was refused; `reason` is MALFORMED, BAD_VERSION or BAD_MAC."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckinCode:
    """What a valid payload names: the election (its slug) and the canonical voter number."""

    election_id: str
    voter_number: str


def generate_checkin_key() -> bytes:
    """A fresh 32-byte check-in MAC key, to be stored under keys/."""
    return secrets.token_bytes(KEY_SIZE)


def canonical_voter_number(voter_number: str) -> str:
    """The form of a voter number that the QR carries and parsing returns: upper case.

    Voter numbers are case-insensitive (QR alphanumeric mode has no lower case): the roll must
    compare them through this function, and refuse two numbers that differ only by case.
    """
    if not isinstance(voter_number, str) or not _VOTER_NUMBER.fullmatch(voter_number):
        raise ValueError("voter number must match [A-Za-z0-9-]{1,32}")
    return voter_number.upper()


def make_checkin_payload(key: bytes, election_id: str, voter_number: str) -> str:
    """The QR payload for this voter in this election (deterministic for a given key)."""
    _check_key(key)
    if not isinstance(election_id, str) or not _ELECTION_ID.fullmatch(election_id):
        raise ValueError("election id must match [a-z0-9-]{3,64}")
    voter = canonical_voter_number(voter_number)
    mac = _mac(key, VERSION, election_id, voter)
    encoded = base64.b32encode(mac).decode("ascii").rstrip("=")
    return f"{VERSION}:{election_id.upper()}:{voter}:{encoded}"


def parse_checkin_payload(key: bytes, payload: str) -> CheckinCode:
    """Check a scanned payload and return what it names, or raise InvalidCheckinCode.

    Only the exact form `make_checkin_payload` produces is accepted: no case folding, no
    surrounding spaces, no non-canonical base32 (the two spare bits of the last MAC character
    must be zero), so that every change to a payload is refused.
    """
    _check_key(key)
    if not isinstance(payload, str) or len(payload) > MAX_PAYLOAD_LENGTH:
        raise InvalidCheckinCode(MALFORMED)
    match = _PAYLOAD.fullmatch(payload)
    if match is None:
        if _VERSION_PREFIX.match(payload) and not payload.startswith(VERSION + ":"):
            raise InvalidCheckinCode(BAD_VERSION)
        raise InvalidCheckinCode(MALFORMED)
    mac_text = match["mac"]
    claimed = base64.b32decode(mac_text + "======")
    if base64.b32encode(claimed).decode("ascii").rstrip("=") != mac_text:
        raise InvalidCheckinCode(MALFORMED)
    election_id = match["election"].lower()
    voter = match["voter"]
    if not hmac.compare_digest(claimed, _mac(key, VERSION, election_id, voter)):
        raise InvalidCheckinCode(BAD_MAC)
    return CheckinCode(election_id=election_id, voter_number=voter)


def _mac(key: bytes, version: str, election_id: str, voter_number: str) -> bytes:
    transcript = b"".join(
        len(part).to_bytes(2, "big") + part
        for part in (_DOMAIN, version.encode("ascii"), election_id.encode("ascii"),
                     voter_number.encode("ascii")))
    return hmac.new(key, transcript, hashlib.sha256).digest()[:MAC_SIZE]


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_SIZE:
        raise ValueError(f"the check-in key must be {KEY_SIZE} bytes")
