"""Failed-attempt counters and locks, kept in the database so every worker shares them.

Keys are SHA-256 hashes of what is counted (an election, voter number and client address, a
staff username, a client address); they are created for unknown names too, so a lock or a
delay says nothing about whether the name exists.

One policy, a `Backoff`: growing delays per (name, address) and per address, which never
lock a voter number or a staff account as such (junk typed from elsewhere cannot lock anyone
out).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..store.models import LoginThrottle

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


def record_success(row: LoginThrottle) -> None:
    row.failures = 0
    row.locked_until = None


@dataclass(frozen=True)
class Backoff:
    """Growing delays: after `free` failures each further failure makes the counter wait,
    `first` then twice as long each time, up to `cap`. A counter with no failure for
    `forget` starts over (`forget` exceeds `cap`, so waiting out the delays does not reset
    them). On these rows `window_start` holds the time of the last failure."""

    free: int
    first: timedelta
    cap: timedelta
    forget: timedelta

    def record_failure(self, row: LoginThrottle, now: datetime) -> None:
        if now - row.window_start >= self.forget:
            row.failures = 0
        row.failures += 1
        row.window_start = now
        excess = row.failures - self.free
        if excess >= 0:
            # The exponent is bounded so a counter that keeps failing cannot overflow.
            row.locked_until = now + min(self.first * 2 ** min(excess, 32), self.cap)
