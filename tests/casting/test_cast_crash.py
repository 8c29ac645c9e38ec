"""A cast whose transaction fails after its events were appended (here: right after the
events, index rows, signed head and tail were written, before the commit) leaves nothing behind: no event, no ballot index row, no register change, no
signed head. The next cast is then accepted as if the failed one never happened, and the
record verifies. On SQLite and PostgreSQL, through the domain and through the HTTP API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.casting.test_cast_api import cast, login
from tests.record.record_helpers import (cast_kiosk, cast_online, check_in, enrol_kiosk,
                                         kiosk_ballots, open_with_questions)
from voting_service.domain import elections
from voting_service.domain import record as record_domain
from voting_service.record.archive import read_record
from voting_service.record.verify import verify_record
from voting_service.store import appends
from voting_service.store.db import transaction
from voting_service.store.models import (BallotIndex, Participation, RecordEvent,
                                         SignedHeadRow, Voter)


class Crash(RuntimeError):
    pass


def _snapshot(factory, slug):
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        events = [(e.seq, e.hash) for e in db.query(RecordEvent).filter_by(
            election_id=election.id).order_by(RecordEvent.seq)]
        index = db.query(BallotIndex).filter_by(election_id=election.id).count()
        heads = db.query(SignedHeadRow).filter_by(election_id=election.id).count()
        register = sorted((p.voter_id, p.state, p.online_ballots, p.checkin_point_id,
                           p.in_person_at) for p in
                          db.query(Participation).filter_by(election_id=election.id))
        return events, index, heads, register


def _event_type(session, election_id: int, seq: int) -> str:
    """The type of an event written in this (uncommitted) transaction. On PostgreSQL the
    hook runs inside the write's pipeline, where only the driver's own cursor reads."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return connection.connection.driver_connection.execute(
            "SELECT type FROM record_events WHERE election_id = %s AND seq = %s",
            (election_id, seq)).fetchone()[0]
    return session.execute(select(RecordEvent.type).where(
        RecordEvent.election_id == election_id, RecordEvent.seq == seq)).scalar()


def _crash_after_append(monkeypatch, expected_type, appended):
    """Make the transaction fail right after the writes, before the commit (on PostgreSQL
    between the statement and the COMMIT of its pipeline), after checking that the
    ballots were appended in it (so the failure really is mid-write)."""

    def boom(session, election_id):
        seq, _ = record_domain.last(session, election_id)
        assert _event_type(session, election_id, seq) == expected_type
        appended.append(seq)
        raise Crash("the disk went away")
    monkeypatch.setattr(appends, "before_commit", boom)


def _verify(factory, slug, path):
    with transaction(factory) as db:
        record_domain.export(db, elections.get_election(db, slug), path)
    report = verify_record(read_record(path), workers=1)
    assert report.ok, report.failure
    return report


def test_online_cast_failing_after_append_leaves_nothing(factory, tmp_path, monkeypatch):
    key_dir = tmp_path / "keys"
    vote = open_with_questions(factory, key_dir)
    before = _snapshot(factory, vote.slug)
    appended = []
    _crash_after_append(monkeypatch, "ballot", appended)
    with pytest.raises(Crash):
        cast_online(factory, vote, "V002", {"ville": ["P1"], "gare": ["G1"]}, key_dir)
    assert appended == [len(before[0]) + 2]  # both ballots were in the failed transaction
    assert _snapshot(factory, vote.slug) == before
    monkeypatch.undo()
    # The next cast starts the chain at seq 1 and takes the positions the failed one had.
    receipt = cast_online(factory, vote, "V002", {"ville": ["P2"], "gare": []}, key_dir)
    assert sorted(receipt.positions.values()) == [len(before[0]) + 1, len(before[0]) + 2]
    report = _verify(factory, vote.slug, tmp_path / "record.zip")
    assert report.ballots_cast == 2
    assert report.counted == {"ville": [receipt.trackers["ville"]],
                              "gare": [receipt.trackers["gare"]]}
    with transaction(factory) as db:
        voter = db.query(Voter).filter_by(voter_number="V002").one()
        assert db.get(Participation, voter.id).online_ballots == 1


def test_kiosk_cast_failing_after_append_leaves_the_voter_checked_in(factory, tmp_path,
                                                                     monkeypatch):
    key_dir = tmp_path / "keys"
    vote = open_with_questions(factory, key_dir)
    kiosk_key, kiosk = enrol_kiosk(factory, vote.slug)
    view = check_in(factory, vote, "V001")
    before = _snapshot(factory, vote.slug)
    make = lambda choice: kiosk_ballots(vote, vote.voters["V001"],  # noqa: E731
                                        bytes.fromhex(view.checkin), {"ville": choice},
                                        kiosk_key)
    appended = []
    _crash_after_append(monkeypatch, "ballot", appended)
    with pytest.raises(Crash):
        cast_kiosk(factory, vote, kiosk, make(["P1"]), key_dir)
    assert appended
    assert _snapshot(factory, vote.slug) == before
    with transaction(factory) as db:
        voter = db.query(Voter).filter_by(voter_number="V001").one()
        assert db.get(Participation, voter.id).state == "checked_in"
    monkeypatch.undo()
    receipt = cast_kiosk(factory, vote, kiosk, make(["P2"]), key_dir)
    report = _verify(factory, vote.slug, tmp_path / "record.zip")
    assert report.counted["ville"] == [receipt.trackers["ville"]]


def test_http_cast_failing_after_append_leaves_nothing(client, app, app_factory, tmp_path,
                                                       monkeypatch):
    key_dir = app.extensions["voting"]["settings"].key_dir
    vote = open_with_questions(app_factory, key_dir)
    headers = login(client, vote)
    before = _snapshot(app_factory, vote.slug)
    appended = []
    _crash_after_append(monkeypatch, "ballot", appended)
    ballot = vote.online_ballot(vote.voters["V001"], "ville", ["P1"])
    try:
        response = cast(client, vote, headers, [ballot])
        assert response.status_code == 500
    except Crash:
        pass  # the test client may propagate the exception: the rollback is what matters
    assert appended
    assert _snapshot(app_factory, vote.slug) == before
    monkeypatch.undo()
    # The same request again is a new cast (no receipt was ever given for it).
    response = cast(client, vote, headers, [ballot])
    assert response.status_code == 201 and response.get_json()["replayed"] is False
    report = _verify(app_factory, vote.slug, tmp_path / "record.zip")
    assert report.counted["ville"] == [vote.tracker(ballot).hex()]
