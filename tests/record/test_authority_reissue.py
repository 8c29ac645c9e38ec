"""The credential-authority path with a letter reissued before opening: the opening freezes
the authority's signed list followed by its signed reissue (elections._record_opening), and
the record verifies; a forged reissue signature does not. On SQLite and PostgreSQL.

The authority's side (a separate machine) has no domain code yet: the test stores what it
would hand over (its key, its signed list, a signed replacement) in the columns the store
keeps for them, then opens the election through the domain.
"""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.casting.helpers import give_credentials
from tests.factories import advance
from tests.record.record_helpers import rechain, verify
from tests.voters_helpers import HEADER, ROWS, import_text, make_election
from voting_service.crypto.credential import derive_credential, generate_letter_code
from voting_service.domain import elections
from voting_service.domain import record as record_domain
from voting_service.record.archive import Record, read_record
from voting_service.record.credentials import list_message, reissue_message
from voting_service.store.db import transaction
from voting_service.store.models import Credential


def _authority_election(factory, key_dir, authority):
    slug = make_election(factory, "bp-autorite-2027", status="draft")
    import_text(factory, slug, HEADER + ROWS)
    with transaction(factory) as db:
        advance(db, slug, "frozen", key_dir)
    devices = give_credentials(factory, slug)
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        fingerprint = bytes.fromhex(election.fingerprint)
        rows = db.query(Credential).filter_by(election_id=election.id).all()
        entries = sorted(({"credential": r.public_key, "questions": sorted(r.questions)}
                          for r in rows), key=lambda e: e["credential"])
        election.credential_path = "authority"
        election.authority_key = authority.public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw).hex()
        election.authority_list_signature = authority.sign(
            list_message(fingerprint, entries)).hex()
        # V004's letter was lost: the authority revokes it and signs the replacement.
        old = next(r for r in rows if r.public_key == devices["V004"].public)
        new = derive_credential(generate_letter_code(), fingerprint).public.hex()
        old.status = "revoked"
        db.add(Credential(election_id=election.id, voter_id=old.voter_id, public_key=new,
                          questions=old.questions, status="active", replaces=old.public_key,
                          reissue_signature=authority.sign(reissue_message(
                              fingerprint, old.public_key, new,
                              sorted(old.questions))).hex()))
    with transaction(factory) as db:
        advance(db, slug, "open", key_dir)
    return slug


def test_authority_list_and_reissue_before_opening_verify(factory, tmp_path):
    key_dir = tmp_path / "keys"
    slug = _authority_election(factory, key_dir, Ed25519PrivateKey.generate())
    path = tmp_path / "record.zip"
    with transaction(factory) as db:
        record_domain.export(db, elections.get_election(db, slug), path)
    record = read_record(path)
    assert [e.type for e in record.events] == ["manifest", "election_key", "credentials",
                                               "opening", "credential_reissued"]
    assert record.events[2].body["path"] == "authority"
    report = verify(record)
    assert report.ok, report.failure
    assert report.checks["credential_reissues"] == "passed"
    # The reissue signed by another key (hashes recomputed) is refused.
    reissue = record.events[4]
    forged_body = dict(reissue.body, signature=Ed25519PrivateKey.generate().sign(
        b"not the reissue").hex())
    items = list(record.events)
    items[4] = ("credential_reissued", reissue.at, forged_body)
    report = verify(Record(rechain(items)))
    assert (report.failure["check"], report.failure["event"]) == ("credential_reissues", 5)
    # A reissue before the opening (here even before the list it amends) is refused.
    items = list(record.events)
    items[2], items[4] = items[4], items[2]
    report = verify(Record(rechain(items)))
    assert (report.failure["check"], report.failure["event"]) == ("lifecycle", 3)
    # As is a list with a credential the authority did not sign.
    listed = record.events[2]
    body = json.loads(json.dumps(listed.body))
    body["credentials"] = sorted(body["credentials"] + [
        {"credential": derive_credential(generate_letter_code(), bytes(32)).public.hex(),
         "questions": ["ville"]}], key=lambda e: e["credential"])
    items = list(record.events)
    items[2] = ("credentials", listed.at, body)
    report = verify(Record(rechain(items)))
    assert (report.failure["check"], report.failure["event"]) == ("credential_list", 3)
    assert "signature" in report.failure["message"]
