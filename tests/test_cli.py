"""The voting-service command: every command honours VOTING_DATABASE_URL, errors are clear
and exit codes documented (3 invalid input, 4 not found, 5 conflict)."""

import json

import pytest
from click.testing import CliRunner

from tests.factories import manifest_body, projects_body
from voting_service.cli import main


@pytest.fixture
def cli(db_url, monkeypatch):
    monkeypatch.setenv("VOTING_DATABASE_URL", db_url)
    runner = CliRunner()

    def run(*args, code=0):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_every_command_has_help(cli):
    for args in (["--help"], ["init-db", "--help"], ["demo", "--help"], ["serve", "--help"],
                 ["create-staff", "--help"], ["audit-log", "verify", "--help"],
                 ["elections", "list", "--help"], ["elections", "create", "--help"],
                 ["elections", "put-projects", "--help"], ["elections", "show", "--help"],
                 ["elections", "status", "--help"], ["elections", "transition", "--help"],
                 ["tokens", "create", "--help"]):
        assert "Usage:" in cli(*args)


def test_demo_is_idempotent(cli, tmp_path, monkeypatch, db_url):
    monkeypatch.setenv("VOTING_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("VOTING_KEY_DIR", str(tmp_path / "keys"))
    assert "development only" in cli("demo", code=2)   # never in production mode
    monkeypatch.setenv("VOTING_MODE", "development")
    first = cli("demo")
    assert "created" in first and "demo-admin-2027" in first
    # A newcomer can try the voter journeys: the roll is in, letters are printed, the vote
    # is open (the voter too young to vote gets no letter).
    letters = sorted((tmp_path / "instance" / "demo-letters").glob("*.pdf"))
    assert letters and str((tmp_path / "instance" / "demo-letters").resolve()) in first
    from voting_service.domain import credentials
    from voting_service.store.db import make_engine, make_session_factory, transaction
    from voting_service.store.models import Credential, Voter

    factory = make_session_factory(make_engine(db_url))
    with transaction(factory) as db:
        assert db.query(Voter).count() == 12
        assert db.query(Credential).filter_by(status="active").count() == 11
    assert credentials.count_pending(factory, "val-sur-loirette-2027") == 0
    assert "already present" in cli("demo")
    rows = json.loads(cli("elections", "list", "--json"))
    assert rows == [{"id": "val-sur-loirette-2027", "title": "Budget participatif 2027",
                     "status": "open"}]
    assert "Audit log OK" in cli("audit-log", "verify")


def test_election_commands_mirror_the_api(cli, tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(manifest_body()), encoding="utf-8")
    projects = tmp_path / "projects.json"
    projects.write_text(json.dumps(projects_body()), encoding="utf-8")
    assert "created (draft)" in cli("elections", "create", str(manifest))
    assert "2 projects" in cli("elections", "put-projects", "bp-test-2027", "gare", str(projects))
    assert "frozen" in cli("elections", "transition", "bp-test-2027", "frozen")
    assert "(already)" in cli("elections", "transition", "bp-test-2027", "frozen")
    status = json.loads(cli("elections", "status", "bp-test-2027", "--json"))
    assert status["status"] == "frozen" and len(status["fingerprint"]) == 64
    shown = json.loads(cli("elections", "show", "bp-test-2027"))
    assert shown["fingerprint"] == status["fingerprint"]


def test_cli_errors_and_exit_codes(cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json", encoding="utf-8")
    assert "not valid JSON (line 1" in cli("elections", "create", str(bad), code=3)
    assert "No such file" in cli("elections", "create", str(tmp_path / "missing.json"), code=3)
    assert "no election 'ghost'" in cli("elections", "status", "ghost", code=4)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(manifest_body()), encoding="utf-8")
    cli("elections", "create", str(manifest))
    assert "already exists" in cli("elections", "create", str(manifest), code=5)
    assert "cannot become open" in cli("elections", "transition", "bp-test-2027", "open",
                                       code=5)
    assert "Invalid value" in cli("elections", "transition", "bp-test-2027", "nowhere", code=2)


def test_staff_and_tokens(cli, monkeypatch):
    monkeypatch.setenv("VOTING_STAFF_PASSWORD", "a long enough password")
    assert "created" in cli("create-staff", "lea", "--role", "officer")
    assert "already exists" in cli("create-staff", "lea", "--role", "officer", code=5)
    out = cli("tokens", "create", "etude", "--role", "admin", "--scope", "elections:write")
    assert out.strip().splitlines()[-1].startswith("vs1_")
    assert "scopes beyond role" in cli("tokens", "create", "x", "--role", "officer",
                                       "--scope", "elections:write", code=3)
