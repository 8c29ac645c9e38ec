"""The credential authority's command on its own: no database, signed output, letters whose
codes and QR codes match what the public file says."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import nacl.pwhash
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.authority.helpers import read_letters
from voting_service.authority.files import (LIST, REISSUE, AuthorityConflict, AuthorityError,
                                            ExtractVoter, extract_json, parse_public_file,
                                            sign_public_file, PublicEntry)
from voting_service.authority.generate import generate
from voting_service.crypto.credential import derive_credential
from voting_service.letters import LetterElection, parse_checkin_payload
from voting_service.record.canonical import canonical_bytes
from voting_service.record.credentials import (authority_signature_valid, list_message,
                                               reissue_message)

FINGERPRINT = bytes(range(32))
TEMPLATE = LetterElection(
    city="Orléans", title="Budget participatif 2027",
    starts_at=datetime(2027, 5, 3, 7, tzinfo=timezone.utc),
    ends_at=datetime(2027, 5, 16, 16, tzinfo=timezone.utc),
    polling_points=[("Mairie", "1 place de l'Étape, 45000 Orléans")],
    online_url="https://vote.orleans.fr/")
VOTERS = [ExtractVoter(f"V00{n}", f"Camille Exemple {n}", (f"{n} rue Jeanne-d'Arc", "45000 Orléans"),
                       ["gare", "ville"] if n % 2 else ["ville"], None) for n in range(1, 6)]
REVOKED = "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"  # the base point


def write_extract(path: Path, purpose=LIST, voters=VOTERS, **changes) -> Path:
    body = extract_json("bp-2027", FINGERPRINT.hex(), purpose, TEMPLATE, voters)
    body.update(changes)
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


@pytest.fixture
def generated(tmp_path):
    extract = write_extract(tmp_path / "extract.json")
    report = generate(extract, tmp_path / "letters", tmp_path / "public.json",
                      tmp_path / "authority" / "authority.key", workers=2, batch_size=2)
    return report, tmp_path


def test_the_public_file_matches_the_letters_and_is_signed(generated):
    report, tmp_path = generated
    assert report.letters == 5 and len(report.files) == 3 and report.key_created
    body = json.loads((tmp_path / "public.json").read_text())
    public = parse_public_file(body)
    assert public.authority_key == report.authority_key == body["authority_key"]
    assert (public.election, public.fingerprint) == ("bp-2027", FINGERPRINT.hex())
    # The list signature is exactly what the record's verifier checks.
    listed = [{"credential": e["credential"], "questions": e["questions"]}
              for e in body["credentials"]]
    assert listed == sorted(listed, key=lambda e: e["credential"])
    assert authority_signature_valid(report.authority_key, list_message(FINGERPRINT, listed),
                                     body["list_signature"])
    letters = read_letters(report.files, [v.voter_number for v in VOTERS])
    entries = {e.voter_number: e for e in public.credentials}
    assert sorted(letters) == sorted(entries) == [v.voter_number for v in VOTERS]
    text = (tmp_path / "public.json").read_text()
    for voter in VOTERS:
        code, payload = letters[voter.voter_number]
        entry = entries[voter.voter_number]
        derived = derive_credential(code, FINGERPRINT)
        assert entry.credential == derived.public.hex() and entry.questions == voter.questions
        assert nacl.pwhash.verify(entry.login_hash.encode(), derived.login_token)
        scanned = parse_checkin_payload(payload)
        assert (scanned.election_id, scanned.voter_number) == ("bp-2027", voter.voter_number)
        assert scanned.secret_hash == entry.checkin_hash
        secret = payload.rsplit(":", 1)[1]
        assert code not in text and derived.code not in text and secret not in text


def test_files_and_key_are_private(generated):
    _report, tmp_path = generated
    for path in (tmp_path / "public.json", tmp_path / "authority" / "authority.key"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert len((tmp_path / "authority" / "authority.key").read_bytes()) == 32


def test_the_key_is_reused_and_must_be_private(generated):
    report, tmp_path = generated
    again = generate(write_extract(tmp_path / "e2.json"), tmp_path / "l2", tmp_path / "p2.json",
                     tmp_path / "authority" / "authority.key")
    assert again.authority_key == report.authority_key and not again.key_created
    os.chmod(tmp_path / "authority" / "authority.key", 0o644)
    with pytest.raises(AuthorityError) as caught:
        generate(tmp_path / "e2.json", tmp_path / "l3", tmp_path / "p3.json",
                 tmp_path / "authority" / "authority.key")
    assert caught.value.code == "key_exposed" and not (tmp_path / "l3").exists()


def test_nothing_is_overwritten_or_mixed(generated):
    _report, tmp_path = generated
    extract = write_extract(tmp_path / "e2.json")
    before = sorted(p.name for p in (tmp_path / "letters").iterdir())
    for letters, public, code in ((tmp_path / "letters", tmp_path / "new.json", "letters_not_empty"),
                                  (tmp_path / "new", tmp_path / "public.json", "file_exists")):
        with pytest.raises(AuthorityConflict) as caught:
            generate(extract, letters, public, tmp_path / "k.key")
        assert caught.value.code == code and caught.value.exit_code == 5
    assert sorted(p.name for p in (tmp_path / "letters").iterdir()) == before
    assert not (tmp_path / "new.json").exists() and not (tmp_path / "k.key").exists()


def test_a_reissue_is_signed_as_the_record_expects(tmp_path):
    voter = ExtractVoter("V002", "Léo Durand", ("8 avenue de la Gare", "45000 Orléans"),
                         ["gare", "ville"], REVOKED)
    extract = write_extract(tmp_path / "extract.json", REISSUE, [voter])
    report = generate(extract, tmp_path / "letters", tmp_path / "public.json", tmp_path / "a.key")
    body = json.loads((tmp_path / "public.json").read_text())
    assert "credentials" not in body and "list_signature" not in body
    public = parse_public_file(body)
    entry = public.reissue
    assert (entry.voter_number, entry.revoked, entry.questions) == ("V002", REVOKED,
                                                                    ["gare", "ville"])
    assert authority_signature_valid(report.authority_key, reissue_message(
        FINGERPRINT, REVOKED, entry.credential, entry.questions), entry.signature)
    [(code, payload)] = read_letters(report.files, ["V002"]).values()
    assert derive_credential(code, FINGERPRINT).public.hex() == entry.credential
    assert parse_checkin_payload(payload).secret_hash == entry.checkin_hash


@pytest.mark.parametrize("change, code", [
    (dict(format="something/else"), "invalid_extract"),
    (dict(version=2), "invalid_extract"),
    (dict(election="BP 2027"), "invalid_extract"),
    (dict(fingerprint="00"), "invalid_extract"),
    (dict(purpose="all"), "invalid_extract"),
    (dict(voters=[]), "invalid_extract"),
    (dict(extra=1), "invalid_extract"),
])
def test_a_malformed_extract_is_refused_before_anything_is_written(tmp_path, change, code):
    extract = write_extract(tmp_path / "extract.json", **change)
    with pytest.raises(AuthorityError) as caught:
        generate(extract, tmp_path / "letters", tmp_path / "public.json", tmp_path / "a.key")
    assert caught.value.code == code and caught.value.exit_code == 3
    assert not (tmp_path / "letters").exists() and not (tmp_path / "a.key").exists()


def test_bad_voters_in_an_extract_are_refused(tmp_path):
    twice = [VOTERS[0], VOTERS[0]]
    lower = [ExtractVoter("v001", "A", ("x",), ["ville"], None)]
    unsorted = [ExtractVoter("V001", "A", ("x",), ["ville", "gare"], None)]
    no_revoked = [ExtractVoter("V001", "A", ("x",), ["ville"], None)]
    for purpose, voters in ((LIST, twice), (LIST, lower), (LIST, unsorted),
                            (REISSUE, no_revoked), (REISSUE, VOTERS[:2])):
        extract = write_extract(tmp_path / "extract.json", purpose, voters)
        with pytest.raises(AuthorityError):
            generate(extract, tmp_path / "letters", tmp_path / "public.json", tmp_path / "a.key")
    for text in ("not json", ""):
        (tmp_path / "bad.json").write_text(text)
        with pytest.raises(AuthorityError) as caught:
            generate(tmp_path / "bad.json", tmp_path / "letters", tmp_path / "p.json",
                     tmp_path / "a.key")
        assert caught.value.code == "malformed_json"
    assert not (tmp_path / "letters").exists()


def _resign(body: dict, key: Ed25519PrivateKey) -> dict:
    body = {k: v for k, v in body.items() if k != "signature"}
    body["signature"] = key.sign(canonical_bytes(body)).hex()
    return body


def test_tampered_public_files_are_refused(generated):
    _report, tmp_path = generated
    body = json.loads((tmp_path / "public.json").read_text())
    parse_public_file(body)
    tampered = json.loads(json.dumps(body))
    tampered["credentials"][0]["checkin_hash"] = "0" * 64
    with pytest.raises(AuthorityError) as caught:
        parse_public_file(tampered)
    assert caught.value.code == "bad_signature"
    # Someone else re-signs the whole file under their own key, keeping the list signature:
    # the list no longer verifies under the key the file names.
    mallory = Ed25519PrivateKey.generate()
    stolen = _resign(dict(body, authority_key=mallory.public_key().public_bytes_raw().hex()),
                     mallory)
    with pytest.raises(AuthorityError) as caught:
        parse_public_file(stolen)
    assert caught.value.code == "bad_signature"
    for broken in (dict(body, signature="zz"), {k: v for k, v in body.items() if k != "signature"},
                   dict(body, credentials=[]), [body]):
        with pytest.raises(AuthorityError):
            parse_public_file(broken)


def test_cheaper_login_hashes_are_refused(tmp_path):
    key = Ed25519PrivateKey.generate()
    weak = nacl.pwhash.argon2id.str(b"t" * 32, opslimit=1, memlimit=8192).decode()
    entry = PublicEntry("V001", REVOKED, ["ville"], weak, "0" * 64)
    with pytest.raises(AuthorityError) as caught:
        parse_public_file(sign_public_file(key, "bp-2027", FINGERPRINT, [entry], None))
    assert caught.value.code == "invalid_public_file"


BLOCKER = """
import sys

