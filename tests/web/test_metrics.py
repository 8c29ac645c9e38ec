"""GET /metrics in one process: who may read it, and that each counter moves by exactly what
the requests did (and by nothing for a refused or replayed request). The same counters summed
over gunicorn workers after a whole rehearsal: tests/test_observability.py."""

from __future__ import annotations

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.casting.helpers import new_kiosk_key, open_election
from tests.conftest import SECRET, bearer
from voting_service.crypto import ballot as ballots
from voting_service.domain import elections
from voting_service.domain.staff import create_staff
from voting_service.store.db import transaction

TOKEN = "metrics-token-0123456789abcdefghijklmnop"
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app(db_url, tmp_path):
    from voting_service.web import create_app

    app = create_app({
        "VOTING_MODE": "test", "VOTING_DATABASE_URL": db_url, "VOTING_SECRET_KEY": SECRET,
        "VOTING_INSTANCE_DIR": str(tmp_path / "instance"),
        "VOTING_KEY_DIR": str(tmp_path / "keys"), "VOTING_METRICS_TOKEN": TOKEN,
    })
    yield app
    app.extensions["voting"]["engine"].dispose()


@pytest.fixture
def vote(app, app_factory):
    return open_election(app_factory, app.extensions["voting"]["settings"].key_dir)


