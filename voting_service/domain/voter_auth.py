"""Voter login: voter number + login token (derived on the device from the letter code)
+ date of birth where the election asks for it.

* The server keeps only argon2id(login token) (t=2, m=19 MiB, p=1), computed by libsodium
  (through PyNaCl): the same standard algorithm and encoded form as argon2-cffi, but its
  vectorised implementation issues a city's credentials in well under half an hour.
* An unknown voter number costs the same argon2 verification as a wrong code, and gets
  the same answer: the roll cannot be enumerated through this door.
* No voter number is ever locked as such: a lock after a few failures would let anyone shut
  any voter out by typing junk with their number, and guessing a 94-bit code is hopeless
  anyway. Failures are counted per (voter number, client address) and per client address,
  each with growing delays (`PAIR`, `ADDRESS`): the attacker's address slows down, the voter
  at home does not notice. While a delay runs the attempt is refused (429 with the seconds
  to wait) before any argon2 work, and it counts nothing. Counters exist for unknown numbers
  too, so delays reveal nothing. Staff can lift the delays on a number from every address
  (audit-logged), e.g. for a voter who mistyped many times; an address's own delays stay.
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

# One person mistyping: a few free tries, then waits of 15 s, 30 s, 1 min, … up to an hour.
PAIR = throttle.Backoff(free=4, first=timedelta(seconds=15), cap=timedelta(hours=1),
                        forget=timedelta(days=1))
# One address (a household, a library or a mobile network shares one): generous, then
# doubling waits up to 15 minutes, so one address cannot try more than four codes an hour.
ADDRESS = throttle.Backoff(free=30, first=timedelta(seconds=1), cap=timedelta(minutes=15),
                           forget=timedelta(hours=1))
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


def _number_prefix(election: Election, voter_number: str) -> str:
    return _key("voter", str(election.id), voter_number.upper())[:32]


def pair_key(election: Election, voter_number: str, address: str) -> str:
    """Half a hash of the number, half of the address: the 64-character key stays opaque,
    yet staff can find every address's counter of one number by its prefix."""
    return _number_prefix(election, voter_number) + _key("pair-address", str(election.id),
                                                         address)[:32]


def address_key(election: Election, address: str) -> str:
    return _key("address", str(election.id), address)


@dataclass(frozen=True)
class LoginOutcome:
    ok: bool
    code: str = ""               # bad_credentials | too_many_attempts | rate_limited
    session_token: str = ""
    expires_at: datetime | None = None
    voter: Voter | None = None
    retry_after: int = 0         # seconds, for too_many_attempts and rate_limited


def login(session: Session, election: Election, voter_number: str, token: bytes,
          birth_date: date | None, address: str, now: datetime | None = None) -> LoginOutcome:
    now = now or utcnow()
    per_address = throttle.counter(session, address_key(election, address), now, election.id)
    wait = throttle.seconds_locked(per_address, now)
    if wait:
        return LoginOutcome(False, "rate_limited", retry_after=wait)
    per_pair = throttle.counter(session, pair_key(election, voter_number, address), now,
                                election.id)
    wait = throttle.seconds_locked(per_pair, now)
    if wait:
        return LoginOutcome(False, "too_many_attempts", retry_after=wait)
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
        PAIR.record_failure(per_pair, now)
        ADDRESS.record_failure(per_address, now)
        return LoginOutcome(False, "bad_credentials")
    # The address keeps its count: one voter's success must not let the address that shares
    # it guess on at full speed.
    throttle.record_success(per_pair)
    session.execute(delete(VoterSession).where(VoterSession.voter_id == voter.id))
    clear = secrets.token_urlsafe(32)
    expires = now + SESSION_LIFETIME
    session.add(VoterSession(token_hash=_key("session", clear), voter_id=voter.id,
                             created_at=now, expires_at=expires))
    return LoginOutcome(True, session_token=clear, expires_at=expires, voter=voter)


def session_digest(clear: str) -> str:
    """How a voter session token is looked up (the clear token is never stored)."""
    return _key("session", clear)


def voter_for_session(session: Session, clear: str, now: datetime | None = None) -> Voter | None:
    now = now or utcnow()
    row = session.get(VoterSession, session_digest(clear))
    if row is None or row.expires_at <= now:
        return None
    return session.get(Voter, row.voter_id)


def logout(session: Session, clear: str) -> None:
    session.execute(delete(VoterSession).where(VoterSession.token_hash == _key("session", clear)))


def unlock(session: Session, actor: str, election: Election, voter_number: str) -> bool:
    """Lift the delays on a voter number from every address (staff, after checking the
    person's identity). True if there were failures to forget."""
    prefix = _number_prefix(election, voter_number)   # hexadecimal: no LIKE wildcard in it
    result = session.execute(
        update(LoginThrottle).where(LoginThrottle.election_id == election.id,
                                    LoginThrottle.key.startswith(prefix),
                                    LoginThrottle.failures > 0)
        .values(failures=0, locked_until=None))
    audit.append(session, actor, "voters.unlock",
                 f"election:{election.slug}/voter:{voter_number}")
    return bool(result.rowcount)
