"""The credential-authority path end to end: the server extracts the roll, the authority
generates letters on its own (no database), the server imports the signed public file. The
server never sees a code; the letters still log voters in and check them in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.authority.helpers import read_letters
from tests.factories import advance
from tests.domain.test_credentials import database_text
from tests.voters_helpers import HEADER, ROWS, birth, import_text, make_election
from voting_service.authority.files import (PublicEntry, read_json, sign_public_file,
                                            write_private_json)
from voting_service.authority.generate import generate
from voting_service.crypto.credential import derive_credential, generate_letter_code
from voting_service.domain import (credential_authority, credentials, elections, register,
                                   voter_auth, voter_roll)
from voting_service.domain.errors import Conflict, InvalidInput
from voting_service.letters.checkin_code import parse_checkin_payload
from voting_service.record.canonical import canonical_bytes
from voting_service.record.credentials import (authority_signature_valid, list_message,
                                               reissue_message)
from voting_service.store.db import transaction
from voting_service.store.models import AuditEntry, Credential, RecordEvent, Voter

BIRTHS = {"V001": "1980-03-12", "V002": "2001-07-30", "V004": "1990-05-15"}
URL = "https://vote.example.fr/"


class Authority:
    """The authority's machine: its own folder and key, reached only through files."""

    def __init__(self, folder: Path, key: Path | None = None):
        self.folder, self.key, self.runs = folder, key or folder / "authority.key", 0
        folder.mkdir()

    def generate(self, extract: Path):
        self.runs += 1
        letters = self.folder / f"letters-{self.runs}"
        public = self.folder / f"public-{self.runs}.json"
        report = generate(extract, letters, public, self.key, workers=1, batch_size=2)
        return report, public


def _extract(factory, slug, path: Path, voter=None) -> Path:
    with transaction(factory) as db:
        body = credential_authority.extract(db, slug, URL, voter)
    path.parent.mkdir(exist_ok=True)
    write_private_json(path, body)
    return path


def _import(factory, slug, public: Path):
    with transaction(factory) as db:
        return credential_authority.import_public_file(db, "cli:dsi", slug,
                                                       read_json(public, "public file"),
                                                       public.name)


def _frozen_roll(factory):
    slug = make_election(factory, status="draft")
    import_text(factory, slug, HEADER + ROWS)
    with transaction(factory) as db:
        advance(db, slug, "frozen")
    return slug


@pytest.fixture
def imported(factory, tmp_path):
    slug = _frozen_roll(factory)
    authority = Authority(tmp_path / "authority")
    extract = _extract(factory, slug, tmp_path / "server" / "extract.json")
    report, public = authority.generate(extract)
    outcome = _import(factory, slug, public)
    return slug, authority, report, public, outcome, tmp_path


def _login(factory, slug, number, code):
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        token = derive_credential(code, bytes.fromhex(election.fingerprint)).login_token
        return voter_auth.login(db, election, number, token, birth(BIRTHS[number]), "10.0.0.1")


def _rows(factory, slug):
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        numbers = dict(db.query(Voter.id, Voter.voter_number).filter_by(election_id=election.id))
        return election, [(numbers.get(c.voter_id), c.public_key, c.status, c.questions,
                           c.checkin_hash, c.replaces, c.reissue_signature)
                          for c in db.query(Credential).filter_by(election_id=election.id)
                          .order_by(Credential.id)]


def test_the_server_never_sees_a_code_yet_the_letters_work(factory, imported):
    slug, _authority, report, public, outcome, tmp_path = imported
    assert outcome.imported == 3 and outcome.authority_key == report.authority_key
    extract = tmp_path / "server" / "extract.json"
    assert oct(extract.stat().st_mode & 0o777) == "0o600"
    assert sorted(v["voter_number"] for v in json.loads(extract.read_text())["voters"]) == \
        ["V001", "V002", "V004"]   # V003 is too young
    letters = read_letters(report.files, list(BIRTHS))
    assert sorted(letters) == sorted(BIRTHS)
    election, rows = _rows(factory, slug)
    assert (election.credential_path, election.authority_key) == ("authority",
                                                                  report.authority_key)
    # What the opening will put in the record verifies as the authority's list.
    listed = sorted(({"credential": public_key, "questions": questions}
                     for _n, public_key, _s, questions, *_ in rows),
                    key=lambda e: e["credential"])
    assert authority_signature_valid(election.authority_key, list_message(
        bytes.fromhex(election.fingerprint), listed), election.authority_list_signature)
    by_number = {row[0]: row for row in rows}
    fingerprint = bytes.fromhex(election.fingerprint)
    for number, (code, payload) in letters.items():
        assert by_number[number][1] == derive_credential(code, fingerprint).public.hex()
        assert _login(factory, slug, number, code).ok
        assert parse_checkin_payload(payload).secret_hash == by_number[number][4]
    # No code and no check-in secret anywhere on the server's side.
    server_side = [database_text(factory), public.read_text(), extract.read_text()]
    for code, payload in letters.values():
        secret = payload.rsplit(":", 1)[1]
        for text in server_side:
            assert code not in text and code.replace("-", "") not in text and secret not in text
    with transaction(factory) as db:
        assert db.query(AuditEntry).filter_by(action="credentials.import").count() == 1


