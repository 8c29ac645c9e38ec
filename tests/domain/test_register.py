"""One person, one vote: the register under races, on SQLite and PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.factories import advance
from tests.voters_helpers import HEADER, ROWS, import_text, make_election
from voting_service.domain import elections, register
from voting_service.domain.errors import Conflict
from voting_service.store.db import make_engine, make_session_factory, transaction
from voting_service.store.models import PollingPoint, Voter


def _setup(factory, points=2):
    slug = make_election(factory, status="draft")
    with transaction(factory) as db:
        election = elections.get_election(db, slug, lock=True)
        for i in range(points):
            election.polling_points.append(PollingPoint(key=f"bv{i}", name=f"Bureau {i}",
                                                        address=f"{i} rue", position=i + 1))
    import_text(factory, slug, HEADER + ROWS)
    for target in ("frozen", "open"):
        with transaction(factory) as db:
            advance(db, slug, target)
    with transaction(factory) as db:
        voter_id = db.query(Voter).filter_by(voter_number="V001").one().id
    return slug, voter_id


def _call(factory, slug, fn, *args):
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        return fn(db, election, *args)


def test_policy_sequence(factory):
    slug, voter = _setup(factory)
    assert _call(factory, slug, register.record_online_ballot, voter) == 1
    assert _call(factory, slug, register.record_online_ballot, voter) == 2  # last one counts
    entry = _call(factory, slug, register.check_in, voter, "bv0", "officer:a")
    assert entry.state == "checked_in" and entry.counted_channel is None  # online superseded
    with pytest.raises(Conflict) as caught:
        _call(factory, slug, register.record_online_ballot, voter)
    assert caught.value.code == "online_voting_ended"
    with pytest.raises(Conflict) as caught:
        _call(factory, slug, register.record_in_person_ballot, voter, "bv1")
    assert caught.value.code == "wrong_polling_point"
    entry = _call(factory, slug, register.record_in_person_ballot, voter, "bv0")
    assert entry.counted_channel == "in_person"
    with pytest.raises(Conflict) as caught:
        _call(factory, slug, register.record_in_person_ballot, voter, "bv0")
    assert caught.value.code == "already_voted"
    with pytest.raises(Conflict) as caught:
        _call(factory, slug, register.check_in, voter, "bv1", "officer:b")
    assert caught.value.code == "already_checked_in"
    assert caught.value.details["polling_point"] == "Bureau 0"


def test_ineligible_voter_cannot_check_in(factory):
    slug, _ = _setup(factory)
    with transaction(factory) as db:
        too_young = db.query(Voter).filter_by(voter_number="V003").one().id
    with pytest.raises(Conflict) as caught:
        _call(factory, slug, register.check_in, too_young, "bv0", "officer:a")
    assert caught.value.code == "not_eligible"


def test_200_concurrent_checkins_exactly_one_accepted(db_url, factory):
    slug, voter = _setup(factory, points=200)
    engine = make_engine(db_url, **({} if db_url.startswith("sqlite") else
                                    {"pool_size": 20, "max_overflow": 0}))
    racing = make_session_factory(engine)
    barrier = threading.Barrier(50)

    def attempt(i):
        if i < 50:
            barrier.wait()
        try:
            with transaction(racing) as db:
                election = elections.get_election(db, slug)
                entry = register.check_in(db, election, voter, f"bv{i}", f"officer:{i}")
            return ("accepted", entry.checkin_point, entry.checkin_at)
        except Conflict as error:
            return ("refused", error.code, error.details)

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(attempt, range(200)))
    engine.dispose()
    accepted = [o for o in outcomes if o[0] == "accepted"]
    refused = [o for o in outcomes if o[0] == "refused"]
    assert len(accepted) == 1 and len(refused) == 199
    _, point_key, at = accepted[0]
    first_name = f"Bureau {point_key[2:]}"
    for _, code, details in refused:
        assert code == "already_checked_in"
        assert details["polling_point"] == first_name
        assert details["at"] == at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_concurrent_online_ballot_and_checkin_never_two_counted(db_url, factory):
    slug, voter = _setup(factory)
    engine = make_engine(db_url)
    racing = make_session_factory(engine)
    for round_ in range(10):
        with transaction(factory) as db:  # reset the register row between rounds
            from voting_service.store.models import Participation

            row = db.get(Participation, voter)
            row.state, row.online_ballots, row.checkin_point_id, row.checkin_at = \
                "none", 0, None, None
            row.in_person_at = None
        barrier = threading.Barrier(2)
        results = {}

        def online():
            barrier.wait()
            try:
                with transaction(racing) as db:
                    results["online"] = register.record_online_ballot(
                        db, elections.get_election(db, slug), voter)
            except Conflict as error:
                results["online"] = error.code

        def in_person():
            barrier.wait()
            with transaction(racing) as db:
                election = elections.get_election(db, slug)
                register.check_in(db, election, voter, "bv0", "officer:a")
            with transaction(racing) as db:
                results["in_person"] = register.record_in_person_ballot(
                    db, elections.get_election(db, slug), voter, "bv0").counted_channel

        threads = [threading.Thread(target=online), threading.Thread(target=in_person)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with transaction(factory) as db:
            final = register.entry(db, voter)
        # The in-person ballot always counts; the online one either came first (and was
        # superseded) or was refused. Exactly one counted ballot.
        assert results["in_person"] == "in_person"
        assert results["online"] in (1, "online_voting_ended")
        assert final.counted_channel == "in_person"
    engine.dispose()


def test_voting_requires_an_open_election(factory):
    slug, voter = _setup(factory)
    with transaction(factory) as db:
        advance(db, slug, "closed")
    with pytest.raises(Conflict) as caught:
        _call(factory, slug, register.record_online_ballot, voter)
    assert caught.value.code == "voting_closed"
