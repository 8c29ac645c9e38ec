"""JSON forms of crypto objects: points and scalars as lowercase hex (docs/protocol.md §2).

Every reader validates what it reads: a point is decoded with ``Point.from_bytes`` (the
identity refused), a scalar with ``Scalar.from_bytes`` (canonical only), and a missing
field, a field of the wrong JSON type or a field the object does not have raises
``DecodingError``. Unknown fields are refused rather than ignored: a signed or hashed
object must mean one thing, and a field one reader ignores and another honours would
let two verifiers disagree about it.
"""

from __future__ import annotations

from typing import Any

from .errors import DecodingError
from .group import Point, Scalar


def field(obj: Any, key: str, kind: type) -> Any:
    if not isinstance(obj, dict):
        raise DecodingError("expected a JSON object")
    if key not in obj:
        raise DecodingError(f"missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise DecodingError(f"field {key!r} must be of type {kind.__name__}")
    return value


def only_fields(obj: Any, *keys: str) -> Any:
    """``obj`` itself, after checking it is a JSON object with no field beyond ``keys``."""
    if not isinstance(obj, dict):
        raise DecodingError("expected a JSON object")
    unknown = sorted(set(obj) - set(keys))
    if unknown:
        raise DecodingError(f"unknown field {unknown[0]!r}")
    return obj


def read_point(obj: Any, key: str) -> Point:
    return Point.from_hex(field(obj, key, str))


def read_scalar(obj: Any, key: str) -> Scalar:
    return Scalar.from_hex(field(obj, key, str))


def read_int(obj: Any, key: str, *, minimum: int = 0) -> int:
    value = field(obj, key, int)
    if value < minimum:
        raise DecodingError(f"field {key!r} must be >= {minimum}")
    return value


def read_list(obj: Any, key: str) -> list:
    return field(obj, key, list)


def points_from_hex(values: Any) -> tuple[Point, ...]:
    if not isinstance(values, list):
        raise DecodingError("expected a list of points")
    return tuple(Point.from_hex(v) if isinstance(v, str) else _bad("point") for v in values)


def scalars_from_hex(values: Any) -> tuple[Scalar, ...]:
    if not isinstance(values, list):
        raise DecodingError("expected a list of scalars")
    return tuple(Scalar.from_hex(v) if isinstance(v, str) else _bad("scalar") for v in values)


def read_bytes_hex(obj: Any, key: str) -> bytes:
    text = field(obj, key, str)
    if len(text) % 2 or not set(text) <= set("0123456789abcdef"):
        raise DecodingError(f"field {key!r} must be lowercase hexadecimal")
    return bytes.fromhex(text)


def _bad(what: str):
    raise DecodingError(f"expected a hex-encoded {what}")
