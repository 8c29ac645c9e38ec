"""A whole rehearsal on a real gunicorn server (2 workers, PostgreSQL), watched as operators
watch production: its JSON log lines, every column of its database and its /metrics.

`voting-service rehearse --server` plays the election on a server this test started, so the
server's log is kept and its /metrics can be read afterwards. The rehearsal is handed a
Witness (voting_service/rehearsal/witness.py) that learns, in memory, every secret it
handles: letter codes, QR check-in secrets, login tokens, credential secrets, session and
staff tokens, the randomness ("nonces") and the choices of every ballot cast, the kiosk's and
trustees' keys. None may appear in a log line, in the rehearsal's own output, in the exported
record or in any database column, in any encoding a program would write them in (hex, base64,
raw bytes, the code as printed or as typed). Then the metrics must count exactly what the
record holds.
"""

from __future__ import annotations

import base64
import http.client
import http.cookiejar
import json
import re
import secrets
import signal
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import inspect, text

from tests.conftest import fresh_database_url
from voting_service.commands.rehearse import rehearse
from voting_service.domain.staff import create_staff
from voting_service.record.archive import read_record
from voting_service.rehearsal.server import LocalServer
from voting_service.rehearsal.witness import Witness
from voting_service.store.db import make_engine, make_session_factory, transaction
from voting_service.store.migrate import upgrade

TOKEN = "scrape-token-for-the-test-0123456789abcdef"
STAFF_PASSWORD = "Tq7-" + secrets.token_urlsafe(24)
VOTERS, IN_PERSON, REVOTES, CHALLENGES = 40, 6, 4, 3


# --- the search ---------------------------------------------------------------------------

#: A leak is found from this many characters of a secret's encoding on: a secret cut short
#: (the first 20 bytes of a token in a debug line) is still a leak. 16 hexadecimal digits or
#: code symbols match by chance with a probability of about 2^-64 per position.
WINDOW = 16


def encodings(value) -> set[str]:
    """How a program would write this secret into a text: as it is, in hexadecimal, in
    base64 (standard or URL-safe, padded or not). Compared in lower case."""
    if isinstance(value, str):
        return {value.lower()}
    out = {value.hex()}
    for encoded in (base64.b64encode(value), base64.urlsafe_b64encode(value)):
        out.add(encoded.decode().lower())
    return out


#: Secrets searched for whole only: a ballot's plaintext embedded as a point is its few bytes
#: followed by zero padding, so pieces of it are zeros that every record is full of.
WHOLE = {"choice"}


def windows(needles: dict[str, set]) -> dict[str, str]:
    """Every WINDOW-character piece of every encoding of every secret -> its kind. A piece
    with fewer than 5 different characters is left out: random secrets almost never have
    one (about 1 in 10^7 for 16 hexadecimal digits), runs of zeros are everywhere."""
    index = {}
    for kind, values in needles.items():
        if kind in WHOLE:
            continue
        for secret in values:
            for form in encodings(secret):
                assert len(form) >= WINDOW, (kind, len(form))
                for i in range(len(form) - WINDOW + 1):
                    piece = form[i:i + WINDOW]
                    if len(set(piece)) >= 5:
                        index[piece] = kind
    return index


class Haystack:
    """Texts, searched in lower case; byte strings are searched as their hexadecimal."""

    def __init__(self):
        self.texts: list[str] = []

    def add(self, value) -> None:
        if value is None or isinstance(value, (bool, int, float)):
            return
        if isinstance(value, (bytes, bytearray, memoryview)):
            self.texts.append(bytes(value).hex())
        elif isinstance(value, (dict, list)):
            self.texts.append(json.dumps(value).lower())
        else:
            self.texts.append(str(value).lower())

    def leaks(self, needles: dict[str, set]) -> list[tuple[str, str]]:
        """(kind, the text around it) of every piece of a secret found."""
        index = windows(needles)
        found = []
        whole = {form: kind for kind in WHOLE & set(needles) for secret in needles[kind]
                 for form in encodings(secret)}
        for text_ in self.texts:
            found += [(kind, form) for form, kind in whole.items() if form in text_]
            for i in range(len(text_) - WINDOW + 1):
                kind = index.get(text_[i:i + WINDOW])
                if kind is not None:
                    found.append((kind, text_[max(0, i - 40):i + WINDOW + 40]))
        return found

    def finds(self, value) -> bool:
        return bool(self.leaks({"value": {value}}))


