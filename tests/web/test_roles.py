"""Role × endpoint matrix: each API endpoint admits exactly the roles holding its permission."""

import pytest

from tests import staff_helpers

from tests.conftest import bearer
from voting_service.domain.staff import ROLE_PERMISSIONS
from voting_service.store.models import STAFF_ROLES
from voting_service.web.auth import VOTER_SESSION


def _api_endpoints(app):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        url = rule.rule.replace("<slug>", "bp-none").replace("<question>", "q").replace(
            "<number>", "V1")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url, view.permission


def test_every_api_view_declares_its_permission(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            assert hasattr(app.view_functions[rule.endpoint], "permission"), rule.rule


def test_role_endpoint_matrix(app, client, tokens):
    checked = 0
    for method, url, permission in _api_endpoints(app):
        call = getattr(client, method.lower())
        anonymous = call(url, json={})
        if permission is None:  # public: never asks for a token
            assert anonymous.status_code not in (401, 403), url
            continue
        if permission == VOTER_SESSION:  # a voter's session; no staff token opens it
            assert anonymous.status_code == 401, url
            for role in STAFF_ROLES:
                response = call(url, json={}, headers=bearer(tokens[role]))
                assert response.get_json()["error"]["code"] == "voter_session_required"
            continue
        assert anonymous.status_code == 401, (method, url)
        for role in STAFF_ROLES:
            response = call(url, json={}, headers=bearer(tokens[role]))
            if permission in ROLE_PERMISSIONS[role]:
                assert response.status_code not in (401, 403), (method, url, role)
            else:
                assert response.status_code == 403, (method, url, role)
                assert response.get_json()["error"]["code"] == "forbidden"
            checked += 1
    assert checked >= 6 * len(STAFF_ROLES)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_pages_follow_the_same_permissions(app, client, role):
    from voting_service.domain.staff import create_staff
    from voting_service.store.db import transaction

    with transaction(app.extensions["voting"]["sessions"]) as db:
        create_staff(db, "test", f"user-{role}", role, "correct horse battery")
    anonymous = client.get("/agents/")
    assert anonymous.status_code == 302 and "/agents/connexion" in anonymous.headers["Location"]
    login = staff_helpers.login(client, f"user-{role}", "correct horse battery")
    # Admins, trustees and officers end on their new recovery codes, the others redirected.
    assert login.status_code == (200 if role in ("admin", "trustee", "officer") else 302)
    # Every staff role may read elections, so every role reaches the dashboard.
    assert "elections:read" in ROLE_PERMISSIONS[role]
    assert client.get("/agents/").status_code == 200


def test_a_deactivated_account_loses_its_session(app, client):
    from voting_service.domain.staff import create_staff
    from voting_service.store.db import transaction
    from voting_service.store.models import Staff

    factory = app.extensions["voting"]["sessions"]
    with transaction(factory) as db:
        create_staff(db, "test", "partant", "admin", "correct horse battery")
    staff_helpers.login(client, "partant", "correct horse battery")
    assert client.get("/agents/").status_code == 200
    with transaction(factory) as db:
        db.query(Staff).filter_by(username="partant").one().active = False
    assert client.get("/agents/").status_code == 302
