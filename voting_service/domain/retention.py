"""Retention: personal data of a certified election is deleted after its retention period.

What goes: the roll (names, birth dates, addresses, voter numbers), the register, voter
sessions and login counters. What stays: the public record — public credentials (their link
to a person is cut), ballots, results, and the audit chain, whose entries hold digests.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ..store.models import Credential, Election, LoginThrottle, Voter
from ..store.types import utcnow
from . import audit
from .errors import Conflict


def purge(session: Session, actor: str, election: Election,
          now: datetime | None = None) -> int:
    now = now or utcnow()
    if election.status != "certified" or election.certified_at is None:
        raise Conflict("personal data is kept until the results are certified",
                       "not_certified")
    due = election.certified_at + timedelta(days=election.retention_days)
    if now < due:
        raise Conflict(f"the retention period runs until {due.date().isoformat()}",
                       "retention_running", {"due": due.isoformat()})
    count = session.execute(select(func.count()).select_from(Voter).where(
        Voter.election_id == election.id)).scalar_one()
    # Cut the link explicitly (the foreign key also does it) so no backend differs.
    session.execute(update(Credential).where(Credential.election_id == election.id)
                    .values(voter_id=None))
    session.execute(delete(LoginThrottle).where(LoginThrottle.election_id == election.id))
    session.execute(delete(Voter).where(Voter.election_id == election.id))
    audit.append(session, actor, "voters.purge", f"election:{election.slug}",
                 {"deleted": count})
    return count
