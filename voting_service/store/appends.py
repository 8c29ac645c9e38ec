"""Writing a batch of record events, the rows that index them, the signed head and the
record's tail in as few round trips as the database allows.

These writes are made while the election's lock is held, so every other cast of the
election waits for them: on PostgreSQL they go in one statement (data-modifying CTEs over
JSON row sets, the same text whatever the batch size, so the server keeps it prepared). SQLite
runs in-process, where a statement costs no round trip: plain inserts and one update.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .models import BallotIndex, Election, RecordEvent, SignedHeadRow, SpoiledBallot

# The rows travel as one JSON text each (serialised in C, parsed by the server), not as
# arrays, which the driver would build element by element in Python. The text is the
# driver's (psycopg) own: it is sent with the COMMIT in one pipeline (``write``).
_POSTGRESQL = """
WITH appended AS (
  INSERT INTO record_events (election_id, seq, prev_hash, hash, type, line)
  SELECT %(election_id)s, seq, prev_hash, hash, type, line
  FROM json_populate_recordset(NULL::record_events, CAST(%(events)s AS json))
), indexed AS (
  INSERT INTO ballots (election_id, tracker, credential, question, channel, seq, ciphertexts,
                       event_seq, request_digest)
  SELECT %(election_id)s, tracker, credential, question, channel, seq, ciphertexts, event_seq,
         request_digest
  FROM json_populate_recordset(NULL::ballots, CAST(%(ballots)s AS json))
), signed AS (
  INSERT INTO record_heads (election_id, height, line, witness)
  SELECT %(election_id)s, %(height)s, CAST(%(head_line)s AS text), false
  WHERE CAST(%(head_line)s AS text) IS NOT NULL
)
UPDATE elections SET record_height = %(height)s, record_head = %(head)s
WHERE id = %(election_id)s AND CASE WHEN EXISTS (
  SELECT 1 FROM spoiled_ballots WHERE election_id = %(election_id)s
  AND (tracker IN (SELECT json_array_elements_text(CAST(%(spoiled_trackers)s AS json)))
       OR ciphertexts IN (SELECT json_array_elements_text(CAST(%(spoiled_digests)s AS json)))))
  THEN voting_refuse('ballot_spoiled') ELSE true END
"""
SPOILED = "ballot_spoiled"   # the refusal's message (migration 0005's voting_refuse)
_SPOILED = (select(SpoiledBallot.__table__.c.id).where(
    SpoiledBallot.__table__.c.election_id == bindparam("election_id"),
    SpoiledBallot.__table__.c.tracker.in_(bindparam("trackers", expanding=True))
    | SpoiledBallot.__table__.c.ciphertexts.in_(bindparam("digests", expanding=True)))
    .limit(1))

_MOVE_TAIL = (update(Election.__table__).where(Election.__table__.c.id == bindparam("election_id"))
              .values(record_height=bindparam("height"), record_head=bindparam("head")))


def write(session: Session, election_id: int, events: list[dict[str, Any]], height: int,
          head: str, ballots: list[dict[str, Any]] = (), head_line: str | None = None,
          unless_spoiled: tuple[list[str], list[str]] = ((), ()), commit: bool = False) -> bool:
    """``events``: dicts of the record_events columns but the election; ``ballots``: dicts
    of the ballots (index) columns but the election; ``height``/``head``: the new tail;
    ``head_line``: a signed head of the service at ``height``, if any.

    Returns False, having left the tail where it was, when a spoiled ballot of this
    election has one of the trackers or ciphertext digests of ``unless_spoiled``: the caller
    must then roll back (the rows may be written). Call it holding the election's lock, in
    its own statement after the lock was granted, so that it sees every spoil committed
    before (spoiling takes the same lock).

    ``commit``: these are the transaction's last writes; on PostgreSQL the COMMIT then goes
    in the same round trip as the statement (a pipeline), so the election's lock is
    released one round trip sooner, and the transaction is committed on return (True).
    Elsewhere the caller's unit of work commits as usual."""
    trackers, digests = unless_spoiled
    if session.get_bind().dialect.name == "postgresql":
        return _write_postgresql(session, {
            "election_id": election_id, "height": height, "head": head,
            "head_line": head_line, "events": json.dumps(events),
            "ballots": json.dumps(list(ballots)), "spoiled_trackers": json.dumps(list(trackers)),
            "spoiled_digests": json.dumps(list(digests))}, commit)
    if (trackers or digests) and session.execute(_SPOILED, {
            "election_id": election_id, "trackers": list(trackers),
            "digests": list(digests)}).first() is not None:
        return False
    session.execute(insert(RecordEvent.__table__),
                    [{"election_id": election_id, **e} for e in events])
    if ballots:
        session.execute(insert(BallotIndex.__table__),
                        [{"election_id": election_id, **b} for b in ballots])
    if head_line is not None:
        session.execute(insert(SignedHeadRow.__table__), {
            "election_id": election_id, "height": height, "line": head_line, "witness": False})
    session.execute(_MOVE_TAIL, {"election_id": election_id, "height": height, "head": head})
    before_commit(session, election_id)
    return True


def before_commit(session: Session, election_id: int) -> None:
    """The last instant before the commit (or before the COMMIT is sent): the crash tests
    make the transaction fail here, its writes made but not committed."""


def _write_postgresql(session: Session, params: dict[str, Any], commit: bool) -> bool:
    connection = session.connection()   # the unit's transaction, begun earlier
    driver = connection.connection.driver_connection   # psycopg
    try:
        with driver.pipeline():
            driver.execute(_POSTGRESQL, params)
            before_commit(session, params["election_id"])
            if commit:
                driver.commit()
    except psycopg.errors.RaiseException as error:
        if error.diag.message_primary == SPOILED:
            return False
        raise _translated(connection, error) from None
    except psycopg.Error as error:
        # As SQLAlchemy's own statements raise them (IntegrityError, OperationalError…),
        # so that callers and the web layer's handlers meet one family of errors.
        raise _translated(connection, error) from None
    return True


def _translated(connection, error: Exception) -> Exception:
    return DBAPIError.instance("casting write", None, error, psycopg.Error,
                               hide_parameters=True, dialect=connection.dialect,
                               ismulti=False)
