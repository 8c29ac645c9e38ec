"""Credential issuance end to end: letters whose printed code logs the voter in, whose QR
checks them in, and whose public credential is the one published."""

import json
import re

import pytest
from sqlalchemy import select

from tests.factories import advance
from tests.letters.conftest import page_qr_codes, page_texts
from tests.voters_helpers import HEADER, ROWS, birth, import_text, make_election
from voting_service.crypto.credential import derive_credential
from voting_service.domain import credentials, credentials_public, elections, register, voter_auth
from voting_service.domain.errors import Conflict
from voting_service.letters.checkin_code import parse_checkin_payload
from voting_service.store.db import transaction
from voting_service.store.models import AuditEntry, Credential, Election, RecordEvent, Voter

CODE = re.compile(r"[2-9A-Z]{5}-[2-9A-Z]{5}-[2-9A-Z]{5}-[2-9A-Z]{5}")
BIRTHS = {"V001": "1980-03-12", "V002": "2001-07-30", "V004": "1990-05-15"}


@pytest.fixture
def issued(factory, tmp_path):
    slug = make_election(factory, status="draft")
    import_text(factory, slug, HEADER + ROWS)
    with transaction(factory) as db:
        advance(db, slug, "frozen")
    report = credentials.issue_credentials(factory, "cli:dsi", slug, tmp_path / "letters",
                                           "https://vote.example.fr/", workers=2, chunk_size=2)
    return slug, report, tmp_path


def database_text(factory) -> str:
    """Every column of every row of every table, as one string to search for secrets."""
    with transaction(factory) as db:
        return "\n".join(str(tuple(row)) for table in Election.metadata.sorted_tables
                         for row in db.execute(select(table)))


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
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        assert election.credential_path == "server" and election.authority_key is None
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
        # The QR names this voter, and its secret's hash is the one stored with the credential.
        assert len(payloads) == 1
        scanned = parse_checkin_payload(payloads[0])
        assert (scanned.election_id, scanned.voter_number) == (slug, number)
        assert by_voter[stored[number].id].checkin_hash == scanned.secret_hash
        assert by_voter[stored[number].id].replaces is None
    # Only hashes and public values are stored: no code and no check-in secret appears in
    # the database.
    dump = database_text(factory)
    for _, code, payloads in letters:
        secret = payloads[0].rsplit(":", 1)[1]
        assert code not in dump and code.replace("-", "") not in dump and secret not in dump
    assert all(stored[n].login_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
               for n in BIRTHS)


def test_issuing_again_issues_nothing_new(factory, issued):
    slug, _report, tmp_path = issued
    again = credentials.issue_credentials(factory, "cli:dsi", slug, tmp_path / "letters",
                                          "https://vote.example.fr/", workers=1)
    assert again.issued == 0 and again.files == []


def _credentials_of(factory, number):
    with transaction(factory) as db:
        return {c.status: (c.public_key, c.replaces, c.checkin_hash, c.reissue_signature)
                for c in db.query(Credential).join(Voter, Voter.id == Credential.voter_id)
                .filter(Voter.voter_number == number)}


def _reissued_events(factory, slug):
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        return [json.loads(row.line)["body"] for row in db.query(RecordEvent).filter_by(
            election_id=election.id, type="credential_reissued").order_by(RecordEvent.seq)]


def test_reissue_revokes_the_old_code_and_the_old_qr(factory, issued):
    slug, report, tmp_path = issued
    _, old_code, old_qr = next(page for page in _letters(report) if page[0] == "V002")
    path = credentials.reissue(factory, "cli:dsi", slug, "v002", tmp_path / "letters",
                               "https://vote.example.fr/")
    new_code = CODE.search(page_texts(path)[0]).group(0)
    new_qr = page_qr_codes(path)[0][0].text
    assert new_code != old_code
    assert not _login(factory, slug, "V002", old_code).ok
    assert _login(factory, slug, "V002", new_code).ok
    mine = _credentials_of(factory, "V002")
    assert sorted(mine) == ["active", "revoked"]
    # The new row names the credential it replaces; only the new letter's QR matches it.
    assert mine["active"][1] == mine["revoked"][0] and mine["active"][3] is None
    assert parse_checkin_payload(new_qr).secret_hash == mine["active"][2]
    assert parse_checkin_payload(old_qr[0]).secret_hash == mine["revoked"][2] != mine["active"][2]
    with transaction(factory) as db:
        assert db.query(AuditEntry).filter_by(action="credentials.revoke").count() == 1
        listing = credentials_public.listing(db, elections.get_election(db, slug))
    assert listing["revoked"] == [mine["revoked"][0]]
    # Before opening, the record is left to the opening (it reads the `replaces` column).
    assert _reissued_events(factory, slug) == []


