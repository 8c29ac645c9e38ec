"""Failed-attempt counters and locks, kept in the database so every worker shares them.

Keys are SHA-256 hashes of what is counted (an election and voter number, a staff username,
a client address); they are created for unknown names too, so a lock says nothing about
whether the name exists.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..store.models import LoginThrottle

MAX_FAILURES = 5
LOCK = timedelta(minutes=15)


def key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def counter(session: Session, counter_key: str, now: datetime,
            election_id: int | None = None) -> LoginThrottle:
    """The counter row, created if missing, locked for this transaction."""
    row = session.get(LoginThrottle, counter_key, with_for_update=True)
    if row is None:
        try:
            with session.begin_nested():
                session.add(LoginThrottle(key=counter_key, election_id=election_id, failures=0,
                                          window_start=now))
        except IntegrityError:
            pass  # created concurrently: read it below
        row = session.get(LoginThrottle, counter_key, with_for_update=True,
                          populate_existing=True)
    return row


def seconds_locked(row: LoginThrottle, now: datetime) -> int:
    if row.locked_until is not None and row.locked_until > now:
        return int((row.locked_until - now).total_seconds()) + 1
    return 0


def record_failure(row: LoginThrottle, now: datetime) -> None:
    row.failures += 1
    if row.failures >= MAX_FAILURES:
        row.locked_until = now + LOCK
        row.failures = 0


def record_success(row: LoginThrottle) -> None:
    row.failures = 0
    row.locked_until = None
