"""Closing a running vote before its published end takes `force` and a `reason`; the reason
is kept (audit log, status), and a vote past its end closes without them."""

from datetime import timedelta

from tests.conftest import bearer
from tests.factories import advance, manifest_body, projects_body
from voting_service.domain import elections
from voting_service.store.db import transaction
from voting_service.store.models import AuditEntry

URL = "/api/v1/elections/bp-test-2027/transitions"


def _open(app, app_factory):
    keys = app.extensions["voting"]["settings"].key_dir   # the server signs with these
    with transaction(app_factory) as db:
        elections.create_election(db, "t", manifest_body())
        elections.put_projects(db, "t", "bp-test-2027", "gare", projects_body())
        advance(db, "bp-test-2027", "frozen", keys)
        advance(db, "bp-test-2027", "open", keys)


def test_closing_early_through_the_api(app, client, tokens, app_factory):
    _open(app, app_factory)
    admin = bearer(tokens["admin"])
    refused = client.post(URL, json={"to": "closed"}, headers=admin)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "closing_early"
    assert refused.get_json()["error"]["details"]["ends_at"].startswith("2099-01-31")
    for body in ({"to": "closed", "force": True}, {"to": "closed", "force": True, "reason": ""},
                 {"to": "closed", "force": True, "reason": "   "}):
        response = client.post(URL, json=body, headers=admin)
        assert response.status_code in (409, 422), body
    for body in ({"to": "closed", "force": "yes", "reason": "x"},
                 {"to": "closed", "force": True, "reason": 7},
                 {"to": "closed", "force": True, "reason": "r" * 501}):
        assert client.post(URL, json=body, headers=admin).status_code == 422, body
    with transaction(app_factory) as db:
        assert elections.get_election(db, "bp-test-2027").status == "open"
        before = db.query(AuditEntry).count()
    done = client.post(URL, json={"to": "closed", "force": True,
                                  "reason": "bomb alert: the prefect suspended the vote"},
                       headers=admin)
    assert done.status_code == 200 and done.get_json()["status"] == "closed"
    status = client.get("/api/v1/elections/bp-test-2027/status", headers=admin).get_json()
    assert status["closing_reason"] == "bomb alert: the prefect suspended the vote"
    assert status["closed_at"]
    with transaction(app_factory) as db:
        assert db.query(AuditEntry).count() == before + 1


def test_a_vote_past_its_end_closes_without_force(app, app_factory):
    _open(app, app_factory)
    with transaction(app_factory) as db:
        ends = elections.get_election(db, "bp-test-2027").ends_at
        result = elections.transition(db, "t", "bp-test-2027", "closed",
                                      now=ends + timedelta(seconds=1))
        assert result.changed and result.election.closing_reason is None
        assert result.election.closed_at == ends + timedelta(seconds=1)