def test_reissue_once_open_appends_the_replacement_to_the_record(factory, issued):
    slug, _report, tmp_path = issued
    with transaction(factory) as db:
        advance(db, slug, "open")
    credentials.reissue(factory, "cli:dsi", slug, "V001", tmp_path / "letters", "u")
    mine = _credentials_of(factory, "V001")
    with transaction(factory) as db:
        questions = sorted(db.query(Voter).filter_by(voter_number="V001").one().questions)
    assert _reissued_events(factory, slug) == [
        {"revoked": mine["revoked"][0], "credential": mine["active"][0],
         "questions": questions, "signature": None}]


def test_reissue_is_refused_once_the_voter_checked_in(factory, issued):
    slug, _report, tmp_path = issued
    with transaction(factory) as db:
        advance(db, slug, "open")
        election = elections.get_election(db, slug)
        voter = db.query(Voter).filter_by(voter_number="V004").one()
        register.check_in(db, election, voter.id, "mairie", "officer:a")
    before = _credentials_of(factory, "V004")
    with pytest.raises(Conflict) as caught:
        credentials.reissue(factory, "cli:dsi", slug, "V004", tmp_path / "letters", "u")
    assert caught.value.code == "already_checked_in"
    assert _credentials_of(factory, "V004") == before
    assert _reissued_events(factory, slug) == []


def test_reissue_needs_a_credential_to_replace(factory, tmp_path):
    slug = make_election(factory, status="draft")
    import_text(factory, slug, HEADER + ROWS)
    with transaction(factory) as db:
        advance(db, slug, "frozen")
    with pytest.raises(Conflict) as caught:
        credentials.reissue(factory, "cli:dsi", slug, "V001", tmp_path / "letters", "u")
    assert caught.value.code == "no_credential"
    assert not (tmp_path / "letters").exists() or not list((tmp_path / "letters").iterdir())


def test_server_issuance_is_refused_on_an_authority_election(factory, issued):
    slug, _report, tmp_path = issued
    with transaction(factory) as db:
        db.query(Election).filter_by(slug=slug).one().credential_path = "authority"
    for attempt in (lambda: credentials.issue_credentials(factory, "x", slug, tmp_path / "l2",
                                                          "u", workers=1),
                    lambda: credentials.reissue(factory, "x", slug, "V001", tmp_path / "l2", "u")):
        with pytest.raises(Conflict) as caught:
            attempt()
        assert caught.value.code == "credential_path_conflict"
    assert not (tmp_path / "l2").exists() or not list((tmp_path / "l2").iterdir())


def test_issuance_needs_a_frozen_manifest(factory, tmp_path):
    slug = make_election(factory, status="draft")
    with pytest.raises(Conflict) as caught:
        credentials.issue_credentials(factory, "x", slug, tmp_path, "u")
    assert caught.value.code == "cannot_issue"


def test_letter_checkin_end_to_end(factory, issued):
    slug, report, tmp_path = issued
    with transaction(factory) as db:
        advance(db, slug, "open")
    number, _code, payloads = _letters(report)[0]
    scanned = parse_checkin_payload(payloads[0])
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
    again = credentials.issue_credentials(factory, "cli:dsi", slug, letters,
                                          "https://vote.example.fr/", workers=1)
    assert again.recovered == [committed.name] and again.issued == 0
    assert committed.exists() and not hidden.exists() and not orphan.exists()


def test_voters_losing_eligibility_during_issuance_are_withdrawn(factory, tmp_path):
    from voting_service.domain import voter_roll

    slug = make_election(factory, status="draft")
    import_text(factory, slug, HEADER + ROWS)
    with transaction(factory) as db:
        advance(db, slug, "frozen")
        election = elections.get_election(db, slug)
        template = credentials.letter_election(election, "https://vote.example.fr/")
        voters = [credentials.VoterLetterData(v.id, v.voter_number, "X Y", ("1 rue", "45000 V"))
                  for v in db.query(Voter).filter(Voter.eligible).order_by(Voter.id)]
        fingerprint = bytes.fromhex(election.fingerprint)
    result = credentials.issue_chunk(credentials.ChunkJob(
        slug, fingerprint, template, tuple(voters), str(tmp_path), "lettres-test"))
    with transaction(factory) as db:  # the roll changes while the letters were printed
        voter_roll.set_override(db, "staff:anne", elections.get_election(db, slug, lock=True),
                                "V002", "exclude", "a déménagé")
    stored, withdrawn = credentials._store_chunk(factory, "cli:dsi", slug, result,
                                                 tmp_path / "lettres-test.pdf")
    assert (stored, withdrawn) == (2, ["V002"])
    again = credentials.issue_chunk(credentials.ChunkJob(
        slug, fingerprint, template, tuple(voters), str(tmp_path), "lettres-test2"))
    # A second run racing the first stores nothing twice.
    assert credentials._store_chunk(factory, "cli:dsi", slug, again,
                                    tmp_path / "lettres-test2.pdf")[0] == 0
    with transaction(factory) as db:
        assert db.query(Credential).filter_by(status="active").count() == 2