def samples(client) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} of one scrape."""
    response = client.get("/metrics", headers=SCRAPE)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(scrape, name, **labels) -> float:
    return scrape.get((name, tuple(sorted(labels.items()))), 0.0)


def login(client, vote, number, born):
    device = vote.voters[number]
    response = client.post(f"/api/v1/elections/{vote.slug}/voter-sessions", json={
        "voter_number": number, "login_token": device.credential.login_token.hex(),
        "birth_date": born})
    assert response.status_code == 201
    return {"Authorization": f"Voter {response.get_json()['session_token']}"}


def test_metrics_need_the_configured_token(app, client, db_url, tmp_path):
    assert client.get("/metrics").status_code == 401
    for header in ("Bearer wrong-token-0123456789abcdefghijklmn", f"Basic {TOKEN}",
                   f"Bearer {TOKEN}x", "Bearer"):
        response = client.get("/metrics", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert b"voting_" not in response.data
    assert client.get("/metrics", headers=SCRAPE).status_code == 200
    # Without a configured token the endpoint does not exist.
    from voting_service.web import create_app

    closed = create_app({"VOTING_MODE": "test", "VOTING_DATABASE_URL": db_url,
                         "VOTING_SECRET_KEY": SECRET,
                         "VOTING_INSTANCE_DIR": str(tmp_path / "i2")})
    try:
        response = closed.test_client().get("/metrics", headers=SCRAPE)
        assert response.status_code == 404 and b"voting_" not in response.data
    finally:
        closed.extensions["voting"]["engine"].dispose()


def test_a_short_metrics_token_is_refused():
    from voting_service.config import ConfigError, load_settings

    for bad in ("short", "x" * 31, "a b" * 20, "é" * 40):
        with pytest.raises(ConfigError, match="VOTING_METRICS_TOKEN"):
            load_settings({"VOTING_MODE": "test", "VOTING_SECRET_KEY": SECRET,
                           "VOTING_METRICS_TOKEN": bad})


def test_casts_spoils_checkins_and_refusals_are_counted(client, tokens, vote, app_factory):
    slug = vote.slug
    before = samples(client)
    # Online: V002 answers ville and gare; a refused cast (bad signature), a good one, and
    # the same request again (a replay: 200, the same receipt, nothing more cast).
    voter = vote.voters["V002"]
    headers = login(client, vote, "V002", "2001-07-30")
    good = [vote.online_ballot(voter, "ville", ["P2"]), vote.online_ballot(voter, "gare", ["G1"])]
    unsigned = vote.encrypt(voter, "ville")[0]
    post = lambda items: client.post(f"/api/v1/elections/{slug}/ballots",  # noqa: E731
                                     json={"ballots": items}, headers=headers)
    assert post([unsigned.to_json(), good[1].to_json()]).status_code == 422
    assert post([b.to_json() for b in good]).status_code == 201
    assert post([b.to_json() for b in good]).status_code == 200
    # A question that is not the election's: refused, and never becomes a label.
    strange = dict(good[0].to_json(), question="<script>")
    assert post([strange, good[1].to_json()]).status_code == 422
    # A challenge by V001.
    v1 = vote.voters["V001"]
    h1 = login(client, vote, "V001", "1980-03-12")
    challenged, opening = vote.encrypt(v1, "ville", ["P1"])
    assert client.post(f"/api/v1/elections/{slug}/spoiled", headers=h1, json={
        "ballot": challenged.to_json(), "opening": opening.to_json()}).status_code == 201
    # V001 checked in at the town hall, then votes at its kiosk.
    kiosk_key, kiosk_public = new_kiosk_key()
    kiosk = client.post(f"/api/v1/elections/{slug}/kiosks", headers=bearer(tokens["admin"]),
                        json={"polling_point": "mairie", "public_key": kiosk_public}
                        ).get_json()["kiosk"]
    checked = client.post(f"/api/v1/elections/{slug}/checkins", headers=bearer(tokens["officer"]),
                          json={"qr_payload": v1.qr, "polling_point": "mairie"})
    assert checked.status_code == 201
    again = client.post(f"/api/v1/elections/{slug}/checkins", headers=bearer(tokens["officer"]),
                        json={"qr_payload": v1.qr, "polling_point": "mairie"})
    assert again.status_code == 409
    refused_code = again.get_json()["error"]["code"]
    unsigned_kiosk, _ = vote.encrypt(v1, "ville", ["P1"],
                                     checkin=bytes.fromhex(checked.get_json()["checkin"]))
    kiosk_ballot = ballots.sign_kiosk(vote.fingerprint, unsigned_kiosk, kiosk_key)
    assert client.post(f"/api/v1/elections/{slug}/kiosk-ballots", json={
        "kiosk": kiosk, "ballots": [kiosk_ballot.to_json()]}).status_code == 201

    after = samples(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("voting_ballots_cast_total", election=slug, channel="online", question="ville") == 1
    assert delta("voting_ballots_cast_total", election=slug, channel="online", question="gare") == 1
    assert delta("voting_ballots_cast_total", election=slug, channel="kiosk", question="ville") == 1
    assert delta("voting_ballots_spoiled_total", election=slug, channel="online",
                 question="ville") == 1
    assert delta("voting_checkins_total", election=slug, polling_point="mairie") == 1
    assert delta("voting_verification_failures_total", operation="cast_online",
                 reason="invalid_signature") == 1
    assert delta("voting_verification_failures_total", operation="cast_online",
                 reason="unknown_question") == 1
    assert delta("voting_verification_failures_total", operation="checkin",
                 reason=refused_code) == 1
    # Latency: every cast request is timed, by outcome (the replay was accepted too).
    assert delta("voting_cast_duration_seconds_count", channel="online", outcome="accepted") == 2
    assert delta("voting_cast_duration_seconds_count", channel="online", outcome="refused") == 2
    assert delta("voting_cast_duration_seconds_count", channel="kiosk", outcome="accepted") == 1
    assert delta("voting_checkin_duration_seconds_count", outcome="accepted") == 1
    assert delta("voting_checkin_duration_seconds_count", outcome="refused") == 1
    assert delta("voting_cast_duration_seconds_sum", channel="online", outcome="accepted") > 0
    assert not any("<script>" in str(key) for key in after)
    # Read from the database at the scrape: the record's height, status, key, last head.
    with transaction(app_factory) as db:
        election = elections.get_election(db, slug)
        height = election.record_height
    assert value(after, "voting_record_height", election=slug) == height > 0
    assert value(after, "voting_election_status", election=slug, status="open") == 1
    assert value(after, "voting_election_status", election=slug, status="closed") == 0
    assert value(after, "voting_ceremony_election_key", election=slug) == 1
    assert value(after, "voting_tally_completed", election=slug) == 0
    assert value(after, "voting_metrics_database_up") == 1
    signed = value(after, "voting_record_head_signed_timestamp_seconds", election=slug)
    assert signed > value(before, "voting_record_head_signed_timestamp_seconds", election=slug)


def test_login_failures_and_delays_are_counted(client, vote, app_factory):
    before = samples(client)
    statuses = []
    for _ in range(8):   # wrong login tokens for one number: 401s, then a delay (429)
        response = client.post(f"/api/v1/elections/{vote.slug}/voter-sessions", json={
            "voter_number": "V001", "login_token": "00" * 32, "birth_date": "1980-03-12"})
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[-1] == 429 and set(statuses[:-1]) == {401}
    with transaction(app_factory) as db:
        create_staff(db, "t", "claire", "admin", "un mot de passe long")
    staff_statuses = []
    for _ in range(30):
        form = client.get("/agents/connexion").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        response = client.post("/agents/connexion", data={
            "username": "claire", "password": "pas le bon", "csrf_token": csrf})
        staff_statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert staff_statuses[-1] == 429 and set(staff_statuses[:-1]) == {401}
    after = samples(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("voting_login_failures_total", who="voter") == len(statuses) - 1
    assert delta("voting_login_throttled_total", who="voter") == 1
    assert delta("voting_login_failures_total", who="staff") == len(staff_statuses) - 1
    assert delta("voting_login_throttled_total", who="staff") == 1
    assert delta("voting_http_responses_total", status_class="4xx") >= len(statuses)


def test_scrape_survives_an_unreachable_database(app, client):
    from sqlalchemy import create_engine

    from voting_service.store.db import make_session_factory

    voting = app.extensions["voting"]
    saved = voting["sessions"]
    voting["sessions"] = make_session_factory(create_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1}))
    try:
        scrape = samples(client)
    finally:
        voting["sessions"] = saved
    assert value(scrape, "voting_metrics_database_up") == 0
    assert not any(name == "voting_record_height" for name, _ in scrape)
