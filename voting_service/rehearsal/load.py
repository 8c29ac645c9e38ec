"""Casting load against a real server, shared by `benchmarks/cast.py` and the load and fault
tests (tests/load/): voters' chains of cast requests made before they are sent, logging every
voter in, a device that retries with the same request after a failure, and the storm of
concurrent casts for one credential with its check against the record.

Everything here talks to the server over HTTP as a voter's device would; the record is
read from the exported file, as an auditor reads it.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..crypto import ballot as ballots
from .client import Api
from .election import Election, Voter

# What a device does when the network or the server fails it: it waits and sends the same
# bytes again (same ballots, so the same receipt if the first one was recorded).
NETWORK_ERRORS = (OSError, http.client.HTTPException)


def cast_request(election: Election, voter: Voter, rng: random.Random, seq: int = 1,
                 prevs: dict[str, bytes] | None = None) -> tuple[bytes, dict[str, str]]:
    """One cast request (the voter's ballots for all their questions, `seq`-th of their
    chain) and the trackers the device expects in the receipt."""
    voter.derive(election.fingerprint)
    ballot_list = election.online_ballots(voter, rng, seq=seq, prevs=prevs)
    raw = json.dumps({"ballots": [b.to_json() for b in ballot_list]}).encode()
    return raw, {b.question: election.tracker(b) for b in ballot_list}


def next_prevs(trackers: dict[str, str]) -> dict[str, bytes]:
    """The `prev` of the successor of a request whose receipt named these trackers."""
    return {question: bytes.fromhex(tracker) for question, tracker in trackers.items()}


def request_chains(election: Election, devices: dict[str, Voter], rounds: int,
                   rng: random.Random) -> dict[str, list[bytes]]:
    """Per voter, `rounds` cast requests in a row (seq 1, 2, …), each the successor of the
    one before, encrypted and signed now so that a timed phase only sends them."""
    chains = {}
    for voter in devices.values():
        requests, prevs = [], None
        for seq in range(1, rounds + 1):
            raw, trackers = cast_request(election, voter, rng, seq, prevs)
            requests.append(raw)
            prevs = next_prevs(trackers)
        chains[voter.number] = requests
    return chains


def login_all(api: Api, slug: str, devices: dict[str, Voter], clients: int) -> dict[str, str]:
    """A voter session per voter (argon2id on the server: done before any timed phase);
    each device has derived its credential from its letter's code."""
    sessions, lock = {}, threading.Lock()
    queue = list(devices.values())

    def work():
        while True:
            with lock:
                if not queue:
                    return
                voter = queue.pop()
            answer = api.call("POST", f"/elections/{slug}/voter-sessions", {
                "voter_number": voter.number,
                "login_token": voter.credential.login_token.hex(),
                "birth_date": voter.birth_date.isoformat()}, expect=(201,))
            with lock:
                sessions[voter.number] = answer["session_token"]

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(sessions) != len(devices):
        raise RuntimeError(f"only {len(sessions)} of {len(devices)} voters could log in")
    return sessions


# --- a device that retries --------------------------------------------------------------------

@dataclass
class Attempts:
    """What one request met before its answer: network failures (no HTTP answer: reset,
    refused, timed out) and 5xx answers, with the time each was met."""

    network: list[tuple[float, str]] = field(default_factory=list)
    server_errors: list[tuple[float, int, Any]] = field(default_factory=list)


def cast_until_answered(api: Api, slug: str, session: str, raw: bytes, deadline: float,
                        attempts: Attempts, pause: float = 0.05, max_pause: float = 0.5
                        ) -> tuple[int, Any]:
    """Send the same request until the server gives an answer other than a 5xx, or
    `deadline` (time.monotonic()) passes: then (0, None). The pause between tries doubles
    up to `max_pause`."""
    while time.monotonic() < deadline:
        try:
            status, decoded = api.request("POST", f"/elections/{slug}/ballots", raw=raw,
                                          voter=session)
        except NETWORK_ERRORS as error:
            api.reset()   # the socket may be half-used: the next try opens a new one
            attempts.network.append((time.monotonic(), type(error).__name__))
        else:
            if status < 500:
                return status, decoded
            attempts.server_errors.append((time.monotonic(), status, decoded))
        time.sleep(pause)
        pause = min(max_pause, pause * 2)
    return 0, None


# --- many concurrent casts for one credential -------------------------------------------------

@dataclass(frozen=True)
class StormBody:
    """One distinct request of the storm: its ballots are the `level`-th of the credential's
    chain (seq = level) and follow the body at index `parent` (level - 1), or nothing."""

    level: int
    parent: int | None
    raw: bytes
    trackers: dict[str, str]


def storm_bodies(election: Election, voter: Voter, rng: random.Random, levels: int,
                 forks: int) -> list[StormBody]:
    """`forks` competing requests at each of `levels` positions of one credential's chain;
    each request past the first level follows one request of the level before, a different
    one for each (whichever request wins a level has exactly one possible successor), so
    at most one path through them can ever be recorded."""
    bodies: list[StormBody] = []
    previous: list[int | None] = [None] * forks
    for level in range(1, levels + 1):
        current = []
        rng.shuffle(previous)
        for parent in previous:
            prevs = next_prevs(bodies[parent].trackers) if parent is not None else None
            raw, trackers = cast_request(election, voter, rng, level, prevs)
            current.append(len(bodies))
            bodies.append(StormBody(level, parent, raw, trackers))
        previous = current
    return bodies


@dataclass(frozen=True)
class StormAnswer:
    body: int
    status: int           # 0: no HTTP answer at all (the connection failed)
    code: str | None      # the error code of a 4xx/5xx
    receipt: dict | None  # the receipt of a 2xx
    seconds: float        # from sending to the whole answer


