"""CPU time of quick commands, from process start to exit, beside `python -c pass`.

    python benchmarks/cli_startup.py [--repeat 7] [--pabulib FILE] [--json]

Each command runs ``--repeat`` times as a child process; the figure is the least CPU time
(user + system, from getrusage of the children) of those runs, so other sessions' load on
the machine inflates it as little as possible, and so the first run (which writes the
bytecode cache, as an installed package has it) does not count. The reference is a bare interpreter
(`python -c pass`) measured in the same run; the target of issue 13 is under 0.3 s of CPU
for each command.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "tests" / "vectors" / "record" / "record.zip"
SHARED_PB = ROOT.parent / "shared" / "data" / "pabulib" / "Netherlands_Assen_2024.pb"
TARGET = 0.3


def cpu_seconds(command: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              cwd=ROOT)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()[-2000:]}")
        best = min(best, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pabulib", type=Path, default=None,
                        help=f"a small .pb file (default: {SHARED_PB.name} from the shared "
                             "data, else a 3-project file written here)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("voting-service"))
    with tempfile.TemporaryDirectory() as tmp:
        pb_file = args.pabulib or (SHARED_PB if SHARED_PB.is_file() else None)
        if pb_file is None:
            from tests.fuzz.harnesses import PABULIB_SEED  # noqa: PLC0415

            pb_file = Path(tmp) / "small.pb"
            pb_file.write_text(PABULIB_SEED, encoding="utf-8")
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "voting-service --help": [exe, "--help"],
            "voting-service verify record.zip": [exe, "verify", str(RECORD)],
            f"voting-service pb tally {pb_file.name}": [exe, "pb", "tally", "--rule", "greedy",
                                                        str(pb_file)],
        }
        # A command must not touch a database: run them where none is configured.
        os.environ.pop("VOTING_DATABASE_URL", None)
        # Installed packages run from cached bytecode: let the first run write it (some
        # shells set PYTHONDONTWRITEBYTECODE, which would compile every module every time).
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        rows = []
        reference = None
        for name, command in commands.items():
            seconds = cpu_seconds(command, args.repeat)
            reference = reference or seconds
            rows.append({"command": name, "cpu_s": round(seconds, 3),
                         "ratio_to_python": round(seconds / reference, 1),
                         "under_target": seconds < TARGET})
    load = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"load_average": round(load, 1), "rows": rows}))
        return
    print(f"load average {load:.1f}; least CPU time of {args.repeat} runs each")
    print("| command | CPU | ratio to `python -c pass` | under 0.3 s |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| `{row['command']}` | {row['cpu_s']:.3f} s | {row['ratio_to_python']}x | "
              f"{'yes' if row['under_target'] else 'no'} |")


if __name__ == "__main__":
    main()
