"""Credential issuance end to end: letters whose printed code logs the voter in, whose QR
checks them in, and whose public credential is the one published."""

import os
import re
import stat

import pytest

from tests.letters.conftest import page_qr_codes, page_texts
from tests.voters_helpers import HEADER, ROWS, birth, import_text, make_election
from voting_service.crypto.credential import derive_credential
from voting_service.domain import credentials, credentials_public, elections, register, voter_auth
from voting_service.domain.errors import Conflict, InvalidInput
from voting_service.domain.keystore import CHECKIN_KEY, load_or_create
from voting_service.letters.checkin_code import InvalidCheckinCode, parse_checkin_payload
from voting_service.store.db import transaction
from voting_service.store.models import AuditEntry, Credential, Voter

CODE = re.compile(r"[2-9A-Z]{5}-[2-9A-Z]{5}-[2-9A-Z]{5}-[2-9A-Z]{5}")
BIRTHS = {"V001": "1980-03-12", "V002": "2001-07-30", "V004": "1990-05-15"}


@pytest.fixture
def issued(factory, tmp_path):
    slug = make_election(factory, status="draft")
    import_text(factory, slug, HEADER + ROWS)
    with transaction(factory) as db:
        elections.transition(db, "t", slug, "frozen")
    report = credentials.issue_credentials(factory, "cli:dsi", slug, tmp_path / "letters",
                                           tmp_path / "keys", "https://vote.example.fr/",
                                           workers=2, chunk_size=2)
    return slug, report, tmp_path


def _letters(report):
    """(voter number, code, QR payloads) for every page of every file."""
    pages = []
    for path in report.files:
        for text, codes in zip(page_texts(path), page_qr_codes(path)):
            number = re.search(r"V00\d", text).group(0)
            pages.append((number, CODE.search(text).group(0), [c.text for c in codes]))
    return pages


def _login(factory, slug, number, code):
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        token = derive_credential(code, bytes.fromhex(election.fingerprint)).login_token
        return voter_auth.login(db, election, number, token, birth(BIRTHS[number]), "10.0.0.1")


def test_every_eligible_voter_gets_one_working_letter(factory, issued):
    slug, report, tmp_path = issued
    assert report.issued == 3 and len(report.files) == 2  # V003 is too young
    assert not list((tmp_path / "letters").glob(".*.tmp"))
    letters = _letters(report)
    assert sorted(number for number, _, _ in letters) == ["V001", "V002", "V004"]
    key = load_or_create(tmp_path / "keys", CHECKIN_KEY)
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        fingerprint = bytes.fromhex(election.fingerprint)
        stored = {v.voter_number: v for v in db.query(Voter)}
        published = credentials_public.listing(db, election)
        by_voter = {c.voter_id: c for c in db.query(Credential)}
    for number, code, payloads in letters:
        # The printed code derives the stored public credential and logs the voter in.
        credential = derive_credential(code, fingerprint)
        assert by_voter[stored[number].id].public_key == credential.public.hex()
        assert credential.public.hex() in published["questions"]["ville"]
        assert _login(factory, slug, number, code).ok
        # The QR decodes to a payload the service accepts, naming this voter.
        assert len(payloads) == 1
        assert parse_checkin_payload(key, payloads[0]).voter_number == number
        tampered = payloads[0][:6] + ("X" if payloads[0][6] != "X" else "Y") + payloads[0][7:]
        with pytest.raises(InvalidCheckinCode):
            parse_checkin_payload(key, tampered)
    # Only hashes and public values are stored: no code appears in the database.
    with transaction(factory) as db:
        dump = str([(v.login_hash, v.eligibility_reason) for v in db.query(Voter)])
    assert all(code not in dump for _, code, _ in letters)
    assert all(stored[n].login_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
               for n in BIRTHS)


def test_issuing_again_issues_nothing_new(factory, issued):
    slug, _report, tmp_path = issued
    again = credentials.issue_credentials(factory, "cli:dsi", slug, tmp_path / "letters",
                                          tmp_path / "keys", "https://vote.example.fr/",
                                          workers=1)
    assert again.issued == 0 and again.files == []


def test_reissue_revokes_the_old_code(factory, issued):
    slug, report, tmp_path = issued
    old_code = next(code for number, code, _ in _letters(report) if number == "V002")
    path = credentials.reissue(factory, "cli:dsi", slug, "v002", tmp_path / "letters",
                               tmp_path / "keys", "https://vote.example.fr/")
    new_code = CODE.search(page_texts(path)[0]).group(0)
    assert new_code != old_code
    assert not _login(factory, slug, "V002", old_code).ok
    assert _login(factory, slug, "V002", new_code).ok
    with transaction(factory) as db:
        statuses = sorted(c.status for c in db.query(Credential).join(
            Voter, Voter.id == Credential.voter_id).filter(Voter.voter_number == "V002"))
        assert statuses == ["active", "revoked"]
        assert db.query(AuditEntry).filter_by(action="credentials.revoke").count() == 1
        listing = credentials_public.listing(db, elections.get_election(db, slug))
    assert len(listing["revoked"]) == 1


