"""Inputs that once produced a 500 or a leak: each now gets a clear 4xx and changes nothing."""

import pytest

from tests.conftest import bearer
from tests.voters_helpers import HEADER, ROWS, make_election
from voting_service.store.db import transaction
from voting_service.store.models import AuditEntry


@pytest.fixture
def slug(app_factory):
    return make_election(app_factory, status="draft")


def _audit_count(app_factory):
    with transaction(app_factory) as db:
        return db.query(AuditEntry).count()


def test_nul_characters_are_refused_everywhere(client, tokens, slug, app_factory):
    before = _audit_count(app_factory)
    assert client.get("/api/v1/elections/a%00b", headers=bearer(tokens["admin"])).status_code \
        == 400
    assert client.get("/?lang=fr%00", headers={}).status_code == 400
    login = client.post(f"/api/v1/elections/{slug}/voter-sessions",
                        json={"voter_number": "V0\x0001", "login_token": "ab" * 32})
    assert login.status_code == 422
    put = client.put(f"/api/v1/elections/{slug}/questions/gare/projects",
                     json={"projects": [{"id": "G1", "title": "A\x00B", "cost": 5}]},
                     headers=bearer(tokens["admin"]))
    assert put.status_code == 422 and "NUL" in put.get_json()["error"]["message"]
    csv = client.post(f"/api/v1/elections/{slug}/voters/import",
                      data=(HEADER + "V1;Ma\x00rtin;C;12/03/1980;r;45000;centre\n").encode(),
                      content_type="text/csv", headers=bearer(tokens["admin"]))
    assert csv.status_code == 200
    assert "caractère nul" in csv.get_json()["rejected"][0]["reason"]
    form = client.get("/agents/connexion").get_data(as_text=True)
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    staff = client.post("/agents/connexion", data={"username": "ad\x00min", "password": "x",
                                                   "csrf_token": csrf})
    assert staff.status_code == 401
    assert _audit_count(app_factory) == before + 1  # only the import report was logged


def test_a_huge_csv_field_is_a_rejected_line(client, tokens, slug, app_factory):
    body = HEADER + ROWS + "V9;" + "x" * 140_000 + ";C;12/03/1980;r;45000;centre\n"
    response = client.post(f"/api/v1/elections/{slug}/voters/import", data=body.encode(),
                           content_type="text/csv", headers=bearer(tokens["admin"]))
    assert response.status_code == 200
    report = response.get_json()
    assert report["imported"] == 4 and report["rejected"][0]["line"] == 6
    assert "illisible" in report["rejected"][0]["reason"]


def test_override_reason_at_the_limit(client, tokens, slug):
    client.post(f"/api/v1/elections/{slug}/voters/import", data=(HEADER + ROWS).encode(),
                content_type="text/csv", headers=bearer(tokens["admin"]))
    url = f"/api/v1/elections/{slug}/voters/V001/override"
    ok = client.post(url, json={"decision": "exclude", "reason": "r" * 250},
                     headers=bearer(tokens["admin"]))
    assert ok.status_code == 200
    too_long = client.post(url, json={"decision": "exclude", "reason": "r" * 251},
                           headers=bearer(tokens["admin"]))
    assert too_long.status_code == 422


def test_unlock_needs_a_voter_on_the_roll(client, tokens, slug, app_factory):
    before = _audit_count(app_factory)
    for number in ("V404", "X" * 300):
        response = client.post(f"/api/v1/elections/{slug}/voters/{number}/unlock",
                               headers=bearer(tokens["officer"]))
        assert response.status_code == 404
    assert _audit_count(app_factory) == before


@pytest.mark.parametrize("target", ["//evil.example/", "/\t/evil.example",
                                    "/\\evil.example", "https://evil.example/", "/\n/evil"])
def test_login_never_redirects_off_site(client, app_factory, target):
    from voting_service.domain.staff import create_staff

    with transaction(app_factory) as db:
        create_staff(db, "t", "claire", "admin", "un mot de passe long")
    form = client.get("/agents/connexion").get_data(as_text=True)
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/agents/connexion", query_string={"next": target},
                           data={"username": "claire", "password": "un mot de passe long",
                                 "csrf_token": csrf})
    assert response.status_code == 302
    assert response.headers["Location"] == "/agents/"


def test_staff_login_locks_after_five_failures(client, app_factory):
    from voting_service.domain.staff import create_staff

    with transaction(app_factory) as db:
        create_staff(db, "t", "claire", "admin", "un mot de passe long")

    def attempt(username, password):
        form = client.get("/agents/connexion").get_data(as_text=True)
        csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
        return client.post("/agents/connexion", data={"username": username,
                                                      "password": password,
                                                      "csrf_token": csrf}).status_code

    assert [attempt("claire", "faux") for _ in range(5)] == [401] * 5
    assert attempt("claire", "un mot de passe long") == 429  # locked, even with the password
    # An unknown username locks the same way: the lock reveals nothing.
    assert [attempt("personne", "faux") for _ in range(6)] == [401] * 5 + [429]


def test_database_errors_never_log_parameters(app):
    assert app.extensions["voting"]["engine"].hide_parameters
