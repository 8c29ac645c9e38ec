"""Helpers for the crypto tests: hypothesis settings, single-field mutation of JSON documents.

Single-field mutation shows that every field a verifier *reads* matters; it cannot show
that every statement element is *hashed* into the challenge (a verifier that omits an
element may still reject mutations for other reasons). test_challenge_inputs.py records
the exact transcript items of every challenge and checks them against the protocol.
"""

from __future__ import annotations

import copy
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, settings

from voting_service.crypto.errors import CryptoError, DecodingError
from voting_service.crypto.group import GENERATOR, ORDER, Point, Scalar

#: Hypothesis settings for properties that do group operations (kept modest: no timing).
COSTLY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CHEAP = settings(max_examples=50, deadline=None)


def _leaf_mutations(value: Any) -> Iterator[Any]:
    """Every way this test suite changes one field while keeping it well-typed."""
    if isinstance(value, bool):
        yield not value
    elif isinstance(value, int):
        yield value + 1
    elif isinstance(value, str) and len(value) == 64 and set(value) <= set("0123456789abcdef"):
        try:
            yield (Point.from_hex(value) + GENERATOR).hex()
        except DecodingError:
            pass
        try:
            yield Scalar((Scalar.from_hex(value).value + 1) % ORDER).hex()
        except DecodingError:
            pass
    elif isinstance(value, str) and value.startswith("hex:"):
        raw = bytearray(bytes.fromhex(value[4:]) or b"\x00")
        raw[-1] ^= 1
        yield "hex:" + raw.hex()
    elif isinstance(value, str):
        yield value + "x"


def single_field_mutations(document: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, mutated copy) for every leaf of a JSON document and every mutation of it."""
    if isinstance(document, dict):
        items = list(document.items())
    elif isinstance(document, list):
        items = list(enumerate(document))
    else:
        return
    for key, value in items:
        if isinstance(value, (dict, list)):
            yield from single_field_mutations(value, path + (key,))
            continue
        for new in _leaf_mutations(value):
            yield path + (key,), new


def mutate(document: Any, path: tuple, new: Any) -> Any:
    out = copy.deepcopy(document)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return out


def assert_every_mutation_fails(document: Any, verify) -> int:
    """verify(document) must pass, and fail with a CryptoError after any single change."""
    verify(document)
    count = 0
    for path, new in single_field_mutations(document):
        mutated = mutate(document, path, new)
        with pytest.raises(CryptoError):
            verify(mutated)
        count += 1
    assert count > 0
    return count


def election_bytes(text: str) -> bytes:
    assert text.startswith("hex:")
    return bytes.fromhex(text[4:])