def test_server_issuance_is_refused_once_the_authority_holds_the_list(factory, imported):
    slug, _authority, _report, _public, _outcome, tmp_path = imported
    with pytest.raises(Conflict) as caught:
        credentials.issue_credentials(factory, "x", slug, tmp_path / "l", URL, workers=1)
    assert caught.value.code == "credential_path_conflict"


def test_an_authority_import_is_refused_on_a_server_election(factory, tmp_path):
    slug = _frozen_roll(factory)
    extract = _extract(factory, slug, tmp_path / "extract.json")
    _report, public = Authority(tmp_path / "authority").generate(extract)
    credentials.issue_credentials(factory, "x", slug, tmp_path / "l", URL, workers=1)
    before = _rows(factory, slug)[1]
    with pytest.raises(Conflict) as caught:
        _import(factory, slug, public)
    assert caught.value.code == "credential_path_conflict"
    assert _rows(factory, slug)[1] == before
    with pytest.raises(Conflict) as caught:
        _extract(factory, slug, tmp_path / "again.json")
    assert caught.value.code == "credential_path_conflict"


def _refused(factory, slug, public, error, code):
    before = _rows(factory, slug)
    with transaction(factory) as db:
        audit_before = db.query(AuditEntry).count()
    with pytest.raises(error) as caught:
        _import(factory, slug, public)
    assert caught.value.code == code
    assert _rows(factory, slug)[1] == before[1]
    with transaction(factory) as db:
        assert db.query(AuditEntry).count() == audit_before


def test_a_tampered_public_file_changes_nothing(factory, tmp_path):
    slug = _frozen_roll(factory)
    _report, public = Authority(tmp_path / "a").generate(_extract(factory, slug,
                                                                  tmp_path / "e.json"))
    body = json.loads(public.read_text())
    for change in ({"checkin_hash": "0" * 64}, {"voter_number": "V003"},
                   {"questions": ["gare"]}):
        tampered = json.loads(json.dumps(body))
        tampered["credentials"][0].update(change)
        path = tmp_path / "tampered.json"
        path.write_text(json.dumps(tampered))
        _refused(factory, slug, path, InvalidInput, "bad_signature")
    # A file the authority signed, but for another election.
    other = dict(body, election="bp-other-2027")
    del other["signature"]
    key = Ed25519PrivateKey.from_private_bytes((tmp_path / "a" / "authority.key").read_bytes())
    other["signature"] = key.sign(canonical_bytes(other)).hex()
    path.write_text(json.dumps(other))
    _refused(factory, slug, path, InvalidInput, "wrong_election")
    assert _rows(factory, slug)[0].credential_path is None


def test_a_wrong_fingerprint_is_refused(factory, tmp_path):
    slug = _frozen_roll(factory)
    extract = _extract(factory, slug, tmp_path / "e.json")
    body = json.loads(extract.read_text())
    body["fingerprint"] = "ab" * 32      # made for another manifest
    extract.write_text(json.dumps(body))
    _report, public = Authority(tmp_path / "a").generate(extract)
    _refused(factory, slug, public, InvalidInput, "wrong_fingerprint")


def test_the_list_is_imported_once_and_must_match_the_roll(factory, imported):
    slug, authority, _report, public, _outcome, tmp_path = imported
    _refused(factory, slug, public, Conflict, "list_already_imported")
    with pytest.raises(Conflict) as caught:
        _extract(factory, slug, tmp_path / "again.json")
    assert caught.value.code == "list_already_imported"


def test_a_roll_change_since_the_extract_refuses_the_whole_list(factory, tmp_path):
    slug = _frozen_roll(factory)
    _report, public = Authority(tmp_path / "a").generate(_extract(factory, slug,
                                                                  tmp_path / "e.json"))
    with transaction(factory) as db:
        voter_roll.set_override(db, "staff:anne", elections.get_election(db, slug, lock=True),
                                "V002", "exclude", "a déménagé")
    _refused(factory, slug, public, Conflict, "roll_changed")


def _reissue(factory, slug, authority, tmp_path, number, name="reissue.json"):
    extract = _extract(factory, slug, tmp_path / "server" / name, number)
    return authority.generate(extract)


def test_a_reissue_replaces_the_credential_and_both_letters_part(factory, imported):
    slug, authority, report, _public, _outcome, tmp_path = imported
    old_code, old_qr = read_letters(report.files, ["V002"])["V002"]
    new_report, new_public = _reissue(factory, slug, authority, tmp_path, "v002")
    outcome = _import(factory, slug, new_public)
    assert outcome.reissue_of == "V002"
    new_code, new_qr = read_letters(new_report.files, ["V002"])["V002"]
    election, rows = _rows(factory, slug)
    [old] = [r for r in rows if r[0] == "V002" and r[2] == "revoked"]
    [new] = [r for r in rows if r[0] == "V002" and r[2] == "active"]
    assert new[5] == old[1]
    assert authority_signature_valid(election.authority_key, reissue_message(
        bytes.fromhex(election.fingerprint), old[1], new[1], new[3]), new[6])
    assert not _login(factory, slug, "V002", old_code).ok
    assert _login(factory, slug, "V002", new_code).ok
    assert parse_checkin_payload(new_qr).secret_hash == new[4]
    assert parse_checkin_payload(old_qr).secret_hash != new[4]
    # Frozen: the record gets the reissue at opening, from `replaces`.
    with transaction(factory) as db:
        assert db.query(RecordEvent).filter_by(type="credential_reissued").count() == 0
    # The same reissue again, or another one of the revoked credential, is refused.
    _refused(factory, slug, new_public, Conflict, "not_active_credential")


