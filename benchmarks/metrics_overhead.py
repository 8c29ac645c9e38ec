"""What the metrics and the request id add to each cast request, and what a scrape costs.

    .venv/bin/python benchmarks/metrics_overhead.py --json

Per cast request the service now runs, besides the route itself: the request-id hook (a
random id, the response header), the metrics hook (`_observe`: the status counter, the
latency histogram) and the route's `metrics.ballots_cast` (one counter per question, 2 here).
They are timed here on their own, in a request context of the cast route, as many times as
`--repeat` (best of 5 rounds), with prometheus-client in multiprocess mode as under gunicorn
(values in memory-mapped files of a private folder). The reference measured in the same run
is the verification of one ballot (`voting-service bench crypto`'s verify_ballot), the
unit docs/performance.md counts a cast's cost in. A scrape of /metrics (the workers' files
summed, the database gauges read) is timed too, on SQLite with one election.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

# Multiprocess mode is chosen when prometheus-client is first imported: set the folder first.
_FOLDER = tempfile.mkdtemp(prefix="voting-metrics-bench-")
if "--in-process" not in sys.argv:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _FOLDER

from voting_service.crypto import bench as crypto_bench  # noqa: E402


class _Receipt:
    """What `ballots_cast` reads of a receipt."""

    def __init__(self, election: str, questions: list[str]):
        self.election = election
        self.trackers = {q: "00" * 32 for q in questions}
        self.replayed = False


def _best(func, repeat: int, rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            func()
        best = min(best, time.perf_counter() - start)
    return best / repeat


def measure(repeat: int) -> dict:
    import logging

    from flask import g, request

    from voting_service.store.db import make_engine
    from voting_service.store.migrate import upgrade
    from voting_service.web import create_app, logs, metrics

    work = Path(tempfile.mkdtemp(prefix="voting-metrics-bench-db-"))
    url = f"sqlite:///{work / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    token = "bench-token-0123456789abcdefghijklmnopqrstuv"
    app = create_app({"VOTING_MODE": "test", "VOTING_DATABASE_URL": url,
                      "VOTING_SECRET_KEY": "b" * 40, "VOTING_INSTANCE_DIR": str(work),
                      "VOTING_KEY_DIR": str(work / "keys"), "VOTING_METRICS_TOKEN": token})
    logging.getLogger("voting_service").setLevel(logging.WARNING)   # not the scrapes' lines
    receipt = _Receipt("bp-bench-2027", ["ville", "nord"])
    results = {}
    with app.test_request_context("/api/v1/elections/bp-bench-2027/ballots", method="POST"):
        assert request.endpoint in metrics._OPERATIONS
        g.started = time.perf_counter()
        response = app.response_class("{}", 201)
        results["request_id_s"] = _best(
            lambda: response.headers.__setitem__(logs.HEADER, logs._request_id(0)), repeat)
        results["observe_hook_s"] = _best(lambda: metrics._observe(response), repeat)
        results["ballots_cast_s"] = _best(lambda: metrics.ballots_cast("online", receipt),
                                          repeat)
    results["per_request_s"] = (results["request_id_s"] + results["observe_hook_s"]
                                + results["ballots_cast_s"])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/metrics", headers=headers).status_code == 200
    results["scrape_s"] = _best(lambda: client.get("/metrics", headers=headers), 20, 3)
    app.extensions["voting"]["engine"].dispose()
    shutil.rmtree(work, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--in-process", action="store_true",
                        help="values in the process (as in tests) instead of shared files")
    args = parser.parse_args()
    results = measure(args.repeat)
    report = crypto_bench.run(shuffle_size=2, decryption_size=2, ballots=100, workers=1)
    verify = next(r for r in report["results"] if r["name"] == "verify_ballot")["seconds_each"]
    row = {"mode": "in-process" if args.in_process else "multiprocess",
           "repeat": args.repeat,
           **{k: round(v * 1e6, 2) for k, v in results.items() if k != "scrape_s"},
           "scrape_ms": round(results["scrape_s"] * 1e3, 2),
           "verify_ballot_us": round(verify * 1e6, 1),
           "per_request_over_verify": round(results["per_request_s"] / verify, 4),
           "load_average": list(os.getloadavg()), "python": platform.python_version()}
    row = {k.replace("_s", "_us") if k.endswith("_s") else k: v for k, v in row.items()}
    if args.json:
        print(json.dumps(row, indent=2))
    else:
        for key, value in row.items():
            print(f"{key:28} {value}")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(_FOLDER, ignore_errors=True)