def database_haystack(url: str) -> tuple[Haystack, int]:
    """Every value of every column of every table."""
    stack, cells = Haystack(), 0
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                    for cell in row:
                        stack.add(cell)
                        cells += 1
    finally:
        engine.dispose()
    return stack, cells


def test_the_search_finds_every_encoding_even_cut_short():
    secret = bytes(range(7, 39))
    for form in (secret.hex().upper(), base64.b64encode(secret).decode(),
                 base64.urlsafe_b64encode(secret).decode().rstrip("="),
                 secret.hex()[10:10 + WINDOW], secret.hex()[1:1 + WINDOW]):
        stack = Haystack()
        stack.add(f'{{"x": "prefix{form}suffix"}}')
        assert [kind for kind, _ in stack.leaks({"k": {secret}})] == ["k"] * (
            len(form) - WINDOW + 1), form
    stack = Haystack()
    stack.add(b"\x00\x01" + secret[:WINDOW // 2] + b"\xff")
    assert stack.finds(secret)
    stack = Haystack()
    stack.add("code: ABCDE-FGHIJ-KLMNP")
    assert {kind for kind, _ in stack.leaks({"code": {"abcde-fghij-klmnp"},
                                             "other": {"z" * WINDOW}})} == {"code"}
    stack.add(secret.hex()[:WINDOW - 1])   # shorter than a window: not a leak
    assert not stack.leaks({"k": {secret}})
    # A choice (a point mostly of zeros) is found whole, never by its runs of zeros.
    point = bytes([6, 5, 0x80]) + bytes(28) + b"\x01"
    stack = Haystack()
    stack.add('{"prev": "' + "0" * 64 + '", "x": "' + point.hex()[:40] + '"}')
    assert not stack.leaks({"choice": {point}})
    stack.add(base64.b64encode(point).decode())
    assert [kind for kind, _ in stack.leaks({"choice": {point}})] == ["choice"]


# --- talking to the server ----------------------------------------------------------------

def call(server, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    try:
        data = None if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json"} if data is not None else {}
        connection.request(method, path, body=data, headers={**sent, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read(), response
    finally:
        connection.close()


def staff_login(server, username, password) -> int:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://{server.host}:{server.port}/agents/connexion"
    form = opener.open(base, timeout=60).read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrf_token": csrf}).encode()
    try:
        return opener.open(base, data=data, timeout=60).status
    except urllib.error.HTTPError as error:
        return error.code


def scrape(server) -> dict[tuple, float]:
    status, body, _ = call(server, "GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode())
            for s in family.samples}


def value(metrics, name, **labels) -> float:
    return metrics.get((name, tuple(sorted(labels.items()))), 0.0)


def total(metrics, name, **labels) -> float:
    """The sum over the series whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, lbls), v in metrics.items() if n == name and wanted <= set(lbls))


# --- the rehearsal ------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.postgres
def test_rehearsal_leaks_no_secret_and_metrics_count_what_the_record_holds(
        tmp_path, monkeypatch, capsys):
    url, drop = fresh_database_url("postgresql", tmp_path)
    env = {"VOTING_DATABASE_URL": url, "VOTING_MODE": "development",
           "VOTING_INSTANCE_DIR": str(tmp_path / "instance"),
           "VOTING_KEY_DIR": str(tmp_path / "keys"), "VOTING_LOG_FORMAT": "json",
           "VOTING_METRICS_TOKEN": TOKEN, "TMPDIR": str(tmp_path)}
    for name, setting in env.items():
        monkeypatch.setenv(name, setting)
    engine = make_engine(url)
    upgrade(engine)
    with transaction(make_session_factory(engine)) as db:
        create_staff(db, "t", "claire", "admin", STAFF_PASSWORD)
    engine.dispose()
    started = time.time()
    server = LocalServer(workers=2, env=env)
    witness = Witness()
    record = tmp_path / "record.zip"
    try:
        server.start()
        folders = list(tmp_path.glob("voting-metrics-*"))
        assert len(folders) == 1   # the server's private metrics folder
        sigterm = signal.getsignal(signal.SIGTERM)   # rehearse installs its own handler
        try:
            rehearse.main(["--server", f"http://{server.host}:{server.port}",
                           "--voters", str(VOTERS), "--in-person", str(IN_PERSON),
                           "--revotes", str(REVOTES), "--challenges", str(CHALLENGES),
                           "--clients", "4", "--record", str(record), "--json", "--seed", "7"],
                          standalone_mode=False, obj=witness)
        finally:
            signal.signal(signal.SIGTERM, sigterm)
        output = capsys.readouterr()
        result = json.loads(output.out)
        assert result["verify"]["ok"], result["verify"]
        slug = result["election"]

        # What operators meet besides a rehearsal: mistyped voter logins until a delay runs,
        # mistyped staff passwords, a cast after closing.
        voter_statuses = []
        for _ in range(10):
            status, _, _ = call(server, "POST", f"/api/v1/elections/{slug}/voter-sessions",
                                {"voter_number": "R000001", "login_token": "00" * 32})
            voter_statuses.append(status)
            if status == 429:
                break
        assert voter_statuses[-1] == 429 and set(voter_statuses[:-1]) == {401}
        assert [staff_login(server, "claire", f"faux {i}") for i in range(2)] == [401, 401]
        status, body, _ = call(server, "POST", f"/api/v1/elections/{slug}/kiosk-ballots",
                               {"kiosk": "k", "ballots": []})
        assert (status, json.loads(body)["error"]["code"]) == (409, "voting_closed")
        # The request id of a request is in its response and on its log line.
        _, _, health = call(server, "GET", "/healthz")
        health_id = health.getheader("X-Request-ID")
        metrics = scrape(server)
    finally:
        server.stop()
    log = server.log_path.read_text(encoding="utf-8")
    server.close()
    try:
        # The metrics folder went with the server.
        assert not list(tmp_path.glob("voting-metrics-*"))
        _check_metrics(metrics, slug, record, url, result, voter_statuses, started)
        _check_log_lines(log, slug, health_id)
        _check_no_secret(witness, log, output, record, url)
    finally:
        drop()


def _check_metrics(metrics, slug, record, url, result, voter_statuses, started):
    events = read_record(record).events
    cast: dict[tuple[str, str], int] = {}
    spoiled: dict[str, int] = {}
    checkins: dict[str, int] = {}
    for event in events:
        if event.type == "ballot":
            ballot = event.body["ballot"]
            key = ("online" if ballot["checkin"] is None else "kiosk", ballot["question"])
            cast[key] = cast.get(key, 0) + 1
        elif event.type == "spoiled":
            question = event.body["ballot"]["question"]
            spoiled[question] = spoiled.get(question, 0) + 1
        elif event.type == "checkin":
            point = event.body["polling_point"]
            checkins[point] = checkins.get(point, 0) + 1
    # The rehearsal's own counts, then the record's, then the metrics'.
    online_requests = (VOTERS - IN_PERSON) + REVOTES
    assert sum(cast.values()) == result["ballots_cast"] == 2 * VOTERS + 2 * REVOTES
    assert sum(n for (channel, _), n in cast.items() if channel == "kiosk") == 2 * IN_PERSON
    assert sum(spoiled.values()) == CHALLENGES and checkins == {"mairie": IN_PERSON}
    for (channel, question), count in cast.items():
        assert value(metrics, "voting_ballots_cast_total", election=slug, channel=channel,
                     question=question) == count, (channel, question)
    assert total(metrics, "voting_ballots_cast_total") == sum(cast.values())
    for question, count in spoiled.items():
        assert value(metrics, "voting_ballots_spoiled_total", election=slug, channel="online",
                     question=question) == count
    assert total(metrics, "voting_ballots_spoiled_total") == CHALLENGES
    assert value(metrics, "voting_checkins_total", election=slug,
                 polling_point="mairie") == IN_PERSON
    assert total(metrics, "voting_checkins_total") == IN_PERSON
    # Latency histograms: one observation per request.
    assert value(metrics, "voting_cast_duration_seconds_count", channel="online",
                 outcome="accepted") == online_requests
    assert value(metrics, "voting_cast_duration_seconds_count", channel="kiosk",
                 outcome="accepted") == IN_PERSON
    assert value(metrics, "voting_cast_duration_seconds_count", channel="kiosk",
                 outcome="refused") == 1
    assert value(metrics, "voting_checkin_duration_seconds_count",
                 outcome="accepted") == IN_PERSON
    bucket = value(metrics, "voting_cast_duration_seconds_bucket", channel="online",
                   outcome="accepted", le="+Inf")
    assert bucket == online_requests
    assert value(metrics, "voting_verification_failures_total", operation="cast_kiosk",
                 reason="voting_closed") == 1
    assert total(metrics, "voting_verification_failures_total") == 1
    # Logins: the rehearsal's all succeeded; then ours failed.
    assert value(metrics, "voting_login_failures_total", who="voter") == len(voter_statuses) - 1
    assert value(metrics, "voting_login_throttled_total", who="voter") == 1
    assert value(metrics, "voting_login_failures_total", who="staff") == 2
    assert value(metrics, "voting_login_throttled_total", who="staff") == 0
    assert value(metrics, "voting_http_responses_total", status_class="5xx") == 0
    assert value(metrics, "voting_workers") == 2
    # From the database at the scrape.
    engine = make_engine(url)
    with engine.connect() as connection:
        height = connection.execute(text("SELECT record_height FROM elections WHERE slug = :s"),
                                    {"s": slug}).scalar()
    engine.dispose()
    assert value(metrics, "voting_record_height", election=slug) == height == len(events)
    assert value(metrics, "voting_election_status", election=slug, status="closed") == 1
    assert total(metrics, "voting_election_status", election=slug) == 1
    assert value(metrics, "voting_ceremony_election_key", election=slug) == 1
    assert value(metrics, "voting_tally_completed", election=slug) == 0
    signed = value(metrics, "voting_record_head_signed_timestamp_seconds", election=slug)
    assert started - 1 <= signed <= time.time()
    assert value(metrics, "voting_metrics_database_up") == 1


def _check_log_lines(log: str, slug: str, health_id: str) -> None:
    lines = [line for line in log.splitlines() if line.strip()]
    # The only line that is not JSON is the serve command's banner on its standard output.
    banner = [line for line in lines if not line.startswith("{")]
    assert len(banner) == 1 and banner[0].startswith("Serving on http://"), banner[:3]
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert all("request_id" in r and "msg" in r and r["ts"].endswith("Z") for r in records)
    requests = [r for r in records if "path" in r]
    assert len(requests) > 2 * VOTERS
    ids = [r["request_id"] for r in requests]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and len(set(ids)) == len(ids)
    assert any(r["path"] == f"/api/v1/elections/{slug}/ballots" and r["status"] == 201
               for r in requests)
    assert [r["path"] for r in requests if r["request_id"] == health_id] == ["/healthz"]
    assert not any(r["logger"] == "gunicorn.access" for r in records)
    assert not any(r["level"] in ("ERROR", "CRITICAL") for r in records), \
        [r for r in records if r["level"] in ("ERROR", "CRITICAL")][:3]


def _check_no_secret(witness, log, output, record, url) -> None:
    needles = witness.needles()
    needles["staff_password"] = {STAFF_PASSWORD}
    expected = {"letter_code": 2 * VOTERS, "checkin_qr": VOTERS, "login_token": VOTERS,
                "credential_secret": VOTERS, "session_token": VOTERS - IN_PERSON,
                "staff_token": 3, "kiosk_key": 1, "trustee_share": 3}
    for kind, count in expected.items():
        assert len(needles[kind]) == count, kind
    assert len(needles["nonce"]) >= 2 * VOTERS and needles["choice"]
    logs = Haystack()
    logs.add(log)
    logs.add(output.out)
    logs.add(output.err)
    assert logs.leaks(needles) == []
    with zipfile.ZipFile(record) as archive:
        published = Haystack()
        for name in archive.namelist():
            published.add(archive.read(name).decode("utf-8"))
    assert published.leaks(needles) == []
    database, cells = database_haystack(url)
    assert cells > 1000
    assert database.leaks(needles) == []
    # The search reaches where secrets would be: the public credentials are in their table,
    # and the openings of the challenged ballots (public by design) in the record's events,
    # both found in the same encodings as the secrets above.
    assert all(database.finds(credential) for credential in witness.public_credentials)
    assert len(witness.published_openings) == CHALLENGES
    assert all(database.finds(r) and published.finds(r)
               for opening in witness.published_openings for r in opening)
