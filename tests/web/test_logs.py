"""Request logs: one JSON object per line, the request id on every line logged while a request
is handled, taken from the reverse proxy's X-Request-ID only when it is trusted and well
formed, and returned in the response."""

from __future__ import annotations

import io
import json
import logging

import pytest

from tests.conftest import SECRET
from voting_service.web.logs import JsonFormatter, RequestIdFilter


@pytest.fixture
def make_app(db_url, tmp_path):
    from voting_service.web import create_app

    apps = []

    def make(**env):
        app = create_app({"VOTING_MODE": "test", "VOTING_DATABASE_URL": db_url,
                          "VOTING_SECRET_KEY": SECRET,
                          "VOTING_INSTANCE_DIR": str(tmp_path / "instance"), **env})
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["voting"]["engine"].dispose()


@pytest.fixture
def captured():
    """The service logger's lines, as its JSON handler writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("voting_service")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


def test_every_line_of_a_request_carries_its_id(make_app, captured):
    app = make_app(VOTING_TRUSTED_PROXIES="1")

    @app.get("/boom")
    def boom():
        logging.getLogger("voting_service.domain").info("working on it")
        raise RuntimeError("unexpected")

    client = app.test_client()
    proxy_id = "3f2a9c0d8e7b6a5f4e3d2c1b0a998877"
    response = client.get("/boom", headers={"X-Request-ID": proxy_id})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == proxy_id
    lines = captured()
    assert [line["msg"] for line in lines] == ["working on it", "unhandled error on GET /boom",
                                               "GET /boom 500"]
    assert {line["request_id"] for line in lines} == {proxy_id}
    assert "RuntimeError" in lines[1]["exc"]
    access = lines[-1]
    assert (access["method"], access["path"], access["status"]) == ("GET", "/boom", 500)
    assert access["ts"].endswith("Z") and access["level"] == "INFO"


@pytest.mark.parametrize("sent", [
    "", "short", "x" * 129, "has space 0123456789", "line\nbreak-0123456789",
    '"quoted-0123456789"', "-starts-with-dash-0123", "é-0123456789abcdef",
])
def test_a_malformed_request_id_is_replaced(make_app, captured, sent):
    client = make_app(VOTING_TRUSTED_PROXIES="1").test_client()
    headers = {"X-Request-ID": sent} if "\n" not in sent else {}
    if "\n" in sent:   # no HTTP client sends it raw: build the environ by hand
        response = client.get("/healthz", environ_base={"HTTP_X_REQUEST_ID": sent})
    else:
        response = client.get("/healthz", headers=headers)
    generated = response.headers["X-Request-ID"]
    assert generated != sent and len(generated) == 32 and int(generated, 16) >= 0
    assert captured()[-1]["request_id"] == generated


def test_without_a_trusted_proxy_the_header_is_not_taken(make_app, captured):
    client = make_app().test_client()
    sent = "0123456789abcdef0123456789abcdef"
    first = client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"]
    second = client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"]
    assert sent not in (first, second) and first != second
    assert [line["request_id"] for line in captured()] == [first, second]


def test_uuid_and_nginx_ids_are_taken_behind_a_proxy(make_app):
    client = make_app(VOTING_TRUSTED_PROXIES="1").test_client()
    for sent in ("0b4e7a0e-5b2f-4d0e-9c3a-2f1d6e8b9a70", "a" * 32, "req.2026-12-01_abc"):
        assert client.get("/healthz", headers={"X-Request-ID": sent}
                          ).headers["X-Request-ID"] == sent


def test_lines_outside_a_request_have_a_null_id():
    record = logging.LogRecord("gunicorn.error", logging.INFO, __file__, 1, "Booting worker",
                               None, None)
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] is None and line["msg"] == "Booting worker"


def test_bodies_queries_and_headers_are_not_logged(make_app, captured):
    client = make_app().test_client()
    client.post("/api/v1/elections/nope/voter-sessions?login_token=SECRETQUERY",
                json={"voter_number": "V1", "login_token": "ab" * 32},
                headers={"Authorization": "Voter SECRETHEADER", "Cookie": "vs=SECRETCOOKIE"})
    text = json.dumps(captured())
    assert "SECRET" not in text and "abab" not in text
    assert "/api/v1/elections/nope/voter-sessions" in text
