"""`voting-service credentials extract | generate | import`: the authority path from the
command line, with the documented exit codes."""

import json
import stat

import pytest
from click.testing import CliRunner

from tests.voters_helpers import HEADER, ROWS, import_text, make_election
from voting_service.cli import main
from voting_service.domain import elections
from voting_service.store.db import transaction
from voting_service.store.models import Credential


@pytest.fixture
def cli(db_url, factory, monkeypatch):
    monkeypatch.setenv("VOTING_DATABASE_URL", db_url)
    runner = CliRunner()

    def run(*args, code=0):
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_extract_generate_import(cli, factory, tmp_path):
    slug = make_election(factory, status="draft")
    import_text(factory, slug, HEADER + ROWS)
    cli("elections", "transition", slug, "frozen")
    server, authority = tmp_path / "server", tmp_path / "authority"
    server.mkdir()
    authority.mkdir()
    extract = server / "extract.json"
    assert "3 voter(s) extracted" in cli("credentials", "extract", slug, extract,
                                         "--online-url", "https://vote.example.fr/")
    assert stat.S_IMODE(extract.stat().st_mode) == 0o600
    assert "Error (file_exists)" in cli("credentials", "extract", slug, extract, code=5)
    out = cli("credentials", "generate", extract, "--letters", authority / "letters",
              "--public", authority / "public.json", "--key", authority / "a.key",
              "--workers", "1")
    assert "3 letter(s) for bp-test-2027 in 1 file(s)" in out
    key = json.loads((authority / "public.json").read_text())["authority_key"]
    assert key in out
    tampered = json.loads((authority / "public.json").read_text())
    tampered["credentials"][0]["login_hash"] = tampered["credentials"][1]["login_hash"]
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    assert "Error (bad_signature)" in cli("credentials", "import", slug,
                                          tmp_path / "tampered.json", code=3)
    (tmp_path / "notes.txt").write_text("not json")
    assert "Error (malformed_json)" in cli("credentials", "import", slug,
                                           tmp_path / "notes.txt", code=3)
    # The extract itself is no public file.
    assert "Error (invalid_public_file)" in cli("credentials", "import", slug, extract, code=3)
    out = cli("credentials", "import", slug, authority / "public.json")
    assert "3 credential(s) imported" in out and key in out
    assert "Error (list_already_imported)" in cli("credentials", "import", slug,
                                                  authority / "public.json", code=5)
    assert "Error (credential_path_conflict)" in cli("credentials", "issue", slug, "--letters",
                                                     tmp_path / "l", code=5)
    # A lost letter: the authority reissues it.
    cli("credentials", "extract", slug, server / "v002.json", "--reissue", "v002")
    cli("credentials", "generate", server / "v002.json", "--letters", authority / "v002",
        "--public", authority / "v002.json", "--key", authority / "a.key")
    assert "Reissue for V002 imported" in cli("credentials", "import", slug,
                                              authority / "v002.json")
    assert "Error (not_active_credential)" in cli("credentials", "import", slug,
                                                  authority / "v002.json", code=5)
    listing = json.loads(cli("credentials", "list", slug))
    assert len(listing["revoked"]) == 1 and len(listing["questions"]["ville"]) == 3
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        assert election.authority_key == key
        assert db.query(Credential).filter_by(election_id=election.id).count() == 4
    assert "Error (voter_not_found)" in cli("credentials", "extract", slug,
                                            server / "x.json", "--reissue", "V404", code=4)
