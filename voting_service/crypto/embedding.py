"""Reversible embedding of bytes into points, and exponential encoding (protocol.md §5).

Byte embedding. One point carries 30 payload bytes. The candidate encoding for payload
chunk D (30 bytes) and counter k (0 <= k < 2^14) is

    byte 0      = 2·(k mod 128)           (even: a ristretto255 encoding is non-negative)
    bytes 1..30 = D
    byte 31     = k div 128               (< 128: the encoding stays below 2^255)

and the embedded point is the candidate with the smallest k that is a valid, non-identity
encoding (about one candidate in four is valid, so 2^14 counters never run out in
practice). Extraction reads bytes 1..30 and checks that no smaller counter would have been
valid, so every payload has exactly one embedding. A payload of up to 30·width − 1 bytes
is padded to 30·width bytes with 0x80 followed by zero bytes (ISO/IEC 7816-4 padding)
before it is cut into chunks.

Exponential encoding. m ↦ m·G, for totals; decoding searches m in [0, bound] with
baby-step giant-step.
"""

from __future__ import annotations

import math
from typing import Sequence

from .errors import DiscreteLogNotFoundError, EmbeddingError, ParameterError
from .group import GENERATOR, IDENTITY, Point, Scalar, is_valid_encoding

BYTES_PER_POINT = 30
_COUNTERS = 1 << 14


def capacity(width: int) -> int:
    """Payload bytes that fit in ``width`` points (one byte goes to padding)."""
    return BYTES_PER_POINT * width - 1


def _candidate(chunk: bytes, counter: int) -> bytes:
    return bytes([2 * (counter & 0x7F)]) + chunk + bytes([counter >> 7])


def embed_chunk(chunk: bytes) -> Point:
    if len(chunk) != BYTES_PER_POINT:
        raise ParameterError("a chunk is exactly 30 bytes")
    for counter in range(_COUNTERS):
        candidate = _candidate(chunk, counter)
        if is_valid_encoding(candidate):
            return Point._trusted(candidate)
    raise EmbeddingError("no counter embeds this chunk")  # pragma: no cover (prob. < 2^-6000)


def extract_chunk(point: Point) -> bytes:
    enc = point.to_bytes()
    if enc[0] & 1 or enc[31] & 0x80 or point.is_identity():
        raise EmbeddingError("not an embedded point")
    chunk = enc[1:31]
    counter = (enc[0] >> 1) | (enc[31] << 7)
    for smaller in range(counter):
        if is_valid_encoding(_candidate(chunk, smaller)):
            raise EmbeddingError("not the canonical embedding of its payload")
    return chunk


def embed_bytes(payload: bytes, width: int) -> tuple[Point, ...]:
    """Pad ``payload`` to 30·width bytes and embed it into exactly ``width`` points."""
    if width < 1:
        raise ParameterError("width must be at least 1")
    if len(payload) > capacity(width):
        raise EmbeddingError(f"payload of {len(payload)} bytes exceeds {capacity(width)} bytes")
    padded = payload + b"\x80" + bytes(BYTES_PER_POINT * width - len(payload) - 1)
    return tuple(embed_chunk(padded[i:i + BYTES_PER_POINT])
                 for i in range(0, len(padded), BYTES_PER_POINT))


def extract_bytes(points: Sequence[Point]) -> bytes:
    """Inverse of ``embed_bytes``; raises EmbeddingError on anything it could not produce."""
    padded = b"".join(extract_chunk(p) for p in points)
    body = padded.rstrip(b"\x00")
    if not body.endswith(b"\x80"):
        raise EmbeddingError("payload padding is malformed")
    return body[:-1]


def encode_int(value: int) -> Point:
    """Exponential encoding m·G (the identity for m = 0)."""
    if value < 0:
        raise ParameterError("exponential encoding takes non-negative integers")
    return Point.base_mul(Scalar.reduce(value))


def decode_int(point: Point, bound: int) -> int:
    """The m in [0, bound] with m·G = point, by baby-step giant-step (√bound additions)."""
    if bound < 0:
        raise ParameterError("bound must be non-negative")
    step = math.isqrt(bound) + 1
    baby: dict[bytes, int] = {}
    current = IDENTITY
    for j in range(step):
        baby.setdefault(current.to_bytes(), j)
        current = current + GENERATOR
    giant = -(GENERATOR * Scalar(step))
    target = point
    for i in range(step + 1):
        j = baby.get(target.to_bytes())
        if j is not None and i * step + j <= bound:
            return i * step + j
        target = target + giant
    raise DiscreteLogNotFoundError(f"no exponent in [0, {bound}]")
