"""Typed, length-prefixed, domain-separated SHA-512 transcripts (docs/protocol.md §3).

A transcript is a byte string made of items; each item is

    tag (1 byte) || len(label) (4 bytes, big-endian) || label (ASCII)
                 || len(value) (8 bytes, big-endian) || value

The first item is always the domain (tag 0x01, label "domain", value
"voting_service/v1/<purpose>"). An output is SHA-512 over the transcript followed by one
output item (tag 0x10, the output's label, value = index as 8 bytes big-endian); outputs
do not change the transcript, so several independent outputs may be drawn from it.
"""

from __future__ import annotations

import hashlib
import struct
from typing import Iterable

from .group import ORDER, Point, Scalar

PROTOCOL = "voting_service/v1"

TAG_DOMAIN = 0x01
TAG_BYTES = 0x02
TAG_TEXT = 0x03
TAG_INT = 0x04
TAG_SCALAR = 0x05
TAG_POINT = 0x06
TAG_POINTS = 0x07
TAG_SCALARS = 0x08
TAG_OUTPUT = 0x10


_HEADERS: dict[tuple[int, str], bytes] = {}
_PACK_LENGTH = struct.Struct(">Q").pack


def _header(tag: int, label: str) -> bytes:
    """tag || len(label) || label, cached: labels are a small fixed vocabulary."""
    header = _HEADERS.get((tag, label))
    if header is None:
        label_bytes = label.encode("ascii")
        header = bytes([tag]) + struct.pack(">I", len(label_bytes)) + label_bytes
        _HEADERS[(tag, label)] = header
    return header


def _item(tag: int, label: str, value: bytes) -> bytes:
    return _header(tag, label) + _PACK_LENGTH(len(value)) + value


class Transcript:
    """An append-only transcript; ``challenge`` and ``output`` read it without changing it."""

    __slots__ = ("_hash",)

    def __init__(self, purpose: str):
        self._hash = hashlib.sha512()
        self._hash.update(_item(TAG_DOMAIN, "domain", f"{PROTOCOL}/{purpose}".encode("ascii")))

    def copy(self) -> Transcript:
        other = object.__new__(Transcript)
        other._hash = self._hash.copy()
        return other

    def bytes(self, label: str, value: bytes) -> Transcript:
        self._hash.update(_item(TAG_BYTES, label, bytes(value)))
        return self

    def text(self, label: str, value: str) -> Transcript:
        self._hash.update(_item(TAG_TEXT, label, value.encode("utf-8")))
        return self

    def integer(self, label: str, value: int) -> Transcript:
        if not 0 <= value < 2**64:
            raise ValueError("transcript integers are unsigned 64-bit")
        self._hash.update(_item(TAG_INT, label, struct.pack(">Q", value)))
        return self

    def scalar(self, label: str, value: Scalar) -> Transcript:
        self._hash.update(_item(TAG_SCALAR, label, value.to_bytes()))
        return self

    def point(self, label: str, value: Point) -> Transcript:
        self._hash.update(_item(TAG_POINT, label, value.to_bytes()))
        return self

    def point_encoding(self, label: str, encoding: bytes) -> Transcript:
        """Same item as ``point`` for callers holding a raw (already valid) encoding."""
        self._hash.update(_item(TAG_POINT, label, encoding))
        return self

    def points(self, label: str, values: Iterable[Point]) -> Transcript:
        self._hash.update(_item(TAG_POINTS, label, b"".join(p.to_bytes() for p in values)))
        return self

    def point_encodings(self, label: str, encodings: Iterable[bytes]) -> Transcript:
        """Same item as ``points`` for callers holding raw (already valid) encodings."""
        self._hash.update(_item(TAG_POINTS, label, b"".join(encodings)))
        return self

    def scalars(self, label: str, values: Iterable[Scalar]) -> Transcript:
        self._hash.update(_item(TAG_SCALARS, label, b"".join(s.to_bytes() for s in values)))
        return self

    def output(self, label: str, index: int = 0) -> bytes:
        """64 bytes: SHA-512(transcript || output item(label, index))."""
        h = self._hash.copy()
        h.update(_item(TAG_OUTPUT, label, struct.pack(">Q", index)))
        return h.digest()

    def challenge(self, label: str, index: int = 0) -> Scalar:
        """Hash to scalar: the output, read little-endian, reduced modulo ℓ (wide reduction)."""
        return Scalar.from_wide_bytes(self.output(label, index))

    def challenge_ints(self, label: str, count: int) -> list[int]:
        """``challenge(label, i).value`` for i = 0 .. count-1 (bulk form for the shuffle)."""
        base = self._hash.copy()
        out = []
        for i in range(count):
            h = base.copy()
            h.update(_item(TAG_OUTPUT, label, struct.pack(">Q", i)))
            out.append(int.from_bytes(h.digest(), "little") % ORDER)
        return out


def hash_to_point(label: str, index: int = 0) -> Point:
    """An element nobody knows a discrete log of: RFC 9496 derivation from a public label.

    H(label, index) = ristretto255_from_uniform_bytes(output "point" of the transcript
    [domain "hash-to-group", text "label", integer "index"]).
    """
    t = Transcript("hash-to-group").text("label", label).integer("index", index)
    return Point.from_uniform_bytes(t.output("point"))
