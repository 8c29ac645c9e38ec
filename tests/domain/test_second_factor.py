"""The staff second factor: enrolment, replay refused, recovery codes single-use, the
secret sealed with the key folder, wrong codes slowed like wrong passwords."""

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from voting_service.domain import second_factor, staff
from voting_service.domain.errors import Conflict
from voting_service.store.db import transaction
from voting_service.store.models import Staff, StaffRecoveryCode
from voting_service.store.types import utcnow

PASSWORD = "un mot de passe long"


@pytest.fixture
def key(tmp_path):
    return second_factor.key(tmp_path / "keys", create=True)


def _password(factory, username="claire", address="10.0.0.1", now=None):
    with transaction(factory) as db:
        return staff.authenticate(db, username, PASSWORD, address, now)


def _enrolled(factory, key, role="admin", username="claire"):
    """An enrolled account; returns its id, the TOTP secret, the recovery codes and the
    time at which its first code was used."""
    with transaction(factory) as db:
        staff.create_staff(db, "t", username, role, PASSWORD)
    outcome = _password(factory, username)
    assert outcome.second_factor == "enrol" and not outcome.ok
    with transaction(factory) as db:
        step = staff.begin_enrolment(db, key, outcome.staff.id, outcome.staff.session_nonce)
    now = utcnow()
    code = pyotp.TOTP(step.secret).at(now)
    with transaction(factory) as db:
        result, codes = staff.complete_enrolment(db, key, outcome.staff.id,
                                                 outcome.staff.session_nonce, code, now=now)
    assert result.ok and len(codes) == 10
    return outcome.staff.id, step.secret, codes, now


def _second_step(factory, key, code, username="claire", address="10.0.0.1", now=None):
    outcome = _password(factory, username, address, now)
    assert outcome.second_factor == "code"
    with transaction(factory) as db:
        return staff.complete_login(db, key, outcome.staff.id, outcome.staff.session_nonce,
                                    code, address, now)


def test_password_alone_does_not_log_in_admins_trustees_officers(factory, key):
    with transaction(factory) as db:
        for role in ("admin", "trustee", "officer", "auditor", "results_reader"):
            staff.create_staff(db, "t", f"u-{role}", role, PASSWORD)
    for role in ("admin", "trustee", "officer"):
        outcome = _password(factory, f"u-{role}")
        assert not outcome.ok and outcome.second_factor == "enrol"
    for role in ("auditor", "results_reader"):
        outcome = _password(factory, f"u-{role}")
        assert outcome.ok and outcome.second_factor == ""


def test_a_code_works_once_within_its_window(factory, key):
    _id, secret, _codes, enrolled_at = _enrolled(factory, key)
    now = enrolled_at + timedelta(seconds=60)
    code = pyotp.TOTP(secret).at(now)
    assert _second_step(factory, key, code, now=now).ok
    # The same code again, a few seconds later (same 30 s step): refused.
    again = _second_step(factory, key, code, now=now + timedelta(seconds=5))
    assert not again.ok and again.code == "bad_code"
    # An older code still inside the drift window is refused too: steps only move forward.
    older = pyotp.TOTP(secret).at(now - timedelta(seconds=30))
    assert not _second_step(factory, key, older, now=now + timedelta(seconds=5)).ok
    # The next step's code is fine.
    later = now + timedelta(seconds=30)
    assert _second_step(factory, key, pyotp.TOTP(secret).at(later), now=later).ok


def test_the_enrolment_code_cannot_be_replayed(factory, key):
    _id, secret, _codes, enrolled_at = _enrolled(factory, key)
    code = pyotp.TOTP(secret).at(enrolled_at)
    assert not _second_step(factory, key, code, now=enrolled_at + timedelta(seconds=1)).ok


