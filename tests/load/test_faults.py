"""Faults during a cast load (issue 13, fault test): `kill -9` of gunicorn workers and
immediate shutdowns of PostgreSQL, 20 cycles, while voters keep casting.

The server is the real `voting-service serve` (the gunicorn master and its workers) on a
PostgreSQL instance that this test creates for itself (tests/load/private_pg.py), never the
shared one. Voters' devices cast chains of ballots (each request the successor of the last
acknowledged one) and, as real devices do, send the same request again after any failure
(no answer, or a 5xx) until the server answers: the API is idempotent, so a request that was
recorded before its answer was lost gets the same receipt (200).

Each cycle kills one worker (every worker in one cycle of four) with SIGKILL, waits until
the server serves again, then stops PostgreSQL in immediate mode (every backend killed, crash
recovery at the next start) — in another cycle of four also killing every worker while the
database is down — and starts it again after up to 2 s. After each fault the time until the
server is serving again — /healthz answers 200 and a cast sent after the fault is
acknowledged — is measured; each must be under 60 s.

Afterwards, from the record exported with `voting-service record export`:
- every acknowledged ballot is in the record, at the position its receipt gave, and every
  head a receipt carried is a head of the final record (its hash at its height): nothing a
  voter was told is recorded was lost or rewritten;
- each voter's chain in the record is exactly the chain of their acknowledged requests (the
  devices retried every request until answered, so nothing recorded is unacknowledged);
- `voting-service verify` passes and counts each voter's last acknowledged ballot.
A 5xx is only allowed while a fault is in progress (before the server is serving again),
and then only a JSON 503 `database_unavailable`: a database outage is not an internal error.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_PG
from tests.load.harness import OpenElection, export_and_verify, open_election
from tests.load.private_pg import PrivateCluster, Unavailable
from voting_service.record.heads import SignedHead, head_signature_valid
from voting_service.rehearsal import load
from voting_service.rehearsal.client import Api

pytestmark = [pytest.mark.fault, pytest.mark.postgres]

CYCLES = 20
WORKERS = 3
VOTERS = 32
CLIENTS = 8
RECOVERY_LIMIT = 60.0    # seconds: the bound for serving again after a fault
GIVE_UP = 120.0          # seconds: a fault not recovered from by then ends the test
ANSWER_LIMIT = 180.0     # seconds a device keeps retrying one request


@pytest.fixture
def cluster():
    try:
        cluster = PrivateCluster()
    except Unavailable as error:
        if REQUIRE_PG:
            pytest.fail(str(error))
        pytest.skip(str(error))
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@dataclass(frozen=True)
class Ack:
    voter: str
    seq: int
    status: int
    receipt: dict
    trackers: dict[str, str]    # what the device computed for the ballots it sent
    first_sent: float           # time.monotonic() of the first try
    answered: float


class CastLoad:
    """CLIENTS threads, each the device of VOTERS / CLIENTS voters in turn, casting until
    told to stop; a device finishes the request it is on (retrying) before it stops."""

    def __init__(self, election: OpenElection, seed: int):
        self.election = election
        self.seed = seed
        self.api = Api(election.server.host, election.server.port, timeout=30)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acks: list[Ack] = []
        self.refused: list[tuple[str, int, int, object]] = []   # (voter, seq, status, body)
        self.unanswered: list[tuple[str, int]] = []
        self.windows: list[tuple[float, float]] = []   # (fault, serving again)
        self.network_failures: list[tuple[float, float, str]] = []  # (sent, when, error)
        self.server_errors: list[tuple[float, float, int, object]] = []  # (sent, when, …)
        self.threads = [threading.Thread(target=self._client, args=(i,), daemon=True)
                        for i in range(CLIENTS)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(ANSWER_LIMIT + 60)
        assert not any(t.is_alive() for t in self.threads), "a device never got an answer"

    def acked_since(self, moment: float) -> bool:
        with self.lock:
            return any(a.first_sent >= moment for a in reversed(self.acks))

    def _client(self, index: int) -> None:
        rng = random.Random(self.seed * 1000 + index)
        election = self.election
        numbers = sorted(election.devices)[index::CLIENTS]
        chain = {number: (0, None) for number in numbers}
        while numbers and not self.stop.is_set():
            for number in list(numbers):
                if self.stop.is_set():
                    break
                seq, prevs = chain[number]
                raw, trackers = load.cast_request(election.setup.election,
                                                  election.devices[number], rng, seq + 1,
                                                  prevs)
                attempts = load.Attempts()
                sent = time.monotonic()
                status, body = load.cast_until_answered(
                    self.api, election.slug, election.sessions[number], raw,
                    sent + ANSWER_LIMIT, attempts)
                answered = time.monotonic()
                with self.lock:
                    self.network_failures += [(sent, when, what)
                                              for when, what in attempts.network]
                    self.server_errors += [(sent, when, status_, body_)
                                           for when, status_, body_ in attempts.server_errors]
                    if status in (200, 201):
                        self.acks.append(Ack(number, seq + 1, status, body, trackers, sent,
                                             answered))
                    elif status == 0:
                        self.unanswered.append((number, seq + 1))
                    else:
                        self.refused.append((number, seq + 1, status, body))
                if status in (200, 201):
                    chain[number] = (seq + 1, load.next_prevs(trackers))
                else:
                    numbers.remove(number)   # its chain cannot go on: reported above


def _workers(master: int) -> list[int]:
    """The gunicorn master's children (its workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == master:
                found.append(int(entry.name))
    return found


