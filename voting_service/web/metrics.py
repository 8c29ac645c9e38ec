"""Prometheus metrics: their definitions, the request hooks that feed them, `GET /metrics`.

Under gunicorn each worker is a process of its own. prometheus-client's multiprocess mode
keeps every worker's values in files of one folder, which serve.py (and
deploy/gunicorn.conf.py) creates privately for each server and names in
PROMETHEUS_MULTIPROC_DIR before any worker starts; `/metrics` adds them up. Without that
variable (tests, `flask run`) the values live in the process.

Counters are fed by the request hooks below (latency, refusals, logins) and by one call per
route for what only the route knows (`ballots_cast`, `ballot_spoiled`, `checked_in`): a few
microseconds per request, no database query, nothing on a failed request. What the database
knows for certain (record height, election status, the last signed head, the key ceremony)
is read when Prometheus scrapes (domain/monitoring.py), so every app server reports the same
truth and a restart loses none of it.

Labels only ever hold values the service itself defines or has validated: channels,
election, question and polling-point keys of the manifest, error codes of the code. Never
a voter number, a token or anything a client typed.

`/metrics` answers only with `Authorization: Bearer <VOTING_METRICS_TOKEN>` and is 404 when
no token is configured (docs/decisions.md, "Metrics behind a bearer token").
"""

from __future__ import annotations

import hmac
import logging
import time

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter,
                               Gauge, Histogram, generate_latest)
from prometheus_client import values
from prometheus_client.core import GaugeMetricFamily

from ..domain import monitoring
from .db import settings, unit_of_work

bp = Blueprint("metrics", __name__)
log = logging.getLogger("voting_service")

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

BALLOTS_CAST = Counter("voting_ballots_cast_total",
                       "Ballots cast and acknowledged with a receipt (one per question)",
                       ["election", "channel", "question"])
BALLOTS_SPOILED = Counter("voting_ballots_spoiled_total",
                          "Challenged (spoiled) ballots published with their opening",
                          ["election", "channel", "question"])
CHECKINS = Counter("voting_checkins_total", "Voters checked in by an officer",
                   ["election", "polling_point"])
CAST_SECONDS = Histogram("voting_cast_duration_seconds",
                         "Time to answer a cast request (outcome: accepted, refused, error)",
                         ["channel", "outcome"], buckets=LATENCY_BUCKETS)
CHECKIN_SECONDS = Histogram("voting_checkin_duration_seconds",
                            "Time to answer a check-in request", ["outcome"],
                            buckets=LATENCY_BUCKETS)
VERIFICATION_FAILURES = Counter("voting_verification_failures_total",
                                "Cast, challenge and check-in requests refused, by error code",
                                ["operation", "reason"])
LOGIN_FAILURES = Counter("voting_login_failures_total",
                         "Logins refused for wrong credentials (who: voter, staff)", ["who"])
LOGIN_THROTTLED = Counter("voting_login_throttled_total",
                          "Logins refused because a delay was running", ["who"])
RESPONSES = Counter("voting_http_responses_total", "Responses by status class",
                    ["status_class"])
# One per live worker: a worker that died is dropped by gunicorn's child_exit hook
# (serve.py), so the sum is the number of workers serving now.
WORKERS = Gauge("voting_workers", "Application worker processes alive",
                multiprocess_mode="livesum")

#: endpoint → (operation, channel) of the requests whose latency and refusals are measured.
_OPERATIONS = {
    "api.cast_ballots": ("cast_online", "online"),
    "api.cast_kiosk_ballots": ("cast_kiosk", "kiosk"),
    "api.spoil_ballot": ("spoil", "online"),
    "api.check_in": ("checkin", None),
}
_LOGINS = {"api.voter_login": "voter", "admin.login": "staff"}


def _outcome(status: int) -> str:
    return "accepted" if status < 400 else "refused" if status < 500 else "error"


# --- what the routes report (one call each, after their commit) ---------------------------

def ballots_cast(channel: str, receipt) -> None:
    """A receipt was given: one ballot per question. A replayed request cast nothing."""
    if not receipt.replayed:
        for question in receipt.trackers:
            BALLOTS_CAST.labels(receipt.election, channel, question).inc()


def ballot_spoiled(election: str, question: str, view, channel: str = "online") -> None:
    if not view.replayed:
        BALLOTS_SPOILED.labels(election, channel, question).inc()


def checked_in(election: str, view) -> None:
    CHECKINS.labels(election, view.polling_point).inc()


