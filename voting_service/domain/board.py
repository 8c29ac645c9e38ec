"""The public board: what anyone may read of an election's record without logging in.

Turnout is published by district and channel, but a count below 10 is shown as "< 10": in a
small district a precise small number, crossed with the public check-in events, could point
at individual people.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..store.models import BallotIndex, Credential, Election, Participation, PollingPoint, \
    RecordEvent, SpoiledBallot, Voter
from . import record
from .errors import InvalidInput, NotFound

PAGE = 500
SMALL = 10


def _public(election: Election) -> None:
    if election.status == "draft":
        raise NotFound(f"no election {election.slug!r}", "election_not_found")


def _small(count: int) -> int | str:
    return count if count >= SMALL else "< 10"


def summary(session: Session, election: Election) -> dict[str, Any]:
    _public(election)
    head = record.latest_head(session, election)
    height, head_hash = record.last(session, election.id)
    count = lambda query: session.execute(query).scalar_one()  # noqa: E731
    credentials = count(select(func.count()).select_from(Credential).where(
        Credential.election_id == election.id, Credential.status == "active"))
    ballots = dict(session.execute(select(BallotIndex.channel, func.count()).where(
        BallotIndex.election_id == election.id).group_by(BallotIndex.channel)).all())
    spoiled = count(select(func.count()).select_from(SpoiledBallot).where(
        SpoiledBallot.election_id == election.id))
    points = dict(session.execute(
        select(PollingPoint.key, func.count(Participation.voter_id))
        .outerjoin(Participation, Participation.checkin_point_id == PollingPoint.id)
        .where(PollingPoint.election_id == election.id).group_by(PollingPoint.key)).all())
    turnout: dict[str, dict[str, int | str]] = {}
    rows = session.execute(
        select(Voter.district_key, Participation.state, func.count())
        .join(Participation, Participation.voter_id == Voter.id)
        .where(Voter.election_id == election.id,
               Participation.state.in_(("online", "voted_in_person")))
        .group_by(Voter.district_key, Participation.state)).all()
    for district, state, n in rows:
        channel = "online" if state == "online" else "in_person"
        turnout.setdefault(district or "-", {})[channel] = _small(n)
    return {
        "election": election.slug, "status": election.status,
        "fingerprint": election.fingerprint, "height": height,
        "head_hash": head_hash.hex() if height else None,
        "signed_head": head.to_json() if head else None,
        "counts": {"credentials": credentials,
                   "ballots": {"online": ballots.get("online", 0),
                               "kiosk": ballots.get("kiosk", 0)},
                   "spoiled": spoiled,
                   "checkins": points},
        "turnout": turnout,
    }


# Event numbers are 32-bit integer columns (PostgreSQL INTEGER).
MAX_SEQ = 2**31 - 1


def events(session: Session, election: Election, start: Any, count: Any) -> dict[str, Any]:
    _public(election)
    try:
        start, count = int(start), int(count)
    except (TypeError, ValueError):
        raise InvalidInput("start and count are integers", "invalid_input")
    if start < 1 or not 1 <= count <= PAGE:
        raise InvalidInput(f"start >= 1, 1 <= count <= {PAGE}", "invalid_input")
    lines = []
    if start <= MAX_SEQ:  # past any stored event; a larger integer overflows the column
        lines = session.execute(select(RecordEvent.line).where(
            RecordEvent.election_id == election.id, RecordEvent.seq >= start,
            RecordEvent.seq <= min(start + count - 1, MAX_SEQ)).order_by(RecordEvent.seq)
        ).scalars().all()
    height, _ = record.last(session, election.id)
    return {"events": [json.loads(line) for line in lines], "height": height}


def ballot(session: Session, election: Election, tracker: str) -> dict[str, Any]:
    _public(election)
    tracker = tracker.lower()
    if len(tracker) != 64 or not set(tracker) <= set("0123456789abcdef"):
        raise InvalidInput("a tracker is 64 hexadecimal characters", "invalid_tracker")
    row = session.execute(select(BallotIndex.event_seq, BallotIndex.question,
                                 BallotIndex.channel).where(
        BallotIndex.election_id == election.id, BallotIndex.tracker == tracker)).first()
    spoiled = session.execute(select(SpoiledBallot.event_seq).where(
        SpoiledBallot.election_id == election.id, SpoiledBallot.tracker == tracker)).scalar()
    head = record.latest_head(session, election)
    found = {"tracker": tracker, "head": head.to_json() if head else None}
    if row is not None:
        return {**found, "found": True, "status": "cast", "position": row.event_seq,
                "question": row.question, "channel": row.channel}
    if spoiled is not None:
        return {**found, "found": True, "status": "spoiled", "position": spoiled}
    return {**found, "found": False}


def by_credential(session: Session, election: Election, credential: str) -> dict[str, Any]:
    """What was cast with a public credential (the voter's browser derives it from the
    code; the code itself is never sent)."""
    _public(election)
    credential = credential.lower()
    if len(credential) != 64 or not set(credential) <= set("0123456789abcdef"):
        raise InvalidInput("a public credential is 64 hexadecimal characters",
                           "invalid_credential")
    rows = session.execute(select(BallotIndex.tracker, BallotIndex.question,
                                  BallotIndex.channel, BallotIndex.seq, BallotIndex.event_seq)
                           .where(BallotIndex.election_id == election.id,
                                  BallotIndex.credential == credential)
                           .order_by(BallotIndex.event_seq)).all()
    listed = session.execute(select(Credential.status).where(
        Credential.election_id == election.id, Credential.public_key == credential)).scalar()
    return {"credential": credential, "listed": listed is not None,
            "revoked": listed == "revoked",
            "ballots": [{"tracker": r.tracker, "question": r.question, "channel": r.channel,
                         "seq": r.seq, "position": r.event_seq} for r in rows]}
