"""Public and staff pages: French first, English on request, CSRF, health."""

import re

from tests.staff_helpers import StaffLogin, enrolment_secret, next_code

from voting_service.domain import demo
from voting_service.domain.staff import create_staff
from voting_service.store.db import transaction


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    from voting_service.store.migrate import head_revision

    assert response.get_json() == {"status": "ok", "database": "ok", "revision": head_revision()}


def test_healthz_reports_an_unmigrated_database(tmp_path):
    from voting_service.web import create_app

    app = create_app({"VOTING_MODE": "test", "VOTING_SECRET_KEY": "k" * 40,
                      "VOTING_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "schema not migrated"


def test_landing_page_lists_published_elections_in_french(client, app_factory, tmp_path):
    demo.load_demo(app_factory, tmp_path / "keys", tmp_path / "letters",
                   "http://127.0.0.1:8000/")
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Budget participatif 2027" in page and "Vote en cours" in page
    assert "Aller au contenu" in page


def test_english_is_available_and_remembered(client):
    page = client.get("/?lang=en")
    assert '<html lang="en">' in page.get_data(as_text=True)
    assert "No vote is published yet." in page.get_data(as_text=True)
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in client.get("/?lang=fr").get_data(as_text=True)


def test_drafts_are_not_public(client, app_factory):
    from tests.factories import manifest_body
    from voting_service.domain import elections

    with transaction(app_factory) as db:
        elections.create_election(db, "t", manifest_body())
    assert "Budget participatif test" not in client.get("/").get_data(as_text=True)


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_login_logout_and_csrf(client, app_factory):
    with transaction(app_factory) as db:
        create_staff(db, "t", "claire", "admin", "un mot de passe long")
    form = client.get("/agents/connexion").get_data(as_text=True)
    no_csrf = client.post("/agents/connexion", data={"username": "claire",
                                                     "password": "un mot de passe long"})
    assert no_csrf.status_code == 400
    assert "Le formulaire a expiré" in no_csrf.get_data(as_text=True)
    wrong = client.post("/agents/connexion", data={"username": "claire", "password": "faux",
                                                   "csrf_token": _csrf(form)})
    assert wrong.status_code == 401
    assert "Identifiant ou mot de passe incorrect." in wrong.get_data(as_text=True)
    ok = client.post("/agents/connexion?next=//evil.example/",
                     data={"username": "claire", "password": "un mot de passe long",
                           "csrf_token": _csrf(form)})
    # An admin's right password leads to the second factor, enrolled at the first login.
    assert ok.status_code == 302 and ok.headers["Location"] == "/agents/connexion/enrolement"
    assert client.get("/agents/").status_code == 302  # not logged in yet
    page = client.get("/agents/connexion/enrolement").get_data(as_text=True)
    code, _step = next_code(enrolment_secret(page))
    done = client.post("/agents/connexion/enrolement",
                       data={"code": code, "csrf_token": _csrf(page)})
    assert done.status_code == 200 and 'href="/agents/"' in done.get_data(as_text=True)
    dashboard = client.get("/agents/").get_data(as_text=True)
    assert "Connecté en tant que claire" in dashboard
    # The session token rotated at login: the pre-login CSRF token is dead.
    assert _csrf(dashboard) != _csrf(form)
    assert client.post("/agents/deconnexion", data={"csrf_token": _csrf(dashboard)}).status_code \
        == 302
    assert client.get("/agents/").status_code == 302


def test_old_session_cookie_dies_after_a_new_login(app, app_factory):
    with transaction(app_factory) as db:
        create_staff(db, "t", "paul", "officer", "un mot de passe long")
    first, second = app.test_client(), app.test_client()
    paul = StaffLogin("paul", "un mot de passe long")
    for browser in (first, second):
        paul.login(browser)
    assert second.get("/agents/").status_code == 200
    assert first.get("/agents/").status_code == 302  # its nonce was rotated away


def test_unknown_page_is_a_french_404(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Cette page n’existe pas." in response.get_data(as_text=True)


def test_security_headers(client):
    headers = client.get("/").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