def _kill(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _healthy(election: OpenElection) -> bool:
    try:
        connection = http.client.HTTPConnection(election.server.host, election.server.port,
                                                timeout=5)
        connection.request("GET", "/healthz")
        ok = connection.getresponse().status == 200
        connection.close()
        return ok
    except (OSError, http.client.HTTPException):
        return False


def _serving_again(election: OpenElection, cast_load: CastLoad, since: float) -> float:
    """Seconds from `since` until /healthz answers 200 and a cast first sent after `since`
    is acknowledged; inf if not within GIVE_UP."""
    healthy_at = None
    while time.monotonic() - since < GIVE_UP:
        if healthy_at is None and _healthy(election):
            healthy_at = time.monotonic()
        if healthy_at is not None and cast_load.acked_since(since):
            return time.monotonic() - since
        time.sleep(0.05)
    return float("inf")


def _faults(election: OpenElection, cluster: PrivateCluster, cast_load: CastLoad,
            rng: random.Random) -> list[dict]:
    master = election.server.process.pid
    cycles = []
    windows = cast_load.windows
    for cycle in range(CYCLES):
        outcome = {"cycle": cycle + 1}
        time.sleep(rng.uniform(0.2, 0.8))
        workers = _workers(master)
        assert workers, "the gunicorn master has no workers"
        victims = workers if cycle % 4 == 1 else [rng.choice(workers)]
        began = time.monotonic()
        _kill(victims)
        outcome["workers_killed"] = len(victims)
        outcome["after_kill_s"] = _serving_again(election, cast_load, began)
        windows.append((began, began + outcome["after_kill_s"]))
        if outcome["after_kill_s"] == float("inf"):
            cycles.append(outcome)
            break
        time.sleep(rng.uniform(0.2, 0.8))
        began = time.monotonic()
        cluster.stop_immediately()
        if cycle % 4 == 3:   # the database and every worker down together
            workers = _workers(master)
            _kill(workers)
            outcome["workers_killed_with_db"] = len(workers)
        time.sleep(rng.uniform(0.0, 2.0))
        cluster.start()
        outcome["after_db_restart_s"] = _serving_again(election, cast_load, began)
        windows.append((began, began + outcome["after_db_restart_s"]))
        cycles.append(outcome)
        if outcome["after_db_restart_s"] == float("inf"):
            break
    return cycles


def _check_acknowledged(cast_load: CastLoad, record, fingerprint: bytes) -> None:
    by_position = {event.seq: event for event in record.events}
    service_key = record.heads[0].key
    for ack in cast_load.acks:
        receipt = ack.receipt
        assert receipt["trackers"] == ack.trackers, f"{ack.voter} #{ack.seq}: other trackers"
        for question, tracker in ack.trackers.items():
            event = by_position.get(receipt["positions"][question])
            assert event is not None and event.type == "ballot" and \
                event.body["tracker"] == tracker, \
                f"acknowledged ballot lost: voter {ack.voter} seq {ack.seq} {question}"
        head = SignedHead.from_json(receipt["head"])
        assert head.key == service_key and head_signature_valid(fingerprint, head)
        assert head.height >= max(receipt["positions"].values())
        assert by_position[head.height].hash == head.hash, \
            f"the head given to voter {ack.voter} (height {head.height}) was rewritten"


def _check_chains(cast_load: CastLoad, record, election: OpenElection) -> None:
    acked: dict[str, list[Ack]] = {}
    for ack in cast_load.acks:
        acked.setdefault(ack.voter, []).append(ack)
    for number, device in election.devices.items():
        chains = load.credential_chain(record.events, device.credential.public.hex())
        mine = sorted(acked.get(number, []), key=lambda a: a.seq)
        assert [a.seq for a in mine] == list(range(1, len(mine) + 1))
        for question in device.questions:
            assert [link["tracker"] for link in chains.get(question, [])] == \
                [a.trackers[question] for a in mine], \
                f"voter {number}, {question}: the record's chain is not the acknowledged one"


def _summary(cycles: list[dict], cast_load: CastLoad, cluster: PrivateCluster) -> dict:
    """What to report (docs/performance.md): the cycles' recovery times by kind of fault
    and what the devices met."""
    def spread(values):
        values = sorted(values)
        return {"n": len(values), "min_s": round(values[0], 1),
                "median_s": round(values[len(values) // 2], 1),
                "max_s": round(values[-1], 1)} if values else {"n": 0}

    return {
        "cycles": len(cycles),
        "one_worker_killed": spread([c["after_kill_s"] for c in cycles
                                     if c["workers_killed"] == 1]),
        "every_worker_killed": spread([c["after_kill_s"] for c in cycles
                                       if c["workers_killed"] > 1]),
        "database_crash": spread([c["after_db_restart_s"] for c in cycles
                                  if "after_db_restart_s" in c
                                  and "workers_killed_with_db" not in c]),
        "database_crash_and_every_worker": spread([c["after_db_restart_s"] for c in cycles
                                                   if "workers_killed_with_db" in c]),
        "acknowledged_requests": len(cast_load.acks),
        "acknowledged_by_a_retry_200": sum(a.status == 200 for a in cast_load.acks),
        "network_failures": len(cast_load.network_failures),
        "answers_5xx": dict(Counter(str(status) for _s, _w, status, _b
                                    in cast_load.server_errors)),
        "crash_recoveries": cluster.crash_recoveries(),
    }


def test_cast_load_survives_worker_kills_and_database_crashes(cluster, tmp_path):
    rng = random.Random(1913)
    with open_election(cluster.url, tmp_path, voters=VOTERS, workers=WORKERS, rng=rng,
                       timeout=30) as election:
        cast_load = CastLoad(election, seed=17)
        cast_load.start()
        try:
            cycles = _faults(election, cluster, cast_load, rng)
        finally:
            cast_load.finish()
        master_alive = election.server.process.poll() is None
        log = election.server.log_path.read_text(errors="replace")
        record, report = export_and_verify(election, tmp_path / "record.zip")
        fingerprint = election.setup.election.fingerprint

    print(json.dumps(_summary(cycles, cast_load, cluster)))
    assert master_alive, f"the gunicorn master exited:\n{log[-3000:]}"
    assert len(cycles) == CYCLES and all(
        c["after_kill_s"] <= RECOVERY_LIMIT and c["after_db_restart_s"] <= RECOVERY_LIMIT
        for c in cycles), cycles
    assert cluster.crash_recoveries() >= CYCLES   # every stop really was a crash
    assert cast_load.refused == [], cast_load.refused[:5]
    assert cast_load.unanswered == []
    # The load went on through the faults: acknowledged casts in every cycle's span.
    assert len(cast_load.acks) >= 4 * CYCLES
    _check_acknowledged(cast_load, record, fingerprint)
    _check_chains(cast_load, record, election)
    counted = {t for trackers in report["counted"].values() for t in trackers}
    last = {}
    for ack in cast_load.acks:
        if ack.seq > last.get(ack.voter, (0, None))[0]:
            last[ack.voter] = (ack.seq, ack)
    for _seq, ack in last.values():
        assert set(ack.trackers.values()) <= counted
    # Failures only while a fault was in progress, and then a 503 saying the database is
    # unavailable (JSON, as every API error), never a 500 "internal error".
    windows = cast_load.windows
    answers = Counter((status, (body or {}).get("error", {}).get("code")
                       if isinstance(body, dict) else "not_json")
                      for _sent, _when, status, body in cast_load.server_errors)
    assert set(answers) <= {(503, "database_unavailable")}, answers
    late = [when for _sent, when, _status, _body in cast_load.server_errors
            if not any(start - 0.5 <= when <= end + 2.0 for start, end in windows)]
    assert late == [], f"{len(late)} answers 5xx outside any fault"
