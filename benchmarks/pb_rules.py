"""Benchmark our PB rules against pabutools, side by side in one process.

    python benchmarks/pb_rules.py FILE.pb [FILE.pb ...] [--rules greedy,mes/cost,...]
        [--ours-only mes-add1/cost] [--json]
    python benchmarks/pb_rules.py FILE.pb [FILE.pb ...] --startup
    python benchmarks/pb_rules.py --random 200 [--rules mes-add1/cost]

For every rule both implement, prints our rule time and pabutools' (parsing excluded), their
ratio and whether the selected sets are identical; then the peak memory (tracemalloc) of our
parse + tally of each file. Rule names: greedy, mes/cost, mes/cardinality, mes-add1/cost,
mes-greedy/cost. ``--ours-only`` times only our side of the listed rules (pabutools' iterated
MES reruns MES hundreds of times: about half an hour on Warszawa 2026). pabutools is a
benchmark dependency only.

``--startup`` measures instead, for each file, the whole ``voting-service pb tally FILE
--rule greedy`` command (a fresh process: start-up, imports, parse, rule, output; best of
three, wall and CPU time), and the parse alone: ours (file to aggregated ballots) beside
pabutools' ``parse_pabulib``, in this process.

``--random N`` times both sides on N small random elections drawn like those of
``tests/pb/test_pb_rules_random.py`` (up to 6 projects, 9 voters, a budget up to 30, few
distinct ballots and costs), best of 5 x 3 calls each, and prints the totals, on how many
elections we were slower, and the lowest and median ratios.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import timeit
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.pb.oracle import COMPARED, reference, spec_name, to_pabutools  # noqa: E402
from voting_service.pb import rules  # noqa: E402
from voting_service.pb.pabulib import read_pabulib  # noqa: E402


def measure(path: Path, wanted: set[str] | None, ours_only: set[str]) -> tuple[list[dict], dict]:
    election = read_pabulib(path)
    profile = election.profile()
    p_instance, p_profile = to_pabutools(profile)
    # Both sides time their rule only; the parsed data of both is moved out of the garbage
    # collector's reach so that neither pays for scanning the other's objects.
    gc.collect()
    gc.freeze()
    results = []
    for spec in COMPARED:
        name = spec_name(spec)
        if wanted and name not in wanted:
            continue
        start = time.perf_counter()
        ours = rules.run(spec, election.instance, profile).selected
        ours_s = time.perf_counter() - start
        if name in ours_only:
            results.append({"file": path.name, "rule": name, "ours_s": round(ours_s, 4),
                            "pabutools_s": None, "ratio": None, "same": None})
            continue
        start = time.perf_counter()
        theirs = reference(spec, p_instance, p_profile, profile.is_approval)
        theirs_s = time.perf_counter() - start
        results.append({"file": path.name, "rule": name, "ours_s": round(ours_s, 4),
                        "pabutools_s": round(theirs_s, 4),
                        "ratio": round(theirs_s / ours_s, 1) if ours_s else None,
                        "same": set(ours) == set(theirs)})
    return results, {"file": path.name, "voters": election.num_voters,
                     "projects": len(election.instance)}


def peak_memory(path: Path, spec: dict) -> float:
    """Peak traced memory, in MB, of parsing the file and running one rule on it."""
    tracemalloc.start()
    election = read_pabulib(path)
    rules.run(spec, election.instance, election.profile())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def startup(path: Path) -> dict:
    """Wall and CPU seconds of the CLI tally (best of three), and of both parses."""
    command = [str(Path(sys.executable).parent / "voting-service"), "pb", "tally", str(path),
               "--rule", "greedy"]
    cli_wall, cli_cpu = [], []
    for _ in range(3):
        before = os.times()
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        cli_wall.append(time.perf_counter() - start)
        after = os.times()
        cli_cpu.append(after.children_user + after.children_system
                       - before.children_user - before.children_system)
    ours = []
    for _ in range(3):
        start = time.perf_counter()
        read_pabulib(path).profile()
        ours.append(time.perf_counter() - start)
    from pabutools.election import parse_pabulib
    start = time.perf_counter()
    parse_pabulib(str(path))
    theirs = time.perf_counter() - start
    return {"file": path.name, "cli_wall_s": round(min(cli_wall), 3),
            "cli_cpu_s": round(min(cli_cpu), 3), "parse_s": round(min(ours), 3),
            "pabutools_parse_s": round(theirs, 3), "parse_ratio": round(theirs / min(ours), 1),
            "load_average": round(os.getloadavg()[0], 1)}


def random_elections(count: int, wanted: set[str] | None) -> list[dict]:
    from voting_service.pb.instance import Instance, Project
    from voting_service.pb.profile import Profile

    rng = random.Random(12)
    rows = []
    for spec in COMPARED:
        if wanted and spec_name(spec) not in wanted:
            continue
        ours_total = theirs_total = slower = 0
        ratios = []
        for _ in range(count):
            budget = rng.randint(1, 30)
            ids = ["1", "2", "10", "9", "a", "B"][:rng.randint(1, 6)]
            instance = Instance(tuple(Project(pid, rng.choice(
                [0, 1, 2, 3, 5, 7, budget, budget + 1, 2 * budget])) for pid in ids), budget)
            patterns = [{pid for pid in ids if rng.random() < 0.5}
                        for _ in range(rng.randint(1, 4))]
            profile = Profile.from_ballots(instance, [rng.choice(patterns)
                                                      for _ in range(rng.randint(1, 9))])
            p_instance, p_profile = to_pabutools(profile)
            ours = min(timeit.repeat(lambda: rules.run(spec, instance, profile),
                                     number=3, repeat=5)) / 3
            theirs = min(timeit.repeat(lambda: reference(spec, p_instance, p_profile,
                                                         profile.is_approval),
                                       number=3, repeat=5)) / 3
            ours_total, theirs_total = ours_total + ours, theirs_total + theirs
            slower += ours > theirs
            ratios.append(theirs / ours)
        ratios.sort()
        rows.append({"rule": spec_name(spec), "elections": count,
                     "ours_s": round(ours_total, 4), "pabutools_s": round(theirs_total, 4),
                     "slower_on": slower, "min_ratio": round(ratios[0], 2),
                     "median_ratio": round(ratios[len(ratios) // 2], 2)})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--rules", help="comma-separated subset of: "
                        + ", ".join(spec_name(s) for s in COMPARED))
    parser.add_argument("--ours-only", default="", help="comma-separated rules for which "
                        "pabutools is not run")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.add_argument("--startup", action="store_true", help="time the CLI tally and the "
                        "parse instead of the rules")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    parser.add_argument("--random", type=int, metavar="N", help="time N small random "
                        "elections instead of files")
    args = parser.parse_args(argv)
    if args.random:
        rows = random_elections(args.random, set(args.rules.split(",")) if args.rules else None)
        for r in rows:
            if not args.json:
                print(f"{r['elections']} random elections, {r['rule']:<16} ours {r['ours_s']:.4f}s "
                      f"pabutools {r['pabutools_s']:.4f}s; ours slower on {r['slower_on']}; "
                      f"ratio min {r['min_ratio']} median {r['median_ratio']}", flush=True)
        if args.json:
            print(json.dumps(rows, indent=2))
        return 0
    if args.startup:
        rows = [startup(path) for path in args.files]
        for r in rows:
            if not args.json:
                print(f"{r['file']:<60} pb tally --rule greedy: {r['cli_wall_s']:.3f}s wall, "
                      f"{r['cli_cpu_s']:.3f}s CPU; parse ours {r['parse_s']:.3f}s, pabutools "
                      f"{r['pabutools_parse_s']:.3f}s ({r['parse_ratio']}x); load average "
                      f"{r['load_average']}", flush=True)
        if args.json:
            print(json.dumps(rows, indent=2))
        return 0
    wanted = set(args.rules.split(",")) if args.rules else None
    rows, memory = [], []
    for path in args.files:
        results, _ = measure(path, wanted, set(filter(None, args.ours_only.split(","))))
        rows += results
        if not args.json:
            for r in results:
                theirs = "(not run)" if r["pabutools_s"] is None else f"{r['pabutools_s']:.3f}s"
                print(f"{r['file']:<60} {r['rule']:<18} ours {r['ours_s']:>9.4f}s  pabutools "
                      f"{theirs:>10}  ratio {r['ratio']}  same {r['same']}", flush=True)
        for spec in ({"rule": "greedy"}, {"rule": "mes"}, {"rule": "mes-add1"}):
            if args.no_memory:
                break
            if wanted is None or spec_name({**spec, "satisfaction": "cost"}) in wanted \
                    or spec["rule"] in wanted:
                mb = peak_memory(path, spec)
                memory.append({"file": path.name, "rule": spec["rule"], "peak_mb": round(mb, 1)})
                if not args.json:
                    print(f"{path.name:<60} peak memory of parse + {spec['rule']}: {mb:.1f} MB",
                          flush=True)
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0 if all(r["same"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
