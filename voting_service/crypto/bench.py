"""Benchmarks of the cryptographic core: pure functions returning dicts.

Every cost is also given as a multiple of the *floor*, one variable-base scalar
multiplication through libsodium measured in the same run, so that figures from
different machines (or a machine under different load) can be compared.
"""

from __future__ import annotations

import os
import platform
import time
from typing import Any, Callable

from . import recipes
from .credential import derive_credential, generate_letter_code
from .elgamal import Ciphertext
from .embedding import embed_bytes
from .group import Point, Scalar
from .parallel import available_cores
from .rng import SeededRng
from .threshold import PartialDecryption, _combine

ELECTION = b"benchmark election fingerprint"

#: The acceptance targets (issue 3): floors per ballot, seconds for the bulk operations.
TARGETS = {
    "verify_ballot": ("floors_each", 8.0),
    "shuffle_prove": ("seconds", 8.0),
    "shuffle_verify": ("seconds", 8.0),
    "partial_decrypt": ("seconds", 3.0),
    "partial_decrypt_verify": ("seconds", 3.0),
}


def measure_floor(repeats: int = 2000, rounds: int = 7) -> dict[str, float]:
    """Best over ``rounds`` of the mean time of one variable-base scalar multiplication,
    of one fixed-base (generator) multiplication and of one point addition.

    Small per-item costs are always taken as the best of several rounds, the floor and
    the ballot figures alike, so that load from other processes inflates neither side
    of their ratio."""
    rng = SeededRng(b"floor")
    point = Point.base_mul(Scalar.random_nonzero(rng))
    scalars = [Scalar.random_nonzero(rng) for _ in range(repeats)]

    def each(op: Callable[[Scalar], Any]) -> float:
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            for s in scalars:
                op(s)
            samples.append((time.perf_counter() - start) / repeats)
        return min(samples)

    other = Point.base_mul(Scalar(7))
    return {"scalar_mult": each(lambda s: point * s),
            "base_mult": each(Point.base_mul),
            "point_add": each(lambda s: point + other)}


def _best_round(func: Callable[[], Any], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def _timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def run(shuffle_size: int = 10_000, decryption_size: int = 10_000, ballots: int = 200,
        workers: int | None = None) -> dict[str, Any]:
    """Measure every recipe; returns machine, floor and one entry per operation."""
    rng = SeededRng(b"benchmark")
    floors = measure_floor()
    floor = floors["scalar_mult"]
    results: list[dict[str, Any]] = []

    def record(name: str, seconds: float, items: int) -> None:
        entry = {"name": name, "items": items, "seconds": seconds,
                 "seconds_each": seconds / items, "floors_each": seconds / items / floor}
        if name in TARGETS:
            unit, limit = TARGETS[name]
            entry["target"] = f"{unit} <= {limit:g}"
            entry["met"] = entry[unit] <= limit
        results.append(entry)

    seconds, (election_key, trustee_keys) = _timed(
        lambda: recipes.run_key_ceremony(3, 5, ELECTION, rng))
    record("key_ceremony_3_of_5", seconds, 1)

    credential = derive_credential(generate_letter_code(rng), ELECTION)
    def encrypt_all() -> list[recipes.Ballot]:
        return [recipes.encrypt_ballot(election_key, ELECTION, "city", b"\x05\x11", 1,
                                       secret=credential.secret, rng=rng)[0]
                for _ in range(ballots)]

    encrypted = encrypt_all()
    record("encrypt_ballot", _best_round(encrypt_all, 3), ballots)

    # What a verifier receives: online ballots as JSON (the credential inside, decoded too).
    documents = [b.to_json() for b in encrypted]

    def verify_all() -> None:
        for ballot_json in documents:
            ballot = recipes.Ballot.from_json(ballot_json, width=1)
            recipes.verify_ballot(election_key, ELECTION, ballot, question="city", width=1)

    record("verify_ballot", _best_round(verify_all, 5), ballots)

    pk = election_key.public_key
    inputs = [(Ciphertext(Point.base_mul(Scalar.random_nonzero(rng)),
                          embed_bytes(b"%d" % i, 1)[0] + pk * Scalar.random_nonzero(rng)),)
              for i in range(shuffle_size)]
    seconds, (outputs, proof) = _timed(
        lambda: recipes.shuffle_and_prove(election_key, ELECTION, inputs, rng, workers))
    record("shuffle_prove", seconds, shuffle_size)
    seconds, _ = _timed(
        lambda: recipes.verify_shuffle(election_key, ELECTION, inputs, outputs, proof, workers))
    record("shuffle_verify", seconds, shuffle_size)

    targets = (outputs * (decryption_size // len(outputs) + 1))[:decryption_size]
    seconds, partial = _timed(
        lambda: recipes.partially_decrypt(trustee_keys[0], ELECTION, targets, rng, workers))
    record("partial_decrypt", seconds, decryption_size)
    seconds, _ = _timed(lambda: recipes.verify_partial_decryption(
        election_key, ELECTION, targets, partial, workers))
    record("partial_decrypt_verify", seconds, decryption_size)
    partials: list[PartialDecryption] = [partial] + [recipes.partially_decrypt(k, ELECTION, targets, rng, workers)
                            for k in trustee_keys[1:3]]
    # The combination step alone (the partials were just verified above).
    seconds, _ = _timed(lambda: _combine(election_key, targets, partials, workers))
    record("combine_3_trustees", seconds, decryption_size)

    return {
        "machine": {"cores": available_cores(), "cpu_count": os.cpu_count(),
                    "python": platform.python_version(), "platform": platform.platform(),
                    "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None},
        "parameters": {"shuffle_size": shuffle_size, "decryption_size": decryption_size,
                       "ballots": ballots, "workers": workers},
        "floor_seconds": floor,
        "primitives": {name: {"seconds": s, "floors": s / floor} for name, s in floors.items()},
        "results": results,
    }
