"""Voter login: lock after 5 failures, no enumeration, rotation, expiry, rate limits."""

import statistics
import time
from datetime import timedelta

import pytest

from tests.voters_helpers import HEADER, ROWS, birth, import_text, make_election
from voting_service.domain import elections, voter_auth
from voting_service.store.db import transaction
from voting_service.store.models import AuditEntry, Voter
from voting_service.store.types import utcnow

TOKEN = bytes(range(32))


@pytest.fixture
def slug(factory):
    slug = make_election(factory, status="draft")
    import_text(factory, slug, HEADER + ROWS)
    with transaction(factory) as db:
        voter = db.query(Voter).filter_by(voter_number="V001").one()
        voter.login_hash = voter_auth.hash_login_token(TOKEN)
    return slug


def _login(factory, slug, number="V001", token=TOKEN, born="1980-03-12", address="10.0.0.1",
           now=None):
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        outcome = voter_auth.login(db, election, number, token, birth(born) if born else None,
                                   address, now)
        return outcome


def test_good_login_opens_a_session(factory, slug):
    outcome = _login(factory, slug)
    assert outcome.ok and outcome.session_token
    with transaction(factory) as db:
        assert voter_auth.voter_for_session(db, outcome.session_token).voter_number == "V001"


def test_birth_date_is_checked(factory, slug):
    assert _login(factory, slug, born="1980-03-13").code == "bad_credentials"
    assert _login(factory, slug, born=None).code == "bad_credentials"


def test_sessions_rotate_and_expire(factory, slug):
    first = _login(factory, slug)
    second = _login(factory, slug)
    with transaction(factory) as db:
        assert voter_auth.voter_for_session(db, first.session_token) is None
        assert voter_auth.voter_for_session(db, second.session_token) is not None
        later = utcnow() + voter_auth.SESSION_LIFETIME + timedelta(seconds=1)
        assert voter_auth.voter_for_session(db, second.session_token, later) is None


def test_brute_force_locks_after_five_failures(factory, slug):
    for attempt in range(5):
        assert _login(factory, slug, token=bytes(32)).code == "bad_credentials"
    locked = _login(factory, slug)  # even the right code is refused while locked
    assert locked.code == "locked" and locked.retry_after > 0
    after = utcnow() + voter_auth.LOCK + timedelta(seconds=1)
    assert _login(factory, slug, now=after).ok


def test_staff_unlock_is_audited(factory, slug):
    for _ in range(5):
        _login(factory, slug, token=bytes(32))
    with transaction(factory) as db:
        assert voter_auth.unlock(db, "staff:anne", elections.get_election(db, slug), "V001")
    assert _login(factory, slug).ok
    with transaction(factory) as db:
        assert db.query(AuditEntry).filter_by(action="voters.unlock").count() == 1


def test_unknown_numbers_are_indistinguishable(factory, slug):
    # Same answers, including the lock after five failures, for a number not on the roll.
    known = [_login(factory, slug, "V001", bytes(32)).code for _ in range(6)]
    unknown = [_login(factory, slug, "V999", bytes(32), address="10.0.0.2").code
               for _ in range(6)]
    assert known == unknown == ["bad_credentials"] * 5 + ["locked"]


def test_unknown_numbers_take_similar_time(factory, slug):
    def timed(number, address):
        started = time.perf_counter()
        _login(factory, slug, number, bytes(32), address=address)
        return time.perf_counter() - started

    known, unknown = [], []
    for i in range(4):  # under the lock threshold for both numbers
        known.append(timed("V001", f"10.1.0.{i}"))  # V001 has a real argon2id hash
        unknown.append(timed("V998", f"10.2.0.{i}"))
    # Both paths run one argon2id verification; a missing one would be ~100× faster, so
    # these wide bounds still catch it while tolerating a busy machine.
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.33 < ratio < 3.0, (known, unknown)


def test_rate_limit_per_address(factory, slug):
    codes = [_login(factory, slug, f"X{i}", bytes(32), address="10.9.9.9").code
             for i in range(voter_auth.ADDRESS_LIMIT + 1)]
    assert codes[-1] == "rate_limited"
    assert _login(factory, slug, address="10.9.9.10").ok  # another address is unaffected


def test_ineligible_voter_cannot_log_in(factory, slug):
    with transaction(factory) as db:
        voter = db.query(Voter).filter_by(voter_number="V003").one()
        voter.login_hash = voter_auth.hash_login_token(TOKEN)
    assert _login(factory, slug, "V003", born="2020-01-01").code == "bad_credentials"
