"""Races decided by the database, on SQLite and PostgreSQL: concurrent casts through the
domain functions, each in its own session (threads), as concurrent requests would be.

Every refusal must be a Conflict (409) with its code; any other exception fails the test.
After closing, the exported record must verify and count exactly what the race allowed.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.record.record_helpers import (_voter_ctx, check_in, enrol_kiosk, kiosk_ballots,
                                         open_with_more_voters, open_with_questions)
from tests.factories import advance
from voting_service.crypto import ballot as ballots, encryption_proof
from voting_service.domain import casting, elections
from voting_service.domain import record as record_domain
from voting_service.domain.errors import Conflict
from voting_service.record.archive import read_record
from voting_service.record.verify import verify_record
from voting_service.store.db import make_engine, make_session_factory, transaction
from voting_service.store.models import BallotIndex, Participation, RecordEvent, Voter


@pytest.fixture
def vote(factory, tmp_path):
    vote = open_with_questions(factory, tmp_path / "keys")
    vote.key_dir = tmp_path / "keys"
    return vote


@pytest.fixture
def racing(db_url):
    """A second engine for the racing threads (a pool large enough on PostgreSQL)."""
    engine = make_engine(db_url, **({} if db_url.startswith("sqlite") else
                                    {"pool_size": 20, "max_overflow": 0}))
    yield make_session_factory(engine)
    engine.dispose()


def _context(factory, vote, number):
    with transaction(factory) as db:
        election = elections.get_election(db, vote.slug)
        return _voter_ctx(db, election, vote, number)


def _race(fn, items, parties=50):
    """Run fn over items in threads, the first ``parties`` released together."""
    barrier = threading.Barrier(min(parties, len(items)))

    def run(pair):
        index, item = pair
        if index < parties:
            barrier.wait()
        return fn(item)

    with ThreadPoolExecutor(max_workers=min(parties, len(items))) as pool:
        return list(pool.map(run, enumerate(items)))


def _online(racing, vote, ctx):
    def attempt(ballot_list):
        try:
            with transaction(racing) as db:
                receipt = casting.commit_online(db, ctx, ballot_list, vote.key_dir)
            return ("accepted", receipt)
        except casting.ReplayedCast as twin:  # as the web layer answers it
            return ("accepted", twin.receipt)
        except Conflict as error:
            return ("refused", error.status, error.code)
    return attempt


def _close_and_verify(factory, vote, tmp_path):
    with transaction(factory) as db:
        advance(db, vote.slug, "closed", vote.key_dir)
    path = tmp_path / "record.zip"
    with transaction(factory) as db:
        record_domain.export(db, elections.get_election(db, vote.slug), path)
    report = verify_record(read_record(path), workers=1)
    assert report.ok, report.failure
    return report


def _count(factory, model, **where):
    with transaction(factory) as db:
        return db.query(model).filter_by(**where).count()


def test_200_concurrent_casts_for_one_credential_exactly_one(factory, racing, vote, tmp_path):
    device = vote.voters["V001"]
    ctx = _context(factory, vote, "V001")
    requests = [[vote.online_ballot(device, "ville", [["P1"], ["P2"], []][i % 3])]
                for i in range(200)]
    outcomes = _race(_online(racing, vote, ctx), requests)
    accepted = [o[1] for o in outcomes if o[0] == "accepted"]
    refused = [o[1:] for o in outcomes if o[0] == "refused"]
    assert len(accepted) == 1 and len(refused) == 199
    assert set(refused) == {(409, "ballot_out_of_order")}
    assert not accepted[0].replayed
    # One chain: one ballot event, one index row, one online ballot in the register.
    assert _count(factory, RecordEvent, type="ballot") == 1
    assert _count(factory, BallotIndex, credential=device.public) == 1
    with transaction(factory) as db:
        voter = db.query(Voter).filter_by(voter_number="V001").one()
        assert db.get(Participation, voter.id).online_ballots == 1
    report = _close_and_verify(factory, vote, tmp_path)
    assert report.ballots_cast == 1
    assert report.counted["ville"] == [accepted[0].trackers["ville"]]


def test_50_identical_requests_get_the_same_receipt(factory, racing, vote, tmp_path):
    device = vote.voters["V002"]  # two questions in one request
    ctx = _context(factory, vote, "V002")
    request = [vote.online_ballot(device, "ville", ["P2"]),
               vote.online_ballot(device, "gare", ["G1"])]
    outcomes = _race(_online(racing, vote, ctx), [request] * 50)
    assert {o[0] for o in outcomes} == {"accepted"}, {o[1:] for o in outcomes
                                                      if o[0] != "accepted"}
    receipts = [o[1] for o in outcomes]
    assert sum(not r.replayed for r in receipts) == 1
    first = receipts[0].to_json()
    for receipt in receipts:
        assert {k: v for k, v in receipt.to_json().items() if k != "replayed"} == \
            {k: v for k, v in first.items() if k != "replayed"}
    assert _count(factory, RecordEvent, type="ballot") == 2
    report = _close_and_verify(factory, vote, tmp_path)
    assert report.ballots_cast == 2
    assert report.counted == {"ville": [receipts[0].trackers["ville"]],
                              "gare": [receipts[0].trackers["gare"]]}


def test_online_cast_racing_a_checkin_never_counts_twice(factory, racing, tmp_path):
    vote = open_with_more_voters(factory, tmp_path / "keys", 9)
    vote.key_dir = tmp_path / "keys"
    kiosk_key, kiosk = enrol_kiosk(factory, vote.slug)
    results = {}
    for number in sorted(vote.voters):  # 12 voters: 12 rounds of the race
        device = vote.voters[number]
        ctx = _context(factory, vote, number)
        request = [vote.online_ballot(device, q, []) for q in ctx.questions]
        cast = _online(racing, vote, ctx)

        def attempt(which, number=number, request=request, cast=cast):
            if which == "online":
                return cast(request)
            return ("checked_in", check_in(racing, vote, number))

        outcome = dict(zip(("online", "checkin"), _race(attempt, ["online", "checkin"], 2)))
        assert outcome["checkin"][0] == "checked_in"
        assert outcome["online"][0] == "accepted" or \
            outcome["online"][1:] == (409, "online_voting_ended"), outcome["online"]
        results[number] = (outcome, ctx.questions)
    # Every voter checked in: no online ballot may count, before or after the kiosk.
    path = tmp_path / "open.zip"
    with transaction(factory) as db:
        record_domain.export(db, elections.get_election(db, vote.slug), path)
    open_report = verify_record(read_record(path), workers=1)
    assert open_report.ok, open_report.failure
    assert open_report.counted == {"ville": [], "gare": []}
    # Each then votes at the kiosk: exactly that ballot counts.
    expected = {"ville": [], "gare": []}
    for number, (outcome, questions) in results.items():
        view = outcome["checkin"][1]
        ballot_list = kiosk_ballots(vote, vote.voters[number], bytes.fromhex(view.checkin),
                                    {q: [] for q in questions}, kiosk_key)
        with transaction(factory) as db:
            election = elections.get_election(db, vote.slug)
            receipt = casting.commit_kiosk(db, election, casting.kiosk_context(
                db, election, kiosk), ballot_list, vote.key_dir)
        for question, tracker in receipt.trackers.items():
            expected[question].append(tracker)
    report = _close_and_verify(factory, vote, tmp_path)
    assert {q: sorted(t) for q, t in report.counted.items()} == \
        {q: sorted(t) for q, t in expected.items()}


def test_concurrent_kiosk_ballots_for_one_checkin_exactly_one(factory, racing, vote,
                                                               tmp_path):
    kiosk_key, kiosk = enrol_kiosk(factory, vote.slug)
    device = vote.voters["V002"]
    view = check_in(factory, vote, "V002")
    requests = [kiosk_ballots(vote, device, bytes.fromhex(view.checkin),
                              {"ville": ["P1"], "gare": []}, kiosk_key) for _ in range(30)]

    def attempt(ballot_list):
        try:
            with transaction(racing) as db:
                election = elections.get_election(db, vote.slug)
                ctx = casting.kiosk_context(db, election, kiosk)
                return ("accepted", casting.commit_kiosk(db, election, ctx, ballot_list,
                                                         vote.key_dir))
        except Conflict as error:
            return ("refused", error.status, error.code)

    outcomes = _race(attempt, requests, 30)
    accepted = [o[1] for o in outcomes if o[0] == "accepted"]
    assert len(accepted) == 1
    assert {o[1:] for o in outcomes if o[0] == "refused"} == {(409, "already_voted")}
    assert _count(factory, RecordEvent, type="ballot") == 2
    report = _close_and_verify(factory, vote, tmp_path)
    assert report.counted == {"ville": [accepted[0].trackers["ville"]],
                              "gare": [accepted[0].trackers["gare"]]}


def test_concurrent_http_casts_exactly_one_created(app, app_factory, tmp_path):
    """The same race through the WSGI app: one 201, every other answer a 409 with its code."""
    from tests.casting.test_cast_api import login

    key_dir = app.extensions["voting"]["settings"].key_dir
    vote = open_with_questions(app_factory, key_dir)
    vote.key_dir = key_dir
    headers = login(app.test_client(), vote)
    device = vote.voters["V001"]
    bodies = [{"ballots": [vote.online_ballot(device, "ville", ["P1"]).to_json()]}
              for _ in range(40)]

    def post(body):
        response = app.test_client().post(f"/api/v1/elections/{vote.slug}/ballots",
                                          json=body, headers=headers)
        code = response.get_json().get("error", {}).get("code") \
            if response.status_code >= 400 else None
        return response.status_code, code

    outcomes = _race(post, bodies, 20)
    assert sorted(set(outcomes)) == [(201, None), (409, "ballot_out_of_order")]
    assert outcomes.count((201, None)) == 1
    report = _close_and_verify(app_factory, vote, tmp_path)
    assert report.ballots_cast == 1


def test_cast_racing_a_challenge_of_the_same_ballot_never_both(factory, racing, vote,
                                                               tmp_path):
    """A ballot cast and challenged (spoiled) at the same time: exactly one of the two
    wins, in every round; the record verifies with each ballot either cast or spoiled."""
    from voting_service.crypto import ballot as ballots, encryption_proof

    device = vote.voters["V001"]
    ctx = _context(factory, vote, "V001")
    cast = _online(racing, vote, ctx)
    seq, prev = 1, ballots.ZERO_TRACKER
    tally = {"cast": 0, "spoiled": 0}
    for _ in range(8):
        unsigned, opening = vote.encrypt(device, "ville", ["P1"], seq=seq, prev=prev)
        signed = ballots.sign_online(vote.fingerprint, unsigned, device.credential.secret)
        plaintext = casting.check_spoil(unsigned, opening, ctx.crypto)

        def attempt(which):
            if which == "cast":
                return cast([signed])
            try:
                with transaction(racing) as db:
                    election = elections.get_election(db, vote.slug)
                    casting.commit_spoil(db, election, ctx.crypto, unsigned, opening,
                                         plaintext)
                return ("accepted",)
            except Conflict as error:
                return ("refused", error.status, error.code)

        outcome = dict(zip(("cast", "spoil"), _race(attempt, ["cast", "spoil"], 2)))
        if outcome["cast"][0] == "accepted":
            assert outcome["spoil"] == ("refused", 409, "ballot_already_cast"), outcome
            tally["cast"] += 1
            seq, prev = seq + 1, vote.tracker(unsigned)
        else:
            assert outcome["cast"][1:] == (409, "ballot_spoiled"), outcome
            assert outcome["spoil"] == ("accepted",), outcome
            tally["spoiled"] += 1
    report = _close_and_verify(factory, vote, tmp_path)
    assert (report.ballots_cast, report.spoiled) == (tally["cast"], tally["spoiled"])


def test_two_voters_racing_with_the_same_ciphertexts_one_refused_never_a_500(
        factory, racing, vote, tmp_path):
    """Two colluding voters encrypt with the same randomness (each proves it for their own
    credential), so their ciphertexts are equal, and cast at the same instant: the first is
    recorded, the other is refused as a replay (409), whichever waited on the lock."""
    first, second = vote.voters["V001"], vote.voters["V004"]
    contexts = {first.number: _context(factory, vote, "V001"),
                second.number: _context(factory, vote, "V004")}
    ballot, opening = vote.encrypt(first, "ville", ["P1"])
    pk = vote.key.public_key
    copied = ballots.Ballot("ville", second.credential.public, 1, ballots.ZERO_TRACKER, None,
                            ballot.ciphertexts, encryption_proof.prove(
                                vote.fingerprint, pk, second.credential.public, "ville",
                                ballot.ciphertexts, list(opening.randomness)))
    own = {first.number: ballots.sign_online(vote.fingerprint, ballot, first.credential.secret),
           second.number: ballots.sign_online(vote.fingerprint, copied,
                                              second.credential.secret)}
    requests = [(device, [own[device.number]]) for device in (first, second) for _ in range(10)]
    digests = {ballots.ciphertexts_digest(r[1][0]) for r in requests}
    assert len(digests) == 1   # the premise: one encryption, two credentials

    def attempt(item):
        device, ballot_list = item
        return _online(racing, vote, contexts[device.number])(ballot_list)

    outcomes = _race(attempt, requests, parties=len(requests))
    accepted = {o[1].trackers["ville"] for o in outcomes if o[0] == "accepted"}
    refused = {o[1:] for o in outcomes if o[0] == "refused"}
    assert len(accepted) == 1
    assert refused == {(409, "ballot_replayed")}
    assert _count(factory, RecordEvent, type="ballot") == 1
    report = _close_and_verify(factory, vote, tmp_path)
    assert report.counted["ville"] == sorted(accepted)