# --- request hooks ------------------------------------------------------------------------

def _observe(response: Response) -> Response:
    status = response.status_code
    RESPONSES.labels(f"{status // 100}xx").inc()
    endpoint = request.endpoint
    operation = _OPERATIONS.get(endpoint)
    if operation is not None:
        name, channel = operation
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        outcome = _outcome(status)
        if channel is None:
            CHECKIN_SECONDS.labels(outcome).observe(elapsed)
        elif name != "spoil":
            CAST_SECONDS.labels(channel, outcome).observe(elapsed)
        if 400 <= status < 500:
            VERIFICATION_FAILURES.labels(name, g.get("error_code") or f"http_{status}").inc()
    elif endpoint in _LOGINS and request.method == "POST":
        if status == 401:
            LOGIN_FAILURES.labels(_LOGINS[endpoint]).inc()
        elif status == 429:
            LOGIN_THROTTLED.labels(_LOGINS[endpoint]).inc()
    return response


def register(app: Flask) -> None:
    app.after_request(_observe)
    app.register_blueprint(bp)
    WORKERS.set(1)


# --- the scrape ---------------------------------------------------------------------------

#: The gauges read from the database at each scrape: name -> (help, labels).
DATABASE_GAUGES = {
    "voting_metrics_database_up": ("1 if the database answered this scrape", []),
    "voting_election_status": ("1 for the election's current status, 0 for the others",
                               ["election", "status"]),
    "voting_record_height": ("Events in the election's public record", ["election"]),
    "voting_record_head_signed_timestamp_seconds": (
        "When the service last signed a head of the record (Unix time)", ["election"]),
    "voting_ceremony_election_key": ("1 once the trustees' election key is recorded",
                                     ["election"]),
    "voting_tally_completed": ("1 once the election is tallied (or certified)", ["election"]),
}


class DatabaseCollector:
    """Gauges read from the database at each scrape; `voting_metrics_database_up` is 0 (and
    the others absent) when it does not answer, instead of failing the scrape."""

    def collect(self):
        family = {name: GaugeMetricFamily(name, text, labels=labels)
                  for name, (text, labels) in DATABASE_GAUGES.items()}
        up = family["voting_metrics_database_up"]
        try:
            with unit_of_work() as db:
                rows = monitoring.election_gauges(db)
        except Exception:  # noqa: BLE001 - reported as a gauge, alerted on
            log.warning("metrics: the database did not answer")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for row in rows:
            for name in monitoring.STATUSES:
                family["voting_election_status"].add_metric([row.slug, name],
                                                            1 if row.status == name else 0)
            family["voting_record_height"].add_metric([row.slug], row.record_height)
            if row.head_signed_at is not None:
                family["voting_record_head_signed_timestamp_seconds"].add_metric(
                    [row.slug], row.head_signed_at.timestamp())
            family["voting_ceremony_election_key"].add_metric([row.slug],
                                                              1 if row.election_key else 0)
            family["voting_tally_completed"].add_metric([row.slug], 1 if row.tallied else 0)
        yield from family.values()


def multiprocess() -> bool:
    """Do this process's metric values live in the shared folder? Decided once, when
    prometheus-client was first imported (hence serve.py sets the folder before any worker
    imports the app)."""
    return values.ValueClass is not values.MutexValue


class _Scrape:
    """The process values (summed over the workers' files under gunicorn) plus the
    database's."""

    def collect(self):
        if multiprocess():
            from prometheus_client.multiprocess import MultiProcessCollector

            registry = CollectorRegistry()
            MultiProcessCollector(registry)   # the folder named in PROMETHEUS_MULTIPROC_DIR
            yield from registry.collect()
        else:
            yield from REGISTRY.collect()
        yield from DatabaseCollector().collect()


def _authorised(expected: str) -> bool:
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        sent.strip().encode("utf-8", "replace"), expected.encode())


@bp.get("/metrics")
def scrape():
    token = settings().metrics_token
    if not token:
        return Response("metrics are disabled: set VOTING_METRICS_TOKEN\n", 404,
                        mimetype="text/plain")
    if not _authorised(token):
        return Response("send Authorization: Bearer <VOTING_METRICS_TOKEN>\n", 401,
                        {"WWW-Authenticate": 'Bearer realm="metrics"'},
                        mimetype="text/plain")
    return Response(generate_latest(_Scrape()), 200,
                    {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})
