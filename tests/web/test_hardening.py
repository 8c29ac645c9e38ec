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

    with transaction(app_factory) as db:  # an auditor: no second step before the redirect
        create_staff(db, "t", "claire", "auditor", "un mot de passe long")
    form = client.get("/agents/connexion").get_data(as_text=True)
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/agents/connexion", query_string={"next": target},
                           data={"username": "claire", "password": "un mot de passe long",
                                 "csrf_token": csrf})
    assert response.status_code == 302
    assert response.headers["Location"] == "/agents/"


def test_staff_login_slows_the_guesser_not_the_account(client, app_factory):
    from voting_service.domain.staff import create_staff

    with transaction(app_factory) as db:
        create_staff(db, "t", "claire", "admin", "un mot de passe long")

    def attempt(username, password, address="10.0.0.66"):
        form = client.get("/agents/connexion").get_data(as_text=True)
        csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
        return client.post("/agents/connexion", data={"username": username,
                                                      "password": password,
                                                      "csrf_token": csrf},
                           environ_base={"REMOTE_ADDR": address}).status_code

    assert [attempt("claire", "faux") for _ in range(5)] == [401] * 5
    # The guessing address now waits, even with the right password …
    assert attempt("claire", "un mot de passe long") == 429
    # … but Claire, from her own address, logs in: junk never locks the account.
    assert attempt("claire", "un mot de passe long", "10.0.0.7") == 302
    # An unknown username is slowed the same way: the delay reveals nothing.
    assert [attempt("personne", "faux", "10.0.0.99") for _ in range(6)] == [401] * 5 + [429]


def test_database_errors_never_log_parameters(app):
    assert app.extensions["voting"]["engine"].hide_parameters


def _state(app_factory):
    """Everything the JSON endpoints below could change."""
    from voting_service.store.models import Election, LoginThrottle, Participation, Project, Voter

    with transaction(app_factory) as db:
        return (db.query(AuditEntry).count(), db.query(Election).count(),
                db.query(Project).count(), db.query(LoginThrottle).count(),
                sorted((v.voter_number, v.override, v.override_reason)
                       for v in db.query(Voter)),
                sorted(p.state for p in db.query(Participation)))


def _json_endpoints(slug):
    """(method, url, role or None, a valid-looking body whose "@@" marks a text field)."""
    from tests.factories import manifest_body

    return [
        ("post", f"/api/v1/elections/{slug}/voter-sessions", None,
         {"voter_number": "V0@@1", "login_token": "ab" * 32}),
        ("post", f"/api/v1/elections/{slug}/checkins", "officer",
         {"qr_payload": "VS1:@@", "polling_point": "mairie"}),
        ("post", "/api/v1/elections", "admin",
         manifest_body("bp-autre-2027", title="Budget @@")),
        ("post", f"/api/v1/elections/{slug}/voters/V001/override", "admin",
         {"decision": "exclude", "reason": "déménagé @@"}),
        ("put", f"/api/v1/elections/{slug}/questions/gare/projects", "admin",
         {"projects": [{"id": "G1", "title": "Abri @@", "cost": 5}]}),
    ]


@pytest.mark.parametrize("endpoint", range(5))
def test_bodies_no_layer_can_handle_are_refused_and_change_nothing(client, tokens, slug,
                                                                   app_factory, endpoint):
    import json
    import re

    client.post(f"/api/v1/elections/{slug}/voters/import", data=(HEADER + ROWS).encode(),
                content_type="text/csv", headers=bearer(tokens["admin"]))
    method, url, role, body = _json_endpoints(slug)[endpoint]
    headers = bearer(tokens[role]) if role else {}
    before = _state(app_factory)
    text = json.dumps(body, ensure_ascii=False)
    nested = "[" * 40 + "1" + "]" * 40   # parses, but deeper than any request needs
    cases = {
        "json_too_deep": ["[" * 100_000, "{\"a\":" * 100_000,
                          re.sub(r'"[^"]*@@[^"]*"', nested, text)],
        "invalid_unicode": [text.replace("@@", "\\ud800"), text.replace("@@", "\\udfff x"),
                            text.replace('{', '{"\\udc00": 1, ', 1).replace("@@", "")],
    }
    for code, bodies in cases.items():
        for data in bodies:
            response = getattr(client, method)(url, data=data.encode(), headers=headers,
                                               content_type="application/json")
            assert response.status_code == 400, (data[:80], response.get_json())
            assert response.get_json()["error"]["code"] == code
            assert response.get_json()["error"]["message"]
    assert _state(app_factory) == before
    # The same body with ordinary text in the marked field is not refused for its text.
    ordinary = getattr(client, method)(url, data=text.replace("@@", "\U0001F333").encode(),
                                       headers=headers, content_type="application/json")
    assert ordinary.status_code != 400 or ordinary.get_json()["error"]["code"] not in cases


def test_a_valid_surrogate_pair_is_an_ordinary_character(client, tokens, slug):
    response = client.put(f"/api/v1/elections/{slug}/questions/gare/projects",
                          data=b'{"projects": [{"id": "G1", "title": "Arbres \\ud83c\\udf33",'
                               b' "cost": 5}]}',
                          content_type="application/json", headers=bearer(tokens["admin"]))
    assert response.status_code == 200
    manifest = response.get_json()["manifest"]
    titles = [p["title"] for q in manifest["questions"] for p in q["projects"]]
    assert "Arbres \U0001F333" in titles


def test_a_direction_override_in_a_project_title_is_a_422_naming_the_field(client, tokens,
                                                                           slug, app_factory):
    before = _state(app_factory)
    response = client.put(f"/api/v1/elections/{slug}/questions/gare/projects",
                          json={"projects": [{"id": "G1", "title": "Parc \u202eeuqilbup",
                                              "cost": 5}]},
                          headers=bearer(tokens["admin"]))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invisible_character"
    assert error["message"].startswith("body.projects[0].title : caractère invisible")
    assert _state(app_factory) == before
