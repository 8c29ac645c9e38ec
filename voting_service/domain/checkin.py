"""Polling-point check-in: the officer scans the letter's QR; the voter's public credential
is checked in at that polling point, in the register and in the public record.

The QR names the election and the voter and carries the letter's check-in secret, whose hash
is stored with the voter's credential: a reissued letter's old QR matches only the revoked
credential and is refused. The record's check-in event names the public credential, the
polling point and the officer, never the person; the kiosk ballot that follows names this
event (domain/casting.py), so one kiosk ballot per check-in, at this polling point, is
checked by the verifier from the record alone.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..letters.checkin_code import InvalidCheckinCode, parse_checkin_payload
from ..store.models import Credential, Election, Participation
from . import record, register
from .errors import Conflict, InvalidInput
from .validation import iso
from .voter_roll import find_voter


@dataclass(frozen=True)
class CheckinView:
    voter_number: str
    state: str
    polling_point: str
    at: str
    checkin: str      # the check-in event's hash: the kiosk ballot names it
    credential: str
    questions: list[str]

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _credential(session: Session, election: Election, voter_id: int, secret_hash: str):
    """The voter's active credential if the QR is its letter's; a clear refusal otherwise."""
    rows = session.execute(select(Credential.public_key, Credential.questions,
                                  Credential.status, Credential.checkin_hash)
                           .where(Credential.election_id == election.id,
                                  Credential.voter_id == voter_id)).all()
    for row in rows:
        if row.checkin_hash and hmac.compare_digest(row.checkin_hash, secret_hash):
            if row.status == "active":
                return row
            raise Conflict("this letter was replaced by a new one: ask the voter for the new "
                           "letter, or find them by name", "letter_replaced")
    raise InvalidInput("this QR code is not valid here (unknown letter)", "invalid_qr")


def check_in(session: Session, election: Election, payload: str, point_key: str,
             officer: str) -> CheckinView:
    try:
        code = parse_checkin_payload(payload)
    except InvalidCheckinCode as error:
        raise InvalidInput(f"this QR code is not valid here ({error.reason})", "invalid_qr")
    if code.election_id != election.slug:
        raise InvalidInput("this letter belongs to another election", "invalid_qr")
    voter = find_voter(session, election, code.voter_number)
    credential = _credential(session, election, voter.id, code.secret_hash)
    # The voter's register row first, the election's lock second: the order casting takes
    # them in, so a check-in and a cast of the same voter never wait on each other in a ring.
    entry = register.check_in(session, election, voter.id, point_key, officer)
    event = record.append(session, election.id, "checkin",
                          {"credential": credential.public_key, "polling_point": point_key,
                           "officer": officer[:120]})
    session.execute(update(Participation).where(Participation.voter_id == voter.id)
                    .values(checkin_event=event.hash.hex()))
    return CheckinView(voter.voter_number, entry.state, entry.checkin_point,
                       iso(entry.checkin_at), event.hash.hex(), credential.public_key,
                       sorted(credential.questions))