def test_letters_go_to_a_private_folder_as_private_files(factory, tmp_path):
    slug = make_election(factory, status="draft")
    import_text(factory, slug, HEADER + ROWS)
    with transaction(factory) as db:
        elections.transition(db, "t", slug, "frozen")
    exposed = tmp_path / "partage"
    exposed.mkdir(mode=0o755)
    exposed.chmod(0o755)
    for issue in (lambda out: credentials.issue_credentials(
                      factory, "cli:dsi", slug, out, tmp_path / "keys",
                      "https://vote.example.fr/", workers=1),
                  lambda out: credentials.reissue(factory, "cli:dsi", slug, "V001", out,
                                                  tmp_path / "keys", "https://vote.example.fr/")):
        with pytest.raises(InvalidInput) as caught:
            issue(exposed)
        assert caught.value.code == "letters_folder_exposed"
    assert list(exposed.iterdir()) == []
    with transaction(factory) as db:
        assert db.query(Credential).count() == 0
    previous = os.umask(0)
    try:
        report = credentials.issue_credentials(factory, "cli:dsi", slug, tmp_path / "lettres",
                                               tmp_path / "keys", "https://vote.example.fr/",
                                               workers=1)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "lettres").stat().st_mode) == 0o700
    assert report.files and {stat.S_IMODE(os.stat(f).st_mode) for f in report.files} == {0o600}


def test_issuance_needs_a_frozen_manifest(factory, tmp_path):
    slug = make_election(factory, status="draft")
    with pytest.raises(Conflict) as caught:
        credentials.issue_credentials(factory, "x", slug, tmp_path, tmp_path / "k", "u")
    assert caught.value.code == "cannot_issue"


def test_letter_checkin_end_to_end(factory, issued):
    slug, report, tmp_path = issued
    with transaction(factory) as db:
        elections.transition(db, "t", slug, "open")
    key = load_or_create(tmp_path / "keys", CHECKIN_KEY)
    number, _code, payloads = _letters(report)[0]
    scanned = parse_checkin_payload(key, payloads[0])
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        voter = db.query(Voter).filter_by(voter_number=scanned.voter_number).one()
        assert register.check_in(db, election, voter.id, "mairie", "officer:a").state == \
            "checked_in"


def test_an_interrupted_issuance_is_finished_or_cleaned(factory, issued):
    slug, report, tmp_path = issued
    letters = tmp_path / "letters"
    committed = __import__("pathlib").Path(report.files[0])
    hidden = committed.with_name("." + committed.name + ".tmp")
    committed.rename(hidden)                          # crash after commit, before rename
    orphan = letters / ".lettres-orphan.pdf.tmp"      # crash before commit
    orphan.write_bytes(b"%PDF- codes that were never stored")
    again = credentials.issue_credentials(factory, "cli:dsi", slug, letters, tmp_path / "keys",
                                          "https://vote.example.fr/", workers=1)
    assert again.recovered == [committed.name] and again.issued == 0
    assert committed.exists() and not hidden.exists() and not orphan.exists()


def test_voters_losing_eligibility_during_issuance_are_withdrawn(factory, tmp_path):
    from voting_service.domain import voter_roll

    slug = make_election(factory, status="draft")
    import_text(factory, slug, HEADER + ROWS)
    with transaction(factory) as db:
        elections.transition(db, "t", slug, "frozen")
        election = elections.get_election(db, slug)
        template = credentials.letter_election(election, "https://vote.example.fr/")
        voters = [credentials.VoterLetterData(v.id, v.voter_number, "X Y", ("1 rue", "45000 V"))
                  for v in db.query(Voter).filter(Voter.eligible).order_by(Voter.id)]
        fingerprint = bytes.fromhex(election.fingerprint)
    key = load_or_create(tmp_path / "keys", CHECKIN_KEY)
    result = credentials.issue_chunk(credentials.ChunkJob(
        slug, fingerprint, key, template, tuple(voters), str(tmp_path), "lettres-test"))
    with transaction(factory) as db:  # the roll changes while the letters were printed
        voter_roll.set_override(db, "staff:anne", elections.get_election(db, slug, lock=True),
                                "V002", "exclude", "a déménagé")
    stored, withdrawn = credentials._store_chunk(factory, "cli:dsi", slug, result,
                                                 tmp_path / "lettres-test.pdf")
    assert (stored, withdrawn) == (2, ["V002"])
    again = credentials.issue_chunk(credentials.ChunkJob(
        slug, fingerprint, key, template, tuple(voters), str(tmp_path), "lettres-test2"))
    # A second run racing the first stores nothing twice.
    assert credentials._store_chunk(factory, "cli:dsi", slug, again,
                                    tmp_path / "lettres-test2.pdf")[0] == 0
    with transaction(factory) as db:
        assert db.query(Credential).filter_by(status="active").count() == 2