class Blocked:
    def find_spec(self, name, path=None, target=None):
        for prefix in ("sqlalchemy", "flask", "alembic", "psycopg", "voting_service.store",
                       "voting_service.domain", "voting_service.web", "voting_service.cli",
                       "voting_service.commands"):
            if name == prefix or name.startswith(prefix + "."):
                raise ImportError(f"the authority must not import {name}")
        return None

sys.meta_path.insert(0, Blocked())
sys.argv = ["voting-service"] + sys.argv[1:]
from voting_service.entry import main
try:
    main()
finally:
    loaded = sorted(m for m in sys.modules if m.startswith(("sqlalchemy", "voting_service.domain", "voting_service.store")))
    assert not loaded, loaded
"""


def test_the_command_runs_without_any_database_code(tmp_path):
    extract = write_extract(tmp_path / "extract.json")
    result = subprocess.run(
        [sys.executable, "-c", BLOCKER, "credentials", "generate", str(extract),
         "--letters", str(tmp_path / "letters"), "--public", str(tmp_path / "public.json"),
         "--key", str(tmp_path / "a.key"), "--workers", "1"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "5 letter(s) for bp-2027" in result.stdout
    parse_public_file(json.loads((tmp_path / "public.json").read_text()))
    # And a refusal is an exit code, not a traceback.
    again = subprocess.run(
        [sys.executable, "-c", BLOCKER, "credentials", "generate", str(extract),
         "--letters", str(tmp_path / "letters"), "--public", str(tmp_path / "other.json"),
         "--key", str(tmp_path / "a.key")], capture_output=True, text=True, timeout=300)
    assert again.returncode == 5 and "Error (letters_not_empty)" in again.stderr


def test_letters_that_cannot_be_laid_out_are_a_clear_error(tmp_path):
    extract = write_extract(tmp_path / "extract.json")
    body = json.loads(extract.read_text())
    body["letter"]["polling_points"] = [[f"Point {n}", f"{n} rue de la Paix, 45000 Orléans"]
                                        for n in range(40)]
    extract.write_text(json.dumps(body))
    for workers in (1, 2):
        with pytest.raises(AuthorityError) as caught:
            generate(extract, tmp_path / "letters", tmp_path / "public.json", tmp_path / "a.key",
                     workers=workers, batch_size=2)
        assert caught.value.code == "layout_error"
        assert not list((tmp_path / "letters").iterdir()) and not (tmp_path / "public.json").exists()


def test_the_letters_folder_must_be_private(generated):
    _report, tmp_path = generated
    assert stat.S_IMODE((tmp_path / "letters").stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "letters").iterdir()} == {0o600}
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    with pytest.raises(AuthorityError) as caught:
        generate(write_extract(tmp_path / "e2.json"), shared, tmp_path / "p2.json",
                 tmp_path / "authority" / "authority.key")
    assert caught.value.code == "letters_folder_exposed"
    assert list(shared.iterdir()) == [] and not (tmp_path / "p2.json").exists()


def test_reveal_hands_back_exactly_the_printed_codes_in_process(tmp_path):
    """`rehearse` plays the voters, so it asks `generate` for the codes it printed."""
    revealed = {}
    generate(write_extract(tmp_path / "extract.json"), tmp_path / "letters",
             tmp_path / "public.json", tmp_path / "authority.key", workers=1, batch_size=2,
             reveal=lambda number, code, qr: revealed.__setitem__(number, (code, qr)))
    printed = read_letters(sorted((tmp_path / "letters").iterdir()),
                           [v.voter_number for v in VOTERS])
    assert revealed == printed
    public = parse_public_file(json.loads((tmp_path / "public.json").read_text()))
    for entry in public.credentials:
        code, _ = revealed[entry.voter_number]
        assert derive_credential(code, FINGERPRINT).public.hex() == entry.credential


def test_reveal_needs_one_process(tmp_path):
    with pytest.raises(ValueError, match="workers=1"):
        generate(write_extract(tmp_path / "extract.json"), tmp_path / "letters",
                 tmp_path / "public.json", tmp_path / "authority.key", workers=2,
                 reveal=lambda *a: None)
    assert not (tmp_path / "letters").exists() and not (tmp_path / "authority.key").exists()


def test_the_command_as_the_issue_names_it_keeps_its_key_beside_it(tmp_path, monkeypatch):
    """`credentials generate EXTRACT --letters DIR --public OUT`, no --key: the key is
    created 0600 as authority.key in the working folder, and reused on the next run."""
    from click.testing import CliRunner

    from voting_service.authority.cli import generate_command

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VOTING_AUTHORITY_KEY", raising=False)
    extract = write_extract(tmp_path / "extract.json")
    result = CliRunner().invoke(generate_command, [str(extract), "--letters", "lettres",
                                                   "--public", "public.json"])
    assert result.exit_code == 0, result.output
    key = tmp_path / "authority.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    public = json.loads((tmp_path / "public.json").read_text())
    assert public["authority_key"] in result.output
