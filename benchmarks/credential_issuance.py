"""Issue credentials and invitation letters for a synthetic roll with the real command.

    python benchmarks/credential_issuance.py [--voters 100000] [--workers 2] [--json]

Reference measured in the same run: one argon2id hash of a login token (t=2, m=19 MiB,
p=1), the unavoidable cost per voter; the report gives the per-voter cost as a multiple of it.
"""

from __future__ import annotations

import argparse
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


def argon2_reference(samples: int = 20) -> float:
    from voting_service.crypto.login_hash import hash_login_token

    started = time.perf_counter()
    for i in range(samples):
        hash_login_token(i.to_bytes(32, "big"))
    return (time.perf_counter() - started) / samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, VOTING_INSTANCE_DIR=str(tmp / "instance"),
                   VOTING_KEY_DIR=str(tmp / "keys"))
        env.pop("VOTING_DATABASE_URL", None)
        cli = [sys.executable, "-m", "voting_service.cli"]
        subprocess.run(cli + ["init-db"], env=env, check=True, capture_output=True)
        from voting_service.domain.demo import demo_manifest

        body = demo_manifest()
        body["id"] = "bench-credentials"
        (tmp / "m.json").write_text(json.dumps(body), encoding="utf-8")
        subprocess.run(cli + ["elections", "create", str(tmp / "m.json")], env=env, check=True,
                       capture_output=True)
        write_roll(tmp / "roll.csv", args.voters)
        subprocess.run(cli + ["voters", "import", "bench-credentials", str(tmp / "roll.csv")],
                       env=env, check=True, capture_output=True)
        subprocess.run(cli + ["elections", "transition", "bench-credentials", "frozen"],
                       env=env, check=True, capture_output=True)
        reference = argon2_reference()
        started = time.perf_counter()
        out = subprocess.run(cli + ["credentials", "issue", "bench-credentials", "--letters",
                                    str(tmp / "letters"), "--workers", str(args.workers)],
                             env=env, check=True, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        issued = int(out.stdout.split()[0])
        files = sorted((tmp / "letters").glob("*.pdf"))
        letters_bytes = sum(f.stat().st_size for f in files)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    per_voter = elapsed / max(issued, 1)
    summary = {"voters_on_roll": args.voters, "issued": issued, "workers": args.workers,
               "seconds": round(elapsed, 1), "minutes": round(elapsed / 60, 2),
               "per_voter_ms": round(per_voter * 1000, 2),
               "argon2id_reference_ms": round(reference * 1000, 2),
               "ratio_to_argon2id": round(per_voter / reference, 2),
               "letter_files": len(files), "letters_mb": round(letters_bytes / 1e6, 1),
               "peak_rss_mb_largest_process": round(peak, 1)}
    if args.json:
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
