"""A letter reissued while the vote is open (one-machine path), then used to vote online.

The service accepts the replacement credential's ballot, so its record shows the replacement
(a ``credential_reissued`` event after the opening); the verifier counts the new
credential's ballot, refuses any later ballot of the revoked one, and the old letter's QR no
longer checks anyone in.
"""

from __future__ import annotations

from tests.authority.helpers import read_letters
from tests.casting.helpers import VoterDevice
from tests.record.record_helpers import cast_online, open_with_questions, verify
from voting_service.crypto.credential import derive_credential
from voting_service.domain import checkin, credentials, elections
from voting_service.domain import record as record_domain
from voting_service.domain.errors import Conflict
from voting_service.record.archive import read_record
from voting_service.store.db import transaction

import pytest


def test_ballot_of_a_credential_reissued_after_opening_verifies(factory, tmp_path):
    key_dir = tmp_path / "keys"
    vote = open_with_questions(factory, key_dir)
    old = vote.voters["V004"]
    letter = credentials.reissue(factory, "t", vote.slug, "V004", tmp_path / "lettres",
                                 "https://vote.example.fr/")
    code, qr = read_letters([letter], ["V004"])["V004"]
    new = VoterDevice("V004", code, qr, derive_credential(code, vote.fingerprint))
    assert new.public != old.public
    vote.voters["V004"] = new
    vote.credential_questions[new.public] = vote.credential_questions[old.public]
    receipt = cast_online(factory, vote, "V004", {"ville": ["P1"]}, key_dir)
    # The old letter's QR is refused; the new one checks the voter in.
    with transaction(factory) as db:
        election = elections.get_election(db, vote.slug)
        with pytest.raises(Conflict) as refused:
            checkin.check_in(db, election, old.qr, "mairie", "agent")
    assert refused.value.code == "letter_replaced"
    path = tmp_path / "record.zip"
    with transaction(factory) as db:
        record_domain.export(db, elections.get_election(db, vote.slug), path)
    report = verify(read_record(path))
    assert report.ok, report.failure
    assert report.counted["ville"] == [receipt.trackers["ville"]]
    types = [e.type for e in read_record(path).events]
    assert types.index("credential_reissued") > types.index("opening")
