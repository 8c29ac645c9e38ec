"""Casting throughput through a real server: gunicorn (several workers) on PostgreSQL,
concurrent HTTP clients, ballots encrypted and signed before the timed phase.

    .venv/bin/python benchmarks/cast.py --json                # 32 and 128 clients, storm
    .venv/bin/python benchmarks/cast.py --clients 32,128 --workers 4 --json
    .venv/bin/python benchmarks/cast.py --clients 32 --one-credential 0   # no storm

The election is set up as `voting-service rehearse` sets it up (voting_service/rehearsal/:
same server start and stop, same API steps, credentials through the authority path), on a
new PostgreSQL database dropped at the end (or on --database-url, which must be empty).
Every voter logs in before the timed phase (a login costs an argon2id hash, which is not
what is measured here). Each voter then casts `--rounds` requests in a row per measured
client count, each the successor (seq + 1) of the one before: one request carries one ballot
per question of the voter (2 here), and a voter's requests are sent by one client, in order.

Reported per client count: ballots/s (ballots, not requests), requests/s, p50 and p99
latency of a cast request, 5xx answers and other refusals. The cost of verifying one ballot
(`voting-service bench crypto`'s verify_ballot, measured in the same run) turns the
throughput into a ratio: server core-time per ballot ÷ verify cost. The load generator
runs on the same machine and takes its share of the cores: the figures are a floor.

Then the storm (`--one-credential N`, 1,000 by default, 0 to skip): N concurrent cast
requests for one credential that has not voted, over `--connections` connections (64):
`--levels` × `--forks` distinct requests (seq 1 … levels, each following one request of the
level before), each sent N / (levels × forks) times. Its row (`"mode": "one_credential"`)
says whether the record then holds exactly one chain for that credential (seq 1, 2, … each
following the one before, the very requests that got a receipt, at the receipts' positions),
with 0 answers 5xx, every refusal a 409 `ballot_out_of_order`, and every repeat of an
accepted request answered with the same receipt; `problems` lists what was not. The record
is exported and verified (`verify`) after the storm.

Exit status 1 when a throughput row had a 5xx or a refusal, or the storm's check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from voting_service.crypto import bench as crypto_bench
from voting_service.domain import elections
from voting_service.domain import record as record_domain
from voting_service.record.archive import read_record
from voting_service.record.verify import verify_record
from voting_service.rehearsal import load
from voting_service.rehearsal.client import Api
from voting_service.rehearsal.election import Setup, create_tokens, revoke_tokens, synthetic_roll
from voting_service.rehearsal.server import LocalServer
from voting_service.store.db import transaction
from voting_service.store.db import make_engine, make_session_factory
from voting_service.store.migrate import upgrade

ADMIN_URL = os.environ.get("VOTING_BENCH_ADMIN_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _admin(statement: str) -> None:
    engine = make_engine(ADMIN_URL)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(statement))
    engine.dispose()


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (Linux /proc), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK   # utime, stime


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def cpu_snapshot(server_pid: int, engine) -> tuple[float, float]:
    """CPU seconds so far of the server (gunicorn master and workers) and of the PostgreSQL
    backends serving this database: on a shared machine, CPU time per ballot says more than
    wall time, which other jobs inflate."""
    app = _process_cpu(server_pid) + sum(_process_cpu(c) for c in _children(server_pid))
    with engine.connect() as connection:
        pids = connection.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = "
                                       "current_database() AND pid <> pg_backend_pid()")
                                  ).scalars().all()
    return app, sum(_process_cpu(p) for p in pids)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(fraction * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def verify_cost(ballots: int = 200) -> float:
    """Seconds to verify one ballot, as `bench crypto` measures it (best of 5 rounds), with
    the bulk operations of that benchmark shrunk to nothing."""
    report = crypto_bench.run(shuffle_size=2, decryption_size=2, ballots=ballots, workers=1)
    return next(r for r in report["results"] if r["name"] == "verify_ballot")["seconds_each"]


def timed_casts(api: Api, slug: str, clients: int, work: list[tuple[str, list[bytes]]],
                sessions: dict[str, str], ballots_per_request: int, cpu) -> dict:
    """`clients` threads; each owns some voters and sends their requests in order."""
    shares = [work[i::clients] for i in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[dict[int, int]] = [{} for _ in range(clients)]
    start_gate = threading.Barrier(clients + 1)

    def client(index: int):
        start_gate.wait()
        for number, requests in shares[index]:
            for raw in requests:
                began = time.perf_counter()
                status, _ = api.request("POST", f"/elections/{slug}/ballots", raw=raw,
                                        voter=sessions[number])
                latencies[index].append(time.perf_counter() - began)
                statuses[index][status] = statuses[index].get(status, 0) + 1
                if status != 201:
                    break   # the rest of this voter's chain would be refused as out of order

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    app_before, db_before = cpu()
    client_before = time.process_time()
    start_gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    app_after, db_after = cpu()
    client_cpu = time.process_time() - client_before
    every = sorted(x for per in latencies for x in per)
    counts: dict[int, int] = {}
    for per in statuses:
        for status, n in per.items():
            counts[status] = counts.get(status, 0) + n
    accepted = counts.get(201, 0)
    ballots = max(1, accepted * ballots_per_request)
    return {"app_cpu_ms_per_ballot": round((app_after - app_before) * 1000 / ballots, 2),
            "db_cpu_ms_per_ballot": round((db_after - db_before) * 1000 / ballots, 2),
            # the load generator's own share of the cores (this process)
            "client_cpu_ms_per_ballot": round(client_cpu * 1000 / ballots, 2),
            "clients": clients, "requests": len(every), "seconds": round(elapsed, 3),
            "ballots_per_s": round(accepted * ballots_per_request / elapsed, 1),
            "requests_per_s": round(accepted / elapsed, 1),
            "p50_ms": round(percentile(every, 0.50) * 1000, 1),
            "p99_ms": round(percentile(every, 0.99) * 1000, 1),
            "errors_5xx": sum(n for s, n in counts.items() if s >= 500),
            "refused_4xx": sum(n for s, n in counts.items() if 400 <= s < 500)}


def storm(args, api: Api, setup: Setup, factory, voter, work_dir: Path, rng, say) -> dict:
    """`--one-credential` concurrent casts for one voter who has not voted yet, then the
    record exported and checked: exactly one chain, every answer accounted for."""
    copies = max(1, round(args.one_credential / (args.levels * args.forks)))
    say(f"storm: encrypting {args.levels} × {args.forks} requests for one credential…")
    bodies = load.storm_bodies(setup.election, voter, rng, args.levels, args.forks)
    session = load.login_all(api, setup.slug, {voter.number: voter}, 1)[voter.number]
    say(f"storm: {len(bodies) * copies} casts over {args.connections} connections…")
    answers, seconds = load.run_storm(api, setup.slug, session, bodies, copies,
                                      args.connections, rng)
    path = work_dir / "record.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    with transaction(factory) as db:
        record_domain.export(db, elections.get_election(db, setup.slug), path)
    record = read_record(path)
    row = load.check_storm(bodies, answers, record.events, voter.credential.public.hex())
    report = verify_record(record)
    latencies = sorted(a.seconds for a in answers)
    ballots = row["created"] * len(voter.questions)
    row = {"mode": "one_credential", "clients": args.connections,
           # recorded ballots per second (a handful: almost every request is refused) and
           # answered requests per second, refusals included
           "ballots_per_s": round(ballots / seconds, 1),
           "requests_per_s": round(len(answers) / seconds, 1), "seconds": round(seconds, 3),
           "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
           "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
           **row, "verify_ok": report.ok, "verify_failure": report.failure,
           "workers": args.workers, "load_average": round(os.getloadavg()[0], 1)}
    say(json.dumps(row))
    return row


def _start_profiler(path: str | None, pid: int):
    """py-spy sampling the gunicorn master and its workers (it needs ptrace rights)."""
    if path is None:
        return None
    import subprocess

    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    process = subprocess.Popen([spy, "record", "--pid", str(pid), "--subprocesses",
                                "--format", "raw", "--rate", "200", "-o", path],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)   # let it attach before the clients start
    return process


def _stop_profiler(process) -> None:
    import signal

    if process is not None:
        process.send_signal(signal.SIGINT)   # py-spy writes its file on SIGINT
        process.wait(60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="32,128",
                        help="comma-separated concurrent client counts (default 32,128)")
    parser.add_argument("--voters", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3,
                        help="cast requests per voter and client count")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per gunicorn worker (serve's default when not given)")
    parser.add_argument("--warmup", type=int, default=64, metavar="N",
                        help="N more voters cast once, untimed, before the timed phases, "
                             "so that every worker has opened its database connections "
                             "and read the election (a server runs warm for days)")
    parser.add_argument("--database-url", default=None,
                        help="an empty PostgreSQL database (default: a new one, dropped after)")
    parser.add_argument("--one-credential", type=int, default=1000, metavar="N",
                        help="concurrent casts for one credential after the throughput rows "
                             "(default 1000; 0: none)")
    parser.add_argument("--connections", type=int, default=64,
                        help="client connections of the one-credential storm")
    parser.add_argument("--levels", type=int, default=5,
                        help="chain positions the storm's requests compete for")
    parser.add_argument("--forks", type=int, default=50,
                        help="distinct requests per position in the storm")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", default=None, metavar="FILE",
                        help="record the server with py-spy during the timed phases "
                             "(collapsed stacks, for flame graphs); py-spy must be installed")
    args = parser.parse_args()
    client_counts = [int(c) for c in args.clients.split(",")]
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print

    drop = None
    url = args.database_url
    if url is None:
        name = f"vs_bench_cast_{uuid.uuid4().hex[:12]}"
        _admin(f'CREATE DATABASE "{name}"')
        url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        drop = lambda: _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # noqa: E731
    work_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"vs-bench-cast-{uuid.uuid4().hex[:8]}"
    os.environ.update(VOTING_DATABASE_URL=url, VOTING_MODE="development",
                      VOTING_INSTANCE_DIR=str(work_dir / "instance"),
                      VOTING_KEY_DIR=str(work_dir / "keys"), VOTING_LOG_FORMAT="text")
    engine = make_engine(url)
    rows = []
    warmup_failed = 0
    try:
        upgrade(engine)
        from voting_service.config import load_settings
        load_settings()   # creates the development secret before the workers start
        factory = make_session_factory(engine)
        tokens = create_tokens(factory, "benchmark cast")
        rng = random.Random(7)
        try:
            say("measuring the ballot-verify cost (bench crypto)…")
            verify_seconds = verify_cost()
            with LocalServer(workers=args.workers, extra_args=(
                    () if args.threads is None else ("--threads", str(args.threads)))) as server:
                api = Api(server.host, server.port)
                setup = Setup(api, factory, tokens, f"bench-cast-{uuid.uuid4().hex[:6]}")
                csv_text, roll = synthetic_roll(args.voters + args.warmup, rng)
                setup.create()
                setup.import_roll(csv_text)
                setup.freeze_and_key()
                say(f"credentials for {args.voters} voters (authority path)…")
                devices = setup.credentials(roll)
                setup.transition("open")
                for voter in devices.values():
                    voter.derive(setup.election.fingerprint)
                storm_voter = devices.pop(min(devices)) if args.one_credential else None
                warm = {n: devices.pop(n) for n in sorted(devices)[len(devices) - args.warmup:]}
                total_rounds = args.rounds * len(client_counts)
                say(f"encrypting {len(devices)} × {total_rounds} requests…")
                chains = load.request_chains(setup.election, devices, total_rounds, rng)
                per_request = len(next(iter(devices.values())).questions)
                say("logging in every voter…")
                sessions = load.login_all(api, setup.slug, devices, 8)
                if warm:
                    say(f"warming up: {len(warm)} voters cast once, untimed…")
                    warm_row = timed_casts(
                        api, setup.slug, client_counts[0],
                        list(load.request_chains(setup.election, warm, 1, rng).items()),
                        load.login_all(api, setup.slug, warm, 8), per_request,
                        lambda: (0.0, 0.0))
                    warmup_failed = warm_row["errors_5xx"] + warm_row["refused_4xx"]
                spy = _start_profiler(args.profile, server.process.pid)
                for i, clients in enumerate(client_counts):
                    work = [(number, chain[i * args.rounds:(i + 1) * args.rounds])
                            for number, chain in chains.items()]
                    say(f"casting with {clients} clients…")
                    row = timed_casts(api, setup.slug, clients, work, sessions, per_request,
                                      lambda: cpu_snapshot(server.process.pid, engine))
                    cores = os.cpu_count() or 1
                    cpu_ms = row["app_cpu_ms_per_ballot"] + row["db_cpu_ms_per_ballot"]
                    row.update(workers=args.workers, voters=args.voters,
                               verify_ms=round(verify_seconds * 1000, 3),
                               # core-time per ballot, in ballot verifications: from the
                               # wall clock (all cores busy), and from the CPU actually used
                               # by the server and its database backends
                               cost_vs_verify=round(cores / row["ballots_per_s"]
                                                    / verify_seconds, 1)
                               if row["ballots_per_s"] else None,
                               cpu_vs_verify=round(cpu_ms / 1000 / verify_seconds, 1),
                               load_average=round(os.getloadavg()[0], 1))
                    rows.append(row)
                    say(json.dumps(row))
                _stop_profiler(spy)
                if storm_voter is not None:
                    rows.append(storm(args, api, setup, factory, storm_voter, work_dir, rng,
                                      say))
        finally:
            revoke_tokens(factory, tokens)
    finally:
        engine.dispose()
        if drop is not None:
            drop()
        shutil.rmtree(work_dir, ignore_errors=True)   # its keys and the storm's record
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"{platform.node()} {os.cpu_count()} cores, load {os.getloadavg()}")
        for row in rows:
            if row.get("mode") == "one_credential":
                print(f"{row['requests']} casts for one credential over {row['clients']} "
                      f"connections: {row['created']} created, {row['replayed']} same "
                      f"receipt, {row['refused_409']} refused, 5xx {row['errors_5xx']}, "
                      f"chain of {row['chain_length']}: "
                      f"{'one chain' if row['one_chain'] else row['problems']}")
                continue
            print(f"{row['clients']:>4} clients: {row['ballots_per_s']:>7} ballots/s, "
                  f"p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms, "
                  f"5xx {row['errors_5xx']}, ratio {row['cost_vs_verify']}")
    if warmup_failed:
        print(f"{warmup_failed} warm-up casts failed", file=sys.stderr)
    return 0 if not warmup_failed and all(r["one_chain"] and r["verify_ok"] if r.get("mode") == "one_credential"
                    else r["errors_5xx"] == 0 and r["refused_4xx"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