def test_a_reissue_once_open_goes_into_the_record_signed(factory, imported):
    slug, authority, _report, _public, _outcome, tmp_path = imported
    with transaction(factory) as db:
        advance(db, slug, "open")
    _new_report, new_public = _reissue(factory, slug, authority, tmp_path, "V001")
    _import(factory, slug, new_public)
    election, rows = _rows(factory, slug)
    [new] = [r for r in rows if r[0] == "V001" and r[2] == "active"]
    with transaction(factory) as db:
        [line] = [json.loads(e.line) for e in db.query(RecordEvent).filter_by(
            election_id=election.id, type="credential_reissued")]
    assert line["body"] == {"revoked": new[5], "credential": new[1], "questions": new[3],
                            "signature": new[6]}


def test_a_reissue_signed_by_a_foreign_key_is_refused(factory, imported):
    slug, _authority, _report, _public, _outcome, tmp_path = imported
    mallory = Authority(tmp_path / "mallory")
    _report, public = _reissue(factory, slug, mallory, tmp_path, "V001")
    _refused(factory, slug, public, InvalidInput, "foreign_authority_key")


def test_no_reissue_after_check_in_or_close(factory, imported):
    slug, authority, _report, _public, _outcome, tmp_path = imported
    _r, public = _reissue(factory, slug, authority, tmp_path, "V004")
    with transaction(factory) as db:
        advance(db, slug, "open")
        election = elections.get_election(db, slug)
        voter = db.query(Voter).filter_by(election_id=election.id, voter_number="V004").one()
        register.check_in(db, election, voter.id, "mairie", "officer:a")
    with pytest.raises(Conflict) as caught:
        _extract(factory, slug, tmp_path / "late.json", "V004")
    assert caught.value.code == "already_checked_in"
    _refused(factory, slug, public, Conflict, "already_checked_in")
    _r, public = _reissue(factory, slug, authority, tmp_path, "V001", "v1.json")
    with transaction(factory) as db:
        advance(db, slug, "closed")
    _refused(factory, slug, public, Conflict, "cannot_issue")


def _authority_key(authority: Authority) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(authority.key.read_bytes())


def test_signed_files_must_still_fit_the_roll(factory, imported):
    """Even files the authority did sign are checked against the roll."""
    slug, authority, _report, public, _outcome, tmp_path = imported
    key = _authority_key(authority)
    body = json.loads(public.read_text())
    entries = {e["voter_number"]: e for e in body["credentials"]}
    with transaction(factory) as db:
        fingerprint = bytes.fromhex(elections.get_election(db, slug).fingerprint)

    def entry(number, credential, questions):
        e = entries[number]
        return PublicEntry(number, credential, questions, e["login_hash"], e["checkin_hash"])

    path = tmp_path / "signed.json"
    # A reissue whose new credential is another voter's.
    path.write_text(json.dumps(sign_public_file(
        key, slug, fingerprint, [entry("V001", entries["V004"]["credential"],
                                       entries["V001"]["questions"])],
        entries["V001"]["credential"])))
    _refused(factory, slug, path, InvalidInput, "credential_reused")
    # A reissue for other questions than the voter's.
    path.write_text(json.dumps(sign_public_file(
        key, slug, fingerprint,
        [entry("V004", derive_credential(generate_letter_code(), fingerprint).public.hex(),
               ["gare", "ville"])],
        entries["V004"]["credential"])))
    _refused(factory, slug, path, Conflict, "roll_changed")


def test_a_signed_list_naming_someone_off_the_roll_is_refused(factory, tmp_path):
    slug = _frozen_roll(factory)
    authority = Authority(tmp_path / "a")
    _report, public = authority.generate(_extract(factory, slug, tmp_path / "e.json"))
    body = json.loads(public.read_text())
    with transaction(factory) as db:
        fingerprint = bytes.fromhex(elections.get_election(db, slug).fingerprint)
    entries = [PublicEntry(e["voter_number"], e["credential"], e["questions"], e["login_hash"],
                           e["checkin_hash"]) for e in body["credentials"]]
    entries[0] = PublicEntry("V999", *[getattr(entries[0], f) for f in
                                       ("credential", "questions", "login_hash", "checkin_hash")])
    path = tmp_path / "signed.json"
    path.write_text(json.dumps(sign_public_file(_authority_key(authority), slug, fingerprint,
                                                entries, None)))
    _refused(factory, slug, path, InvalidInput, "unknown_voters")
