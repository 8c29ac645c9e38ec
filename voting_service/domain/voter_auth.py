"""Voter login: voter number + login token (derived on the device from the letter code)
+ date of birth where the election asks for it.

* The server keeps only argon2id(login token) (t=2, m=19 MiB, p=1), computed by libsodium
  (through PyNaCl): the same standard algorithm and encoded form as argon2-cffi, but its
  vectorised implementation issues a city's credentials in well under half an hour.
* An unknown voter number costs the same argon2 verification as a wrong code, and gets
  the same answer: the roll cannot be enumerated through this door.
* Failures are counted per (election, voter number) whether or not the number exists, so
  after 5 failures the number is locked for a cooling period, and a lock reveals nothing
  either; staff can lift it (audit-logged). Failed attempts are also limited per client
  address (generously: a household or a public network shares one address).
* A successful login ends the voter's earlier sessions (rotation); sessions expire.

`login` never raises for a refused attempt: it returns the outcome, so the caller commits the
failure counters before answering.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import nacl.exceptions
import nacl.pwhash
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..crypto.login_hash import hash_login_token
from ..store.models import Election, LoginThrottle, Voter, VoterSession
from ..store.types import utcnow
from . import audit, throttle

MAX_FAILURES = throttle.MAX_FAILURES
LOCK = throttle.LOCK
ADDRESS_LIMIT = 100          # failed attempts per client address and window
ADDRESS_WINDOW = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(minutes=30)
TOKEN_BYTES = 32


_DUMMY = hash_login_token(secrets.token_bytes(TOKEN_BYTES))


def _verify(stored: str, token: bytes) -> bool:
    try:
        return nacl.pwhash.verify(stored.encode("ascii"), token)
    except (nacl.exceptions.InvalidkeyError, nacl.exceptions.CryptoError, ValueError):
        return False


def _key(*parts: str) -> str:
    return throttle.key(*parts)


def voter_key(election: Election, voter_number: str) -> str:
    return _key("voter", str(election.id), voter_number.upper())


def address_key(election: Election, address: str) -> str:
    return _key("address", str(election.id), address)


@dataclass(frozen=True)
class LoginOutcome:
    ok: bool
    code: str = ""               # bad_credentials | locked | rate_limited
    session_token: str = ""
    expires_at: datetime | None = None
    voter: Voter | None = None
    retry_after: int = 0         # seconds, for locked and rate_limited


def _address_counter(session: Session, election: Election, address: str, now: datetime):
    row = throttle.counter(session, address_key(election, address), now, election.id)
    if now - row.window_start >= ADDRESS_WINDOW:
        row.window_start, row.failures = now, 0
    return row


def login(session: Session, election: Election, voter_number: str, token: bytes,
          birth_date: date | None, address: str, now: datetime | None = None) -> LoginOutcome:
    now = now or utcnow()
    per_address = _address_counter(session, election, address, now)
    if per_address.failures >= ADDRESS_LIMIT:
        wait = int((per_address.window_start + ADDRESS_WINDOW - now).total_seconds()) + 1
        return LoginOutcome(False, "rate_limited", retry_after=wait)
    per_voter = throttle.counter(session, voter_key(election, voter_number), now, election.id)
    locked = throttle.seconds_locked(per_voter, now)
    if locked:
        return LoginOutcome(False, "locked", retry_after=locked)
    voter = session.execute(select(Voter).where(
        Voter.election_id == election.id, Voter.voter_number == voter_number)
    ).scalar_one_or_none()
    stored = voter.login_hash if voter is not None and voter.login_hash else _DUMMY
    ok = _verify(stored, token) and voter is not None and voter.login_hash is not None
    if ok and election.login_requires_birth_date:
        ok = birth_date is not None and birth_date == voter.birth_date
    if ok and not voter.eligible:
        ok = False
    if not ok:
        throttle.record_failure(per_voter, now)
        per_address.failures += 1
        return LoginOutcome(False, "bad_credentials")
    throttle.record_success(per_voter)
    session.execute(delete(VoterSession).where(VoterSession.voter_id == voter.id))
    clear = secrets.token_urlsafe(32)
    expires = now + SESSION_LIFETIME
    session.add(VoterSession(token_hash=_key("session", clear), voter_id=voter.id,
                             created_at=now, expires_at=expires))
    return LoginOutcome(True, session_token=clear, expires_at=expires, voter=voter)


def voter_for_session(session: Session, clear: str, now: datetime | None = None) -> Voter | None:
    now = now or utcnow()
    row = session.get(VoterSession, _key("session", clear))
    if row is None or row.expires_at <= now:
        return None
    return session.get(Voter, row.voter_id)


def logout(session: Session, clear: str) -> None:
    session.execute(delete(VoterSession).where(VoterSession.token_hash == _key("session", clear)))


def unlock(session: Session, actor: str, election: Election, voter_number: str) -> bool:
    """Lift a lock (staff, after checking the person's identity). True if one was lifted."""
    result = session.execute(
        update(LoginThrottle).where(LoginThrottle.key == voter_key(election, voter_number))
        .values(failures=0, locked_until=None))
    audit.append(session, actor, "voters.unlock",
                 f"election:{election.slug}/voter:{voter_number}")
    return bool(result.rowcount)