def test_wrong_codes_are_slowed_per_username_and_address(factory, key):
    _id, secret, _codes, enrolled_at = _enrolled(factory, key)
    now = enrolled_at + timedelta(minutes=2)
    results = [_second_step(factory, key, "000000", address="10.0.0.66", now=now).code
               for _ in range(5)]
    assert results == ["bad_code"] * 5
    # The fifth failure makes this (username, address) wait, even for a right code …
    right = pyotp.TOTP(secret).at(now)
    assert _password(factory, address="10.0.0.66", now=now).code == "locked"
    # … while the same account from another address is not held up.
    assert _second_step(factory, key, right, address="10.0.0.7", now=now).ok


def test_recovery_codes_work_once_and_are_stored_hashed(factory, key):
    staff_id, _secret, codes, _at = _enrolled(factory, key)
    with transaction(factory) as db:
        stored = db.execute(select(StaffRecoveryCode.code_hash)
                            .where(StaffRecoveryCode.staff_id == staff_id)).scalars().all()
    assert len(stored) == 10
    assert not any(code.replace("-", "") in h or code in h for code in codes for h in stored)
    assert _second_step(factory, key, codes[3].lower().replace("-", " ")).ok  # typed loosely
    assert _second_step(factory, key, codes[3]).code == "bad_code"
    # Recovery codes work without the sealing key (a key folder problem must not lock
    # every admin out).
    assert _second_step(factory, None, codes[4]).ok
    with transaction(factory) as db:
        assert second_factor.recovery_codes_left(db, staff_id) == 8


def test_the_secret_is_sealed_and_bound_to_its_account(factory, key, tmp_path):
    staff_id, secret, _codes, _at = _enrolled(factory, key)
    _enrolled(factory, key, username="paul")
    with transaction(factory) as db:
        claire = db.get(Staff, staff_id)
        paul = db.execute(select(Staff).where(Staff.username == "paul")).scalar_one()
        assert secret not in claire.totp_secret and claire.totp_secret.startswith("v1:")
        # Another key folder cannot open it …
        other = second_factor.key(tmp_path / "other-keys", create=True)
        with pytest.raises(Conflict) as caught:
            second_factor.check(db, other, claire, "123456")
        assert caught.value.code == "second_factor_unreadable"
        # … and Claire's sealed secret copied onto Paul's row does not open as Paul's.
        paul.totp_secret = claire.totp_secret
        with pytest.raises(Conflict):
            second_factor.check(db, key, paul, "123456")


def test_disable_and_reset_end_half_done_logins(factory, key):
    _id, secret, _codes, enrolled_at = _enrolled(factory, key)
    now = enrolled_at + timedelta(minutes=1)
    pending = _password(factory, now=now)
    with transaction(factory) as db:
        assert staff.set_active(db, "cli:ops", "claire", False)
    with transaction(factory) as db:
        late = staff.complete_login(db, key, pending.staff.id, pending.staff.session_nonce,
                                    pyotp.TOTP(secret).at(now), now=now)
    assert late.code == "expired"
    assert _password(factory, now=now).code == "bad_credentials"
    with transaction(factory) as db:
        staff.set_active(db, "cli:ops", "claire", True)
        staff.reset(db, "cli:ops", "claire")
    # After a reset the next login enrols a new authenticator; the old codes are gone.
    assert _password(factory, now=now).second_factor == "enrol"
    with transaction(factory) as db:
        row = db.execute(select(Staff).where(Staff.username == "claire")).scalar_one()
        assert row.totp_secret is None and second_factor.recovery_codes_left(db, row.id) == 0
        assert second_factor.state(row) == "none"


def test_unlock_lifts_the_delays_from_every_address(factory, key):
    with transaction(factory) as db:
        staff.create_staff(db, "t", "lea", "auditor", PASSWORD)
    for address in ("10.0.0.1", "10.0.0.2"):
        for _ in range(5):
            with transaction(factory) as db:
                staff.authenticate(db, "lea", "faux", address)
        assert _password(factory, "lea", address).code == "locked"
    with transaction(factory) as db:
        assert staff.unlock(db, "cli:ops", "lea") == 2
    for address in ("10.0.0.1", "10.0.0.2"):
        assert _password(factory, "lea", address).ok
