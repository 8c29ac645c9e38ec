"""`voting-service voters …` and `credentials …` from the command line."""

import json

import pytest
from click.testing import CliRunner

from tests.voters_helpers import HEADER, ROWS, make_election
from voting_service.cli import main


@pytest.fixture
def cli(db_url, factory, monkeypatch, tmp_path):
    monkeypatch.setenv("VOTING_DATABASE_URL", db_url)
    monkeypatch.setenv("VOTING_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("VOTING_PUBLIC_URL", "https://vote.villeneuve-essai.fr/")
    runner = CliRunner()

    def run(*args, code=0):
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_roll_and_credentials_from_the_command_line(cli, factory, tmp_path):
    slug = make_election(factory, status="draft")
    roll = tmp_path / "roll.csv"
    roll.write_text(HEADER + ROWS + "V009;X;Y;99/99/1999;r;45000;centre\n", encoding="utf-8")
    report = json.loads(cli("voters", "import", slug, roll, "--json"))
    assert report["imported"] == 4 and report["rejected"][0]["line"] == 6
    text = cli("voters", "import", slug, roll)
    assert "unchanged 4, rejected 1" in text and "line 6:" in text
    rejected = cli("voters", "import", slug, roll, "--all-or-nothing", "--json", code=3)
    assert json.loads(rejected)["imported"] == 0
    assert "V003: eligible (inclus par un administrateur" in cli(
        "voters", "override", slug, "V003", "include", "--reason", "conseil des jeunes")
    assert "1 decision(s) changed" in cli("voters", "rules", slug, "--min-age", "30")
    shown = json.loads(cli("voters", "show", slug, "v002"))
    assert shown["eligible"] is False and "moins de 30 ans" in shown["reason"]
    cli("elections", "transition", slug, "frozen")
    out = cli("credentials", "issue", slug, "--letters", tmp_path / "letters", "--workers", "1")
    assert "3 credential(s) issued" in out
    listing = json.loads(cli("credentials", "list", slug))
    assert len(listing["questions"]["ville"]) == 3
    assert "New letter for V001" in cli("credentials", "reissue", slug, "v001",
                                        "--letters", tmp_path / "letters")
    assert "no failed login to forget" in cli("voters", "unlock", slug, "V001")
    assert "certified" in cli("voters", "purge", slug, "--yes", code=5)
    assert "no voter" in cli("voters", "show", slug, "V404", code=4)


def test_production_letters_need_the_public_url(cli, factory, tmp_path, monkeypatch):
    from voting_service.store.db import transaction
    from voting_service.store.models import Credential

    slug = make_election(factory, status="draft")
    roll = tmp_path / "roll.csv"
    roll.write_text(HEADER + ROWS, encoding="utf-8")
    cli("voters", "import", slug, roll)
    cli("elections", "transition", slug, "frozen")
    monkeypatch.delenv("VOTING_PUBLIC_URL")
    monkeypatch.delenv("VOTING_MODE", raising=False)   # production is the default
    letters = tmp_path / "letters"
    for command in (["issue", slug], ["reissue", slug, "V001"]):
        out = cli("credentials", *command, "--letters", letters, code=2)
        assert "VOTING_PUBLIC_URL is required in production" in out
    # The authority path prints the address its extract carries.
    out = cli("credentials", "extract", slug, tmp_path / "extract.json", code=2)
    assert "VOTING_PUBLIC_URL is required in production" in out
    assert "must be an http(s) address" in cli("credentials", "issue", slug, "--letters",
                                               letters, "--online-url", "vote.fr", code=2)
    assert not letters.exists() and not (tmp_path / "extract.json").exists()
    with transaction(factory) as db:
        assert db.query(Credential).count() == 0
    out = cli("credentials", "issue", slug, "--letters", letters, "--workers", "1",
              "--online-url", "https://vote.villeneuve-essai.fr/")
    assert "3 credential(s) issued" in out
