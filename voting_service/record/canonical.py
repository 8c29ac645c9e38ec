"""Canonical JSON: one byte string per value, so digests and fingerprints are reproducible.

Rules (also in docs/protocol.md): UTF-8; object keys sorted by code point; no insignificant
white space; only objects, arrays, strings, integers, booleans and null (floats are refused:
amounts are integers in the currency's unit); strings escaped minimally as json.dumps does
with ensure_ascii=False.
"""

from __future__ import annotations

import hashlib
import json


_SCALARS = (bool, int, str, type(None))


def _valid(value) -> bool:
    """The fast test (every event and request goes through it): no path strings built."""
    if isinstance(value, _SCALARS):
        return True
    if isinstance(value, dict):
        return all(isinstance(k, str) and _valid(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_valid(item) for item in value)
    return False


def _check(value, path: str = "$") -> None:
    """Only on failure: find where, for the message."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return
    if isinstance(value, float):
        raise TypeError(f"{path}: floats have no canonical form here")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: object keys must be strings")
            _check(item, f"{path}.{key}")
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
        return
    raise TypeError(f"{path}: {type(value).__name__} has no canonical form")


def canonical_bytes(value) -> bytes:
    if not _valid(value):
        _check(value)
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(value) -> str:
    return sha256_hex(canonical_bytes(value))
