"""Invitation letter throughput: letters per second and peak memory.

    .venv/bin/python benchmarks/letters.py --count 10000 --workers 2

CPU time (user + system, of this process and its workers) is printed besides wall-clock time,
because the machine may be shared: with W workers and no other load, wall time per letter is
about CPU time per letter / W. Peak memory is the largest resident set size among this process and its worker processes
(ru_maxrss of RUSAGE_SELF and RUSAGE_CHILDREN), so it covers the pool too.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import secrets
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from voting_service.letters import (Letter, LetterElection, make_checkin_payload,
                                    new_checkin_secret, write_letters)

ELECTION = LetterElection(
    city="Villeurbanne",
    title="Budget participatif 2027",
    starts_at=datetime(2027, 5, 3, 7, tzinfo=timezone.utc),
    ends_at=datetime(2027, 5, 16, 16, tzinfo=timezone.utc),
    polling_points=[(f"Maison de quartier n° {n}", f"{n} rue de la République, 69100 Villeurbanne")
                    for n in range(1, 7)],
    online_url="https://vote.villeurbanne.fr",
)
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def letters(count: int):
    """A synthetic roll, generated lazily like a database cursor would yield it."""
    for number in range(count):
        voter = f"{number:08d}"
        code = "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(5))
        yield Letter(voter_number=voter, full_name=f"Mme Camille Exemple-{number}",
                     address_lines=[f"{number % 200 + 1} avenue Henri-Barbusse", "69100 VILLEURBANNE"],
                     letter_code=code,
                     checkin_payload=make_checkin_payload("budget-participatif-2027", voter,
                                                          new_checkin_secret()))


def _cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process, and of its finished child processes (the pool workers)."""
    times = os.times()
    return times.user + times.system, times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as out:
        started, cpu_before = time.perf_counter(), _cpu_seconds()
        paths = write_letters(ELECTION, letters(args.count), Path(out),
                              batch_size=args.batch_size, workers=args.workers)
        elapsed, cpu_after = time.perf_counter() - started, _cpu_seconds()
        parent, children = (after - before for after, before in zip(cpu_after, cpu_before))
        cpu = parent + children
        size = sum(path.stat().st_size for path in paths)
    peak_kib = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    print(f"letters: {args.count} in {len(paths)} files of {args.batch_size}, workers: {args.workers}")
    print(f"time: {elapsed:.1f} s, {args.count / elapsed:.0f} letters/s, "
          f"{elapsed / args.count * 1000:.2f} ms/letter (wall clock)")
    print(f"cpu: {cpu:.1f} s, {cpu / args.count * 1000:.2f} ms/letter (all processes; "
          f"this process, which also makes the synthetic roll: {parent / args.count * 1000:.2f}, "
          f"workers: {children / args.count * 1000:.2f}); "
          f"load average before/after: {load_before:.1f}/{os.getloadavg()[0]:.1f}")
    print(f"output: {size / args.count / 1024:.1f} KiB/letter")
    print(f"peak memory (max RSS of one process): {peak_kib / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
