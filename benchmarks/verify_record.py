"""Verifying a large record: `voting-service verify` on a record of N cast ballots.

    .venv/bin/python benchmarks/verify_record.py --ballots 100000 --json

Builds (in worker processes, not timed) a record as the service writes it: manifest,
election key, the frozen credential list, opening, N online ballots (every tenth voter
votes twice, so chains are checked too), closing and a signed head; writes the record file;
then times reading it and `verify_record` on every core. The reference measured in the same
run is one ballot's proof and signature check in this process (`ballot.verify`), so the
figure is comparable across machines: verify's cost per ballot over that reference.
Target (issue "the vote itself"): ≤ 60 s for 100,000 ballots on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from voting_service.crypto import ballot as ballots
from voting_service.crypto.group import Point
from voting_service.crypto.recipes import run_key_ceremony
from voting_service.crypto.rng import SeededRng
from voting_service.pb.encoding import encode
from voting_service.record.archive import read_record, write_record
from voting_service.record.canonical import canonical_bytes, sha256_hex
from voting_service.record.events import GENESIS, make_event
from voting_service.record.heads import sign_head
from voting_service.record.questions import question_specs
from voting_service.record.verify import policy_counts, verify_record

MANIFEST = {
    "version": 1, "id": "bench-verify", "title": "Banc d'essai", "city": "Essai",
    "starts_at": "2027-05-03T07:00:00Z", "ends_at": "2027-05-16T16:00:00Z",
    "districts": [], "polling_points": [{"id": "mairie", "name": "Mairie", "address": ""}],
    "questions": [{
        "id": "ville", "title": "Toute la ville", "district": None, "budget": 1_000_000,
        "currency": "EUR", "format": {"kind": "approval", "min": 0, "max": None},
        "rule": {"rule": "greedy"},
        "projects": [{"id": f"P{i}", "title": f"Projet {i}", "summary": "", "cost": 50_000,
                      "category": "", "district": None, "external_ref": ""}
                     for i in range(1, 21)],
    }],
}
FINGERPRINT = bytes.fromhex(sha256_hex(canonical_bytes(MANIFEST)))
AT = "2027-05-04T10:00:00.000000Z"


def _code_secret(index: int):
    # Any scalar works for the benchmark; derive it as the device would from a code's
    # transcript, so the public credential is a real one.
    from voting_service.crypto.transcript import Transcript

    return Transcript("bench/secret").integer("i", index).challenge("secret")


def _make_ballots(key_json: dict, start: int, stop: int) -> list[tuple[str, list[dict]]]:
    """Worker: the public credential and ballot chain of voters start … stop-1."""
    from voting_service.crypto.dkg import ElectionKey

    key = ElectionKey.from_json(key_json)
    spec = question_specs(MANIFEST)["ville"]
    out = []
    for index in range(start, stop):
        secret = _code_secret(index)
        public = Point.base_mul(secret)
        chain, prev = [], ballots.ZERO_TRACKER
        for seq in range(1, 3 if index % 10 == 0 else 2):
            plaintext = encode(spec.format, [f"P{1 + (index + seq) % 20}"])
            unsigned, _ = ballots.encrypt(key, FINGERPRINT, "ville", plaintext, spec.width,
                                          credential=public, seq=seq, prev=prev,
                                          rng=SeededRng(b"%d/%d" % (index, seq)))
            signed = ballots.sign_online(FINGERPRINT, unsigned, secret)
            prev = ballots.tracker(FINGERPRINT, signed)
            chain.append(signed.to_json())
        out.append((public.hex(), chain))
    return out


def build(voters: int, path: Path, workers: int) -> tuple[int, float]:
    key, _trustees = run_key_ceremony(2, 3, FINGERPRINT, SeededRng(b"bench-key"))
    service = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    service_public = service.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    started = time.perf_counter()
    step = max(1, voters // (workers * 8))
    with ProcessPoolExecutor(workers) as pool:
        parts = pool.map(_make_ballots, [key.to_json()] * len(range(0, voters, step)),
                         range(0, voters, step),
                         [min(voters, s + step) for s in range(0, voters, step)])
        voters_ballots = [item for part in parts for item in part]
    events, prev = [], GENESIS

    def add(type_: str, body: dict) -> None:
        nonlocal prev
        event = make_event(len(events) + 1, prev, type_, AT, body)
        events.append(event)
        prev = event.hash

    add("manifest", {"manifest": MANIFEST, "fingerprint": FINGERPRINT.hex(),
                     "service_key": service_public.hex()})
    add("election_key", {"election_key": key.to_json()})
    entries = sorted(({"credential": p, "questions": ["ville"]} for p, _ in voters_ballots),
                     key=lambda e: e["credential"])
    add("credentials", {"path": "server", "authority_key": None, "credentials": entries,
                        "signature": None})
    add("opening", {"credentials": len(entries)})
    cast = 0
    for public, chain in voters_ballots:
        for ballot_json in chain:
            tracker = ballots.tracker(FINGERPRINT, ballots.Ballot.from_json(ballot_json)).hex()
            add("ballot", {"ballot": ballot_json, "tracker": tracker, "kiosk": None})
            cast += 1
    counted_cast, counted = policy_counts(events)
    add("closing", {"ballots_cast": counted_cast, "ballots_counted": counted})
    head = sign_head(service, FINGERPRINT, len(events), prev, AT)
    write_record(path, events, [head], [])
    return cast, time.perf_counter() - started


def reference_seconds(record_path: Path, samples: int = 200) -> float:
    """One ballot's proof and signature check in this process (best of 3 rounds)."""
    from voting_service.crypto.dkg import ElectionKey

    record = read_record(record_path)
    key = ElectionKey.from_json(record.events[1].body["election_key"])
    width = question_specs(MANIFEST)["ville"].width
    chosen = [ballots.Ballot.from_json(e.body["ballot"]) for e in record.events
              if e.type == "ballot"][:samples]
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for ballot in chosen:
            ballots.verify(key, FINGERPRINT, ballot, question="ville", width=width)
        best = min(best, (time.perf_counter() - started) / len(chosen))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000,
                        help="voters (every tenth votes twice: ~1.1 ballots per voter)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "record.zip"
        cast, build_seconds = build(args.ballots, path, args.workers)
        started = time.perf_counter()
        report = verify_record(read_record(path), workers=args.workers)
        verify_seconds = time.perf_counter() - started
        reference = reference_seconds(path)
        size = path.stat().st_size
    assert report.ok, report.failure
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
        "ballots_cast": cast, "voters": args.ballots, "record_bytes": size,
        "build_seconds": round(build_seconds, 1),
        "verify_seconds": round(verify_seconds, 2),
        "verify_per_ballot_ms": round(1000 * verify_seconds / cast, 3),
        "reference_ballot_verify_ms": round(1000 * reference, 3),
        "ratio_to_reference": round(verify_seconds / cast / reference, 2),
        "workers": args.workers,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, value in result.items():
            print(f"{name:>28}: {value}")


if __name__ == "__main__":
    main()
