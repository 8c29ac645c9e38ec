"""A database the service cannot reach (restarting, failing over, down): every request that
needs it gets a 503 with Retry-After — JSON on the API, a French page elsewhere — and the
log gets one line per request, no traceback. The fault test (tests/load/test_faults.py)
meets this during real PostgreSQL crashes; here the database is a port nobody listens on."""

from __future__ import annotations

import logging

import pytest

from voting_service.rehearsal.server import free_port
from voting_service.web import create_app
from tests.conftest import SECRET


@pytest.fixture
def client(tmp_path):
    app = create_app({
        "VOTING_MODE": "test", "VOTING_SECRET_KEY": SECRET,
        "VOTING_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none",
        "VOTING_INSTANCE_DIR": str(tmp_path / "instance"),
        "VOTING_KEY_DIR": str(tmp_path / "keys")})
    yield app.test_client()
    app.extensions["voting"]["engine"].dispose()


def test_api_answers_503_json_with_retry_after(client, caplog):
    with caplog.at_level(logging.INFO, logger="voting_service"):
        response = client.get("/api/v1/elections/bp-2027/board")
        cast = client.post("/api/v1/elections/bp-2027/ballots", json={"ballots": []},
                           headers={"Authorization": "Voter abc"})
    for answer in (response, cast):
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "2"
        assert answer.get_json()["error"]["code"] == "database_unavailable"
    unavailable = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(unavailable) == 2 and all(r.exc_info is None for r in unavailable)
    assert "/api/v1/elections/bp-2027/ballots" in unavailable[1].getMessage()


def test_pages_answer_503_in_french(client):
    response = client.get("/")
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert "Réessayez plus tard" in response.get_data(as_text=True)


def test_health_says_unavailable(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
