"""Events of the public election record (protocol.md §11) and their chain.

An event is a JSON object ``{"seq", "prev", "type", "at", "body", "hash"}``: ``seq`` counts
from 1, ``prev`` is the previous event's hash (32 zero bytes for the first), ``at`` the UTC
time the service appended it, ``body`` what the type defines. ``hash`` is output "hash" of
the transcript [domain "record/event", bytes "event" = canonical JSON of the event without
its "hash"], cut to 32 bytes. Chaining the hashes makes the record append-only: changing,
removing, inserting or reordering any event changes every later hash, and the signed heads
that voters keep on their receipts no longer match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..crypto.transcript import Transcript
from .canonical import canonical_bytes

HASH_BYTES = 32
GENESIS = bytes(HASH_BYTES)

#: Every event type, in the order they usually appear (the verifier knows each one).
EVENT_TYPES = (
    "manifest",            # the frozen manifest, its fingerprint, the service's head key
    "election_key",        # the trustees' threshold election key
    "kiosk_enrolled",      # a kiosk's Ed25519 device key, enrolled at one polling point
    "kiosk_revoked",
    "credentials",         # the public credential list, frozen at opening
    "opening",
    "credential_reissued", # after opening: a revocation and its replacement
    "checkin",             # a voter (by public credential) checked in at a polling point
    "ballot",              # a cast ballot (online or kiosk)
    "spoiled",             # a challenged ballot with its opening; never castable
    "closing",
)


class RecordFormatError(ValueError):
    """An event line that is not an event of this protocol."""


@dataclass(frozen=True)
class Event:
    seq: int
    prev: bytes
    type: str
    at: str
    body: dict[str, Any]
    hash: bytes

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "prev": self.prev.hex(), "type": self.type, "at": self.at,
                "body": self.body, "hash": self.hash.hex()}

    def line(self) -> bytes:
        """The event's line in ``events.jsonl`` (canonical JSON, no newline)."""
        return canonical_bytes(self.to_json())


def event_hash(seq: int, prev: bytes, type_: str, at: str, body: dict[str, Any]) -> bytes:
    unsigned = {"seq": seq, "prev": prev.hex(), "type": type_, "at": at, "body": body}
    return (Transcript("record/event").bytes("event", canonical_bytes(unsigned))
            .output("hash")[:HASH_BYTES])


def make_event(seq: int, prev: bytes, type_: str, at: str, body: dict[str, Any]) -> Event:
    if type_ not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type_!r}")
    return Event(seq, prev, type_, at, body, event_hash(seq, prev, type_, at, body))


def _hex32(value: Any, name: str) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * HASH_BYTES or \
            not set(value) <= set("0123456789abcdef"):
        raise RecordFormatError(f"{name}: 64 lowercase hexadecimal characters")
    return bytes.fromhex(value)


def parse_event(obj: Any) -> Event:
    """Read one event object without judging it (the verifier does): shape only."""
    if not isinstance(obj, dict) or set(obj) != {"seq", "prev", "type", "at", "body", "hash"}:
        raise RecordFormatError("an event has exactly seq, prev, type, at, body and hash")
    seq, type_, at, body = obj["seq"], obj["type"], obj["at"], obj["body"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise RecordFormatError("seq: a positive integer")
    if type_ not in EVENT_TYPES:
        raise RecordFormatError(f"unknown event type {type_!r}")
    if not isinstance(at, str) or not isinstance(body, dict):
        raise RecordFormatError("at is a string and body an object")
    return Event(seq, _hex32(obj["prev"], "prev"), type_, at, body, _hex32(obj["hash"], "hash"))
