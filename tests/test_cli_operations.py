"""Operator commands: staff accounts and tokens, early closing, and commands that find their
configuration or stop with a clear message (exit 2) instead of creating an empty database."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.factories import manifest_body, projects_body
from voting_service.cli import main
from voting_service.domain import staff
from voting_service.store.db import make_engine, make_session_factory, transaction

EXE = str(Path(sys.executable).with_name("voting-service"))


@pytest.fixture
def cli(db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("VOTING_DATABASE_URL", db_url)
    monkeypatch.setenv("VOTING_KEY_DIR", str(tmp_path / "keys"))
    (tmp_path / "keys").mkdir(mode=0o700)
    runner = CliRunner()

    def run(*args, code=0):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_staff_list_disable_enable_reset_unlock(cli, db_url, monkeypatch):
    monkeypatch.setenv("VOTING_STAFF_PASSWORD", "a long enough password")
    cli("create-staff", "lea", "--role", "officer")
    cli("create-staff", "max", "--role", "auditor")
    rows = {r["username"]: r for r in json.loads(cli("staff", "list", "--json"))}
    assert rows["lea"]["second_factor"] == "none" and rows["lea"]["active"]
    assert rows["max"]["second_factor"] == "not_required"
    assert "lea" in cli("staff", "list") and "officer" in cli("staff", "list")

    assert "disabled" in cli("staff", "disable", "lea")
    assert "(already)" in cli("staff", "disable", "lea")
    factory = make_session_factory(make_engine(db_url))
    with transaction(factory) as db:
        assert staff.authenticate(db, "lea", "a long enough password").code == \
            "bad_credentials"
    assert json.loads(cli("staff", "list", "--json"))[0]["active"] is False
    assert "enabled" in cli("staff", "enable", "lea")

    with transaction(factory) as db:
        for _ in range(5):
            staff.authenticate(db, "max", "wrong", "10.1.1.1")
        assert staff.authenticate(db, "max", "a long enough password", "10.1.1.1").code == \
            "locked"
    assert "1 address" in cli("staff", "unlock", "max")
    with transaction(factory) as db:
        assert staff.authenticate(db, "max", "a long enough password", "10.1.1.1").ok

    monkeypatch.setenv("VOTING_STAFF_PASSWORD", "another long password")
    assert "new password set" in cli("staff", "reset", "max", "--password")
    with transaction(factory) as db:
        assert staff.authenticate(db, "max", "another long password").ok
    assert "no staff account 'ghost'" in cli("staff", "disable", "ghost", code=4)


def test_tokens_list_and_revoke(cli):
    out = cli("tokens", "create", "etude", "--role", "admin", "--scope", "elections:write")
    clear = out.strip().splitlines()[-1]
    listed = json.loads(cli("tokens", "list", "--json"))
    assert [(t["name"], t["status"], t["scopes"]) for t in listed] == \
        [("etude", "active", ["elections:write"])]
    assert clear not in cli("tokens", "list") and clear not in json.dumps(listed)
    token_id = str(listed[0]["id"])
    assert "revoked" in cli("tokens", "revoke", token_id)
    assert json.loads(cli("tokens", "list", "--json")) == []
    assert json.loads(cli("tokens", "list", "--all", "--json"))[0]["status"] == "revoked"
    assert "no token 999" in cli("tokens", "revoke", "999", code=4)


def test_closing_early_needs_force_and_a_reason(cli, tmp_path, db_url):
    from tests.factories import election_key_for
    from voting_service.domain import elections

    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(manifest_body()), encoding="utf-8")
    projects = tmp_path / "projects.json"
    projects.write_text(json.dumps(projects_body()), encoding="utf-8")
    cli("elections", "create", str(manifest))
    cli("elections", "put-projects", "bp-test-2027", "gare", str(projects))
    cli("elections", "transition", "bp-test-2027", "frozen")
    factory = make_session_factory(make_engine(db_url))
    with transaction(factory) as db:
        election = elections.get_election(db, "bp-test-2027")
        elections.set_election_key(db, "t", "bp-test-2027",
                                   election_key_for(election.fingerprint))
    cli("elections", "transition", "bp-test-2027", "open")
    refused = cli("elections", "transition", "bp-test-2027", "closed", code=5)
    assert "closing_early" in refused and "--force" not in refused  # domain words, no flags
    assert "closing_early" in cli("elections", "transition", "bp-test-2027", "closed",
                                  "--force", code=5)  # a reason is required too
    assert "closed" in cli("elections", "transition", "bp-test-2027", "closed", "--force",
                           "--reason", "flood in the town hall, decided by the council")
    status = json.loads(cli("elections", "status", "bp-test-2027", "--json"))
    assert status["status"] == "closed"
    assert status["closing_reason"] == "flood in the town hall, decided by the council"
    # The audit entry commits to the reason: its payload digest is recomputed from it.
    from voting_service.record.canonical import digest
    from voting_service.store.models import AuditEntry

    with transaction(factory) as db:
        entry = db.query(AuditEntry).filter_by(action="election.closed").one()
        expected = digest({"from": "open", "to": "closed",
                           "fingerprint": status["fingerprint"], "early": True,
                           "ends_at": status["ends_at"],
                           "reason": "flood in the town hall, decided by the council"})
        assert entry.payload_digest == expected
    assert "Audit log OK" in cli("audit-log", "verify")


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOTING_")}
    env.update(extra)
    return env


@pytest.mark.parametrize("args", [["elections", "list"], ["staff", "list"],
                                  ["tokens", "list"], ["audit-log", "verify"],
                                  ["voters", "--help"]])
def test_commands_outside_the_installation_stop_cleanly(tmp_path, args):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([EXE, *args], cwd=elsewhere, env=_clean_env(), text=True,
                            capture_output=True, timeout=60)
    if args[-1] == "--help":   # help needs no configuration
        assert result.returncode == 0
        return
    assert result.returncode == 2, result.stderr
    assert "no database at" in result.stderr and "VOTING_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(elsewhere.iterdir()) == []   # no ./instance/voting.db created


def test_a_configured_instance_folder_is_found_from_anywhere(tmp_path):
    instance = tmp_path / "srv" / "instance"
    env = _clean_env(VOTING_INSTANCE_DIR=str(instance), VOTING_KEY_DIR=str(tmp_path / "keys"))
    init = subprocess.run([EXE, "init-db"], cwd=tmp_path, env=env, text=True,
                          capture_output=True, timeout=120)
    assert init.returncode == 0, init.stderr
    assert (instance / "voting.db").is_file()
    assert (tmp_path / "keys" / "staff-totp.key").stat().st_mode & 0o077 == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    listed = subprocess.run([EXE, "elections", "list"], cwd=elsewhere, env=env, text=True,
                            capture_output=True, timeout=60)
    assert listed.returncode == 0 and "No election." in listed.stdout
    # A transition needs the key folder: without VOTING_KEY_DIR, ./keys must exist (it is
    # named, never created where the command happens to run).
    del env["VOTING_KEY_DIR"]
    moved = subprocess.run([EXE, "elections", "transition", "x", "frozen"], cwd=elsewhere,
                           env=env, text=True, capture_output=True, timeout=60)
    assert moved.returncode == 2 and "no key folder at" in moved.stderr
    assert list(elsewhere.iterdir()) == []


def test_an_unreachable_database_is_a_clear_error(tmp_path):
    env = _clean_env(VOTING_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:9/none")
    result = subprocess.run([EXE, "elections", "list"], cwd=tmp_path, env=env, text=True,
                            capture_output=True, timeout=60)
    assert result.returncode == 2 and "cannot use the database" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("env_extra, message", [
    ({}, "VOTING_SECRET_KEY is required in production"),
    ({"VOTING_SECRET_KEY": "short"}, "at least 32 characters"),
    ({"VOTING_SECRET_KEY": "k" * 40, "VOTING_SESSION_HOURS": "eight"}, "VOTING_SESSION_HOURS"),
])
def test_serve_checks_its_settings_before_binding(tmp_path, env_extra, message):
    instance, keys = tmp_path / "instance", tmp_path / "keys"
    env = _clean_env(VOTING_INSTANCE_DIR=str(instance), VOTING_KEY_DIR=str(keys))
    assert subprocess.run([EXE, "init-db"], cwd=tmp_path, env=env, capture_output=True,
                          timeout=120).returncode == 0
    env.update(env_extra)
    result = subprocess.run([EXE, "serve", "--bind", "127.0.0.1:0"], cwd=tmp_path, env=env,
                            text=True, capture_output=True, timeout=60)
    assert result.returncode == 2
    assert message in result.stderr and "Serving on" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "Booting worker" not in result.stderr


def test_serve_refuses_an_empty_database(tmp_path):
    env = _clean_env(VOTING_MODE="development", VOTING_INSTANCE_DIR=str(tmp_path / "i"),
                     VOTING_KEY_DIR=str(tmp_path))
    result = subprocess.run([EXE, "serve", "--bind", "127.0.0.1:0"], cwd=tmp_path, env=env,
                            text=True, capture_output=True, timeout=60)
    assert result.returncode == 2 and "no database at" in result.stderr
    assert not (tmp_path / "i").exists()


def test_help_lists_lazy_groups_with_their_own_words_without_importing_them():
    import click

    # (A module the command line registered lazily is a _LazyModule until first used;
    # reading any of its attributes would load it, so only its type is looked at.)
    probe = ("import sys; from voting_service.cli import main; "
             "main(['--help'], standalone_mode=False); "
             "print(sorted(m for m in ('sqlalchemy', 'flask', 'reportlab', "
             "'voting_service.domain.staff', 'voting_service.commands.rehearse', "
             "'voting_service.commands.staff') if m in sys.modules and "
             "type(sys.modules[m]).__name__ != '_LazyModule'))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60, env=_clean_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
    ctx = click.Context(main)
    for name, (_target, short_help) in main.lazy_commands.items():
        command = main.get_command(ctx, name)
        assert command.get_short_help_str(limit=300) == \
            click.Command(name, help=short_help).get_short_help_str(limit=300), name
