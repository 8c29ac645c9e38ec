"""Canonical JSON: one byte string per value, so digests and fingerprints are reproducible.

Rules (also in docs/protocol.md): UTF-8; object keys sorted by code point; no insignificant
white space; only objects, arrays, strings, integers, booleans and null (floats are refused:
amounts are integers in the currency's unit); strings escaped minimally as json.dumps does
with ensure_ascii=False.
"""

from __future__ import annotations

import hashlib
import json


def _check(value, path: str = "$") -> None:
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
    _check(value)
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(value) -> str:
    return sha256_hex(canonical_bytes(value))
