"""Integration API v1: flows, and bad input that gets a 4xx JSON error and changes nothing."""

import json

import pytest

from tests.conftest import bearer
from tests.factories import manifest_body, projects_body
from voting_service.domain import audit
from voting_service.store.db import transaction


def _post(client, url, token, body=None, raw=None, content_type="application/json"):
    data = raw if raw is not None else json.dumps(body)
    return client.post(url, data=data, content_type=content_type, headers=bearer(token))


def _state(app_factory):
    """Everything a failed request must leave untouched."""
    from voting_service.store.models import AuditEntry, Election, Project

    with transaction(app_factory) as db:
        return (db.query(Election).count(), db.query(Project).count(),
                db.query(AuditEntry).count(),
                sorted((e.slug, e.status) for e in db.query(Election)))


def assert_error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["code"], str) and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code


def test_full_flow(client, tokens):
    admin = tokens["admin"]
    created = _post(client, "/api/v1/elections", admin, manifest_body())
    assert created.status_code == 201
    assert created.get_json()["status"] == "draft"
    put = client.put("/api/v1/elections/bp-test-2027/questions/gare/projects",
                     json=projects_body(), headers=bearer(admin))
    assert put.status_code == 200
    assert [p["id"] for p in put.get_json()["manifest"]["questions"][1]["projects"]] == \
        ["G1", "G2"]
    frozen = _post(client, "/api/v1/elections/bp-test-2027/transitions", admin, {"to": "frozen"})
    assert frozen.status_code == 200 and frozen.get_json()["changed"] is True
    fingerprint = frozen.get_json()["fingerprint"]
    again = _post(client, "/api/v1/elections/bp-test-2027/transitions", admin, {"to": "frozen"})
    assert again.status_code == 200 and again.get_json()["changed"] is False
    status = client.get("/api/v1/elections/bp-test-2027/status", headers=bearer(admin))
    assert status.get_json()["status"] == "frozen"
    assert status.get_json()["next"] == ["open"]
    read = client.get("/api/v1/elections/bp-test-2027", headers=bearer(tokens["results_reader"]))
    assert read.get_json()["fingerprint"] == fingerprint
    listing = client.get("/api/v1/elections", headers=bearer(tokens["auditor"]))
    assert [e["id"] for e in listing.get_json()["elections"]] == ["bp-test-2027"]


@pytest.fixture
def draft(client, tokens):
    assert _post(client, "/api/v1/elections", tokens["admin"], manifest_body()).status_code == 201
    return "bp-test-2027"


BAD_REQUESTS = [
    # (method, url, raw body, content type, status, code)
    ("post", "/api/v1/elections", "{", "application/json", 400, "malformed_json"),
    ("post", "/api/v1/elections", "[1, 2", "application/json", 400, "malformed_json"),
    ("post", "/api/v1/elections", "id=x", "application/x-www-form-urlencoded", 415,
     "unsupported_media_type"),
    ("post", "/api/v1/elections", "[]", "application/json", 422, "invalid_input"),
    ("post", "/api/v1/elections", '{"id": 5}', "application/json", 422, "invalid_input"),
    ("post", "/api/v1/elections", json.dumps(manifest_body()), "application/json", 409,
     "election_exists"),
    ("put", "/api/v1/elections/bp-test-2027/questions/gare/projects", '{"projects": "none"}',
     "application/json", 422, "invalid_input"),
    ("put", "/api/v1/elections/bp-test-2027/questions/gare/projects",
     '{"projects": [{"id": "X", "title": "t", "cost": 1.5}]}', "application/json", 422,
     "invalid_input"),
    ("put", "/api/v1/elections/bp-test-2027/questions/nope/projects",
     json.dumps(projects_body()), "application/json", 404, "question_not_found"),
    ("put", "/api/v1/elections/unknown/questions/gare/projects", json.dumps(projects_body()),
     "application/json", 404, "election_not_found"),
    ("post", "/api/v1/elections/bp-test-2027/transitions", '{"to": "open"}',
     "application/json", 409, "illegal_transition"),
    ("post", "/api/v1/elections/bp-test-2027/transitions", '{"to": "frozen"}',
     "application/json", 409, "no_projects"),
    ("post", "/api/v1/elections/bp-test-2027/transitions", '{"to": "deleted"}',
     "application/json", 422, "invalid_input"),
    ("post", "/api/v1/elections/bp-test-2027/transitions", '{"to": 3}',
     "application/json", 422, "invalid_input"),
    ("post", "/api/v1/elections/unknown/transitions", '{"to": "frozen"}',
     "application/json", 404, "election_not_found"),
    ("get", "/api/v1/elections/unknown", None, None, 404, "election_not_found"),
    ("get", "/api/v1/nothing-here", None, None, 404, "not_found"),
    ("delete", "/api/v1/elections/bp-test-2027", None, None, 405, "method_not_allowed"),
]


@pytest.mark.parametrize("method, url, raw, ctype, status, code", BAD_REQUESTS)
def test_bad_requests_get_json_errors_and_change_nothing(client, tokens, app_factory, draft,
                                                         method, url, raw, ctype, status, code):
    before = _state(app_factory)
    kwargs = {"headers": bearer(tokens["admin"])}
    if raw is not None:
        kwargs.update(data=raw, content_type=ctype)
    response = getattr(client, method)(url, **kwargs)
    assert_error(response, status, code)
    assert _state(app_factory) == before


def test_oversize_body_is_refused(client, tokens, app_factory, draft):
    before = _state(app_factory)
    huge = json.dumps({"projects": [{"id": f"P{i}", "title": "x" * 190, "cost": 1}
                                    for i in range(6000)]})
    assert len(huge) > 1024 * 1024
    response = client.put("/api/v1/elections/bp-test-2027/questions/gare/projects", data=huge,
                          content_type="application/json", headers=bearer(tokens["admin"]))
    assert_error(response, 413, "body_too_large")
    assert _state(app_factory) == before


def test_authentication_errors(client, tokens, app_factory):
    assert_error(client.get("/api/v1/elections"), 401, "unauthenticated")
    assert_error(client.get("/api/v1/elections", headers=bearer("vs1_forged")), 401, "bad_token")
    assert_error(client.get("/api/v1/elections", headers={"Authorization": "Basic abc"}), 401)
    assert_error(_post(client, "/api/v1/elections", tokens["officer"], manifest_body()), 403,
                 "forbidden")


def test_revoked_and_scoped_tokens(client, app_factory, tokens):
    from voting_service.domain.staff import create_token, revoke_token

    with transaction(app_factory) as db:
        token, clear = create_token(db, "t", "study step", "admin",
                                    ["elections:read", "elections:write"])
        token_id = token.id
    assert _post(client, "/api/v1/elections", clear, manifest_body()).status_code == 201
    assert_error(_post(client, "/api/v1/elections/bp-test-2027/transitions", clear,
                       {"to": "frozen"}), 403)
    with transaction(app_factory) as db:
        revoke_token(db, "t", token_id)
    assert_error(client.get("/api/v1/elections", headers=bearer(clear)), 401, "bad_token")


def test_api_actions_are_audited_under_the_token(client, tokens, app_factory, draft):
    from voting_service.store.models import AuditEntry

    with transaction(app_factory) as db:
        entry = db.query(AuditEntry).filter_by(action="election.create").one()
        assert entry.actor.startswith("token:") and entry.actor.endswith("admin client")
        assert audit.verify(db).ok
