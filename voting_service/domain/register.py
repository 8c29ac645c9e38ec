"""The one-person-one-vote register, applying the policy of the design:

* online, a voter may vote again until close; the last online ballot counts;
* a check-in at a polling point supersedes any online ballot and ends online voting;
* a person votes in person at most once, at the polling point where they checked in;
* a second check-in is refused with the place and time of the first.

Every change is one conditional UPDATE of the voter's single register row
(`… WHERE state IN (allowed states)`), so the database decides races: of concurrent
check-ins exactly one matches the condition, and an online ballot racing a check-in is either
recorded before it (then superseded) or refused after it — never two counted ballots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import Session

from ..store.models import Election, Participation, PollingPoint, Voter
from ..store.types import utcnow
from .errors import Conflict, NotFound
from .validation import iso


@dataclass(frozen=True)
class RegisterEntry:
    state: str
    online_ballots: int
    checkin_point: str | None
    checkin_at: datetime | None

    @property
    def counted_channel(self) -> str | None:
        """Which ballot counts: the in-person one, else the last online one, else none."""
        if self.state == "voted_in_person":
            return "in_person"
        if self.state == "online":
            return "online"
        return None


def _require_open(election: Election, now: datetime) -> None:
    if election.status != "open" or not election.starts_at <= now < election.ends_at:
        raise Conflict("voting is not open for this election", "voting_closed")


def _point(session: Session, election: Election, key: str) -> PollingPoint:
    point = session.execute(select(PollingPoint).where(
        PollingPoint.election_id == election.id, PollingPoint.key == key)).scalar_one_or_none()
    if point is None:
        raise NotFound(f"no polling point {key!r} in {election.slug!r}", "polling_point_not_found")
    return point


def entry(session: Session, voter_id: int) -> RegisterEntry:
    row = session.execute(
        select(Participation.state, Participation.online_ballots, PollingPoint.key,
               Participation.checkin_at)
        .outerjoin(PollingPoint, PollingPoint.id == Participation.checkin_point_id)
        .where(Participation.voter_id == voter_id)).one_or_none()
    if row is None:
        raise NotFound("this voter is not on the register", "voter_not_found")
    return RegisterEntry(*row)


def _first_checkin_conflict(session: Session, voter_id: int) -> Conflict:
    row = session.execute(
        select(Participation.state, PollingPoint.name, Participation.checkin_at)
        .outerjoin(PollingPoint, PollingPoint.id == Participation.checkin_point_id)
        .where(Participation.voter_id == voter_id)).one()
    return Conflict(f"already checked in at {row.name} on {iso(row.checkin_at)}",
                    "already_checked_in",
                    {"polling_point": row.name, "at": iso(row.checkin_at), "state": row.state})


def _eligible_voter(session: Session, election: Election, voter_id: int) -> Voter:
    voter = session.get(Voter, voter_id)
    if voter is None or voter.election_id != election.id:
        raise NotFound("no such voter in this election", "voter_not_found")
    if not voter.eligible:
        raise Conflict(f"not eligible: {voter.eligibility_reason}", "not_eligible")
    return voter


_P, _VT = Participation.__table__, Voter.__table__
# Built once, on the tables (not the ORM entities): the ORM's bulk UPDATE would also try to
# synchronise the session's objects, which the hot path does not hold.
_ONLINE_BALLOT = (
    update(_P)
    .where(_P.c.voter_id == bindparam("voter"), _P.c.state.in_(("none", "online")),
           exists().where(_VT.c.id == bindparam("voter"),
                          _VT.c.election_id == bindparam("election"), _VT.c.eligible))
    .values(state="online", online_ballots=_P.c.online_ballots + 1,
            last_online_at=bindparam("now"))
    .returning(_P.c.online_ballots))


def record_online_ballot(session: Session, election: Election, voter_id: int,
                         now: datetime | None = None) -> int:
    """Count one more online ballot (the newest replaces the earlier ones).
    Returns the number of online ballots so far."""
    now = now or utcnow()
    _require_open(election, now)
    # Eligibility is part of the one conditional UPDATE (a cast is the hot path); the
    # precise reason is looked up only when it refuses.
    result = session.execute(_ONLINE_BALLOT, {"voter": voter_id, "election": election.id,
                                              "now": now})
    count = result.scalar_one_or_none()
    if count is None:
        _eligible_voter(session, election, voter_id)
        raise Conflict("this voter checked in at a polling point: online voting is over for "
                       "them", "online_voting_ended")
    return count


def check_in(session: Session, election: Election, voter_id: int, point_key: str,
             officer: str, now: datetime | None = None) -> RegisterEntry:
    """Check a voter in at a polling point; supersedes any online ballot."""
    now = now or utcnow()
    _require_open(election, now)
    _eligible_voter(session, election, voter_id)
    point = _point(session, election, point_key)
    result = session.execute(
        update(Participation)
        .where(Participation.voter_id == voter_id,
               Participation.state.in_(("none", "online")))
        .values(state="checked_in", checkin_point_id=point.id, checkin_at=now,
                checkin_by=officer[:120])
        .returning(Participation.online_ballots))
    if result.scalar_one_or_none() is None:
        raise _first_checkin_conflict(session, voter_id)
    return entry(session, voter_id)


def record_in_person_ballot(session: Session, election: Election, voter_id: int,
                            point_key: str, now: datetime | None = None) -> RegisterEntry:
    """The ballot cast at the kiosk after check-in: once, at the same polling point."""
    now = now or utcnow()
    _require_open(election, now)
    point = _point(session, election, point_key)
    result = session.execute(
        update(Participation)
        .where(Participation.voter_id == voter_id, Participation.state == "checked_in",
               Participation.checkin_point_id == point.id)
        .values(state="voted_in_person", in_person_at=now)
        .returning(Participation.voter_id))
    if result.scalar_one_or_none() is None:
        current = entry(session, voter_id)
        if current.state == "voted_in_person":
            raise Conflict("this voter has already voted in person", "already_voted")
        if current.state == "checked_in":
            raise Conflict(f"checked in at {current.checkin_point}, not here",
                           "wrong_polling_point")
        raise Conflict("check in at the polling point first", "not_checked_in")
    return entry(session, voter_id)
