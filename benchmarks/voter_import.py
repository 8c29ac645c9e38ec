"""Import a synthetic 200,000-row roll with the real command and report time and memory.

    python benchmarks/voter_import.py [--rows 200000] [--database-url URL] [--json]

The reference measured in the same run is the time to merely read and split the CSV with
the csv module, so the ratio says what the import costs beyond parsing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from roll_data import write_roll  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        roll = tmp / "roll.csv"
        write_roll(roll, args.rows)
        env = dict(os.environ, VOTING_INSTANCE_DIR=str(tmp / "instance"))
        if args.database_url:
            env["VOTING_DATABASE_URL"] = args.database_url
        cli = [sys.executable, "-m", "voting_service.cli"]
        subprocess.run(cli + ["init-db"], env=env, check=True, capture_output=True)
        # A draft election shaped like the demo one (imports happen before the vote opens).
        manifest = tmp / "m.json"
        from voting_service.domain.demo import demo_manifest

        body = demo_manifest()
        body["id"] = "bench-roll"
        manifest.write_text(json.dumps(body), encoding="utf-8")
        subprocess.run(cli + ["elections", "create", str(manifest)], env=env, check=True,
                       capture_output=True)

        started = time.perf_counter()
        with open(roll, newline="", encoding="utf-8") as handle:
            parsed = sum(1 for _ in csv.reader(handle, delimiter=";"))
        assert parsed == args.rows + 1  # the header, then one line per voter
        reference = time.perf_counter() - started

        results = {}
        for run in ("first import", "re-import (unchanged)"):
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            started = time.perf_counter()
            out = subprocess.run(cli + ["voters", "import", "bench-roll", str(roll), "--json"],
                                 env=env, check=True, capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            report = json.loads(out.stdout)
            results[run] = {"seconds": round(elapsed, 2), "peak_rss_mb": round(max(peak, before)
                                                                               / 1024, 1),
                            "imported": report["imported"], "unchanged": report["unchanged"],
                            "rejected": len(report["rejected"]),
                            "ratio_to_csv_parse": round(elapsed / reference, 1)}
    summary = {"rows": args.rows, "csv_parse_seconds": round(reference, 3),
               "backend": (args.database_url or "sqlite").split(":")[0], "runs": results}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{args.rows} rows on {summary['backend']}; csv parse alone "
              f"{summary['csv_parse_seconds']} s")
        for name, r in results.items():
            print(f"  {name}: {r['seconds']} s, peak RSS {r['peak_rss_mb']} MB, "
                  f"x{r['ratio_to_csv_parse']} the parse; imported {r['imported']}, "
                  f"unchanged {r['unchanged']}, rejected {r['rejected']}")


if __name__ == "__main__":
    main()