def run_storm(api: Api, slug: str, session: str, bodies: list[StormBody], copies: int,
              connections: int, rng: random.Random) -> tuple[list[StormAnswer], float]:
    """Every body sent `copies` times, in a shuffled order, by `connections` threads
    released together, each with its own connection; one send per request (no retry:
    every answer counts). Returns the answers and the seconds the storm took."""
    order = [index for index in range(len(bodies)) for _ in range(copies)]
    rng.shuffle(order)
    answers: list[StormAnswer] = []
    lock = threading.Lock()
    gate = threading.Barrier(connections + 1)

    def client():
        gate.wait()
        while True:
            with lock:
                if not order:
                    return
                index = order.pop()
            sent = time.perf_counter()
            try:
                status, decoded = api.request("POST", f"/elections/{slug}/ballots",
                                              raw=bodies[index].raw, voter=session)
            except NETWORK_ERRORS as error:
                api.reset()
                answer = StormAnswer(index, 0, type(error).__name__, None,
                                     time.perf_counter() - sent)
            else:
                error = decoded.get("error", {}) if isinstance(decoded, dict) else {}
                answer = StormAnswer(index, status, error.get("code"),
                                     decoded if 200 <= status < 300 else None,
                                     time.perf_counter() - sent)
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return answers, time.perf_counter() - began


def credential_chain(events, credential: str) -> dict[str, list[dict]]:
    """Per question, the credential's online ballots in record order, each as
    {position, seq, prev, tracker} (the record's `events` as `read_record` gives them)."""
    chains: dict[str, list[dict]] = {}
    for event in events:
        if event.type != "ballot":
            continue
        ballot = event.body["ballot"]
        if ballot["credential"] == credential and event.body.get("kiosk") is None:
            chains.setdefault(ballot["question"], []).append(
                {"position": event.seq, "seq": ballot["seq"], "prev": ballot["prev"],
                 "tracker": event.body["tracker"]})
    return chains


def check_storm(bodies: list[StormBody], answers: list[StormAnswer], events,
                credential: str) -> dict[str, Any]:
    """What the storm did and everything wrong with it (`problems`, empty when right):
    answers other than 201, 200 (the same receipt again) and 409 ballot_out_of_order; a
    request given two different receipts or two 201s; accepted requests that are not one
    path of successors; a record whose ballots for the credential are not exactly that one
    chain (seq 1, 2, … each following the one before, at the receipts' positions)."""
    problems: list[str] = []
    statuses = Counter(a.status for a in answers)
    codes = Counter(a.code for a in answers if a.status >= 400 or a.status == 0)
    for status, count in statuses.items():
        if status not in (200, 201, 409):
            problems.append(f"{count} answers with HTTP {status or 'none (connection failed)'}")
    for code, count in codes.items():
        if code != "ballot_out_of_order":
            problems.append(f"{count} refusals with code {code!r}")
    receipts: dict[int, set] = {}
    created = Counter()
    for answer in answers:
        if answer.receipt is None:
            continue
        receipt = answer.receipt
        if receipt.get("trackers") != bodies[answer.body].trackers:
            problems.append(f"request {answer.body}: the receipt names other trackers")
        receipts.setdefault(answer.body, set()).add(
            json.dumps({k: v for k, v in receipt.items() if k != "replayed"}, sort_keys=True))
        if answer.status == 201:
            created[answer.body] += 1
        if receipt.get("replayed") != (answer.status == 200):
            problems.append(f"request {answer.body}: HTTP {answer.status} with "
                            f"replayed={receipt.get('replayed')}")
    for index, seen in receipts.items():
        if len(seen) != 1:
            problems.append(f"request {index}: {len(seen)} different receipts")
        if created[index] != 1:
            problems.append(f"request {index}: {created[index]} answers 201 (one expected)")
    accepted = sorted(receipts, key=lambda i: bodies[i].level)
    for depth, index in enumerate(accepted, start=1):
        body = bodies[index]
        if body.level != depth or body.parent != (accepted[depth - 2] if depth > 1 else None):
            problems.append(f"accepted request {index} (level {body.level}) does not follow "
                            "the accepted request before it")
    chains = credential_chain(events, credential)
    questions = sorted(bodies[0].trackers)
    if sorted(chains) != (questions if accepted else []):
        problems.append(f"the record has ballots for questions {sorted(chains)}")
    for question in questions:
        chain = chains.get(question, [])
        expected = [bodies[i].trackers[question] for i in accepted]
        if [link["tracker"] for link in chain] != expected:
            problems.append(f"{question}: the record's chain is not the accepted requests")
        prev = ballots.ZERO_TRACKER.hex()
        for seq, link in enumerate(chain, start=1):
            if link["seq"] != seq or link["prev"] != prev:
                problems.append(f"{question}: ballot at position {link['position']} breaks "
                                f"the chain (seq {link['seq']}, expected {seq})")
            prev = link["tracker"]
        for index, link in zip(accepted, chain):
            position = json.loads(next(iter(receipts[index])))["positions"][question]
            if position != link["position"]:
                problems.append(f"request {index}: receipt position {position}, record "
                                f"position {link['position']}")
    return {"requests": len(answers), "distinct_requests": len(bodies),
            "created": sum(created.values()), "replayed": statuses.get(200, 0),
            "refused_409": statuses.get(409, 0),
            "errors_5xx": sum(n for s, n in statuses.items() if s >= 500),
            "no_answer": statuses.get(0, 0),
            "chain_length": len(accepted),
            "one_chain": not problems, "problems": problems}

