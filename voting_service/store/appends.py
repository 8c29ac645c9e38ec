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

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from .models import BallotIndex, Election, RecordEvent, SignedHeadRow, SpoiledBallot

# The rows travel as one JSON text each (serialised in C, parsed by the server), not as
# arrays, which the driver would build element by element in Python.
_POSTGRESQL = text("""
WITH appended AS (
  INSERT INTO record_events (election_id, seq, prev_hash, hash, type, line)
  SELECT :election_id, seq, prev_hash, hash, type, line
  FROM json_populate_recordset(NULL::record_events, CAST(:events AS json))
), indexed AS (
  INSERT INTO ballots (election_id, tracker, credential, question, channel, seq, ciphertexts,
                       event_seq, request_digest)
  SELECT :election_id, tracker, credential, question, channel, seq, ciphertexts, event_seq,
         request_digest
  FROM json_populate_recordset(NULL::ballots, CAST(:ballots AS json))
), signed AS (
  INSERT INTO record_heads (election_id, height, line, witness)
  SELECT :election_id, :height, CAST(:head_line AS text), false
  WHERE CAST(:head_line AS text) IS NOT NULL
)
UPDATE elections SET record_height = :height, record_head = :head
WHERE id = :election_id AND NOT EXISTS (
  SELECT 1 FROM spoiled_ballots WHERE election_id = :election_id
  AND (tracker IN (SELECT json_array_elements_text(CAST(:spoiled_trackers AS json)))
       OR ciphertexts IN (SELECT json_array_elements_text(CAST(:spoiled_digests AS json)))))
RETURNING id
""")
_SPOILED = (select(SpoiledBallot.__table__.c.id).where(
    SpoiledBallot.__table__.c.election_id == bindparam("election_id"),
    SpoiledBallot.__table__.c.tracker.in_(bindparam("trackers", expanding=True))
    | SpoiledBallot.__table__.c.ciphertexts.in_(bindparam("digests", expanding=True)))
    .limit(1))

_MOVE_TAIL = (update(Election.__table__).where(Election.__table__.c.id == bindparam("election_id"))
              .values(record_height=bindparam("height"), record_head=bindparam("head")))


def write(session: Session, election_id: int, events: list[dict[str, Any]], height: int,
          head: str, ballots: list[dict[str, Any]] = (), head_line: str | None = None,
          unless_spoiled: tuple[list[str], list[str]] = ((), ())) -> bool:
    """``events``: dicts of the record_events columns but the election; ``ballots``: dicts
    of the ballots (index) columns but the election; ``height``/``head``: the new tail;
    ``head_line``: a signed head of the service at ``height``, if any.

    Returns False, having left the tail where it was, when a spoiled ballot of this
    election has one of the trackers or ciphertext digests of ``unless_spoiled``: the caller
    must then roll back (the rows may be written). Call it holding the election's lock, in
    its own statement after the lock was granted, so that it sees every spoil committed
    before (spoiling takes the same lock)."""
    trackers, digests = unless_spoiled
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(_POSTGRESQL, {
            "election_id": election_id, "height": height, "head": head,
            "head_line": head_line, "events": json.dumps(events),
            "ballots": json.dumps(list(ballots)), "spoiled_trackers": json.dumps(list(trackers)),
            "spoiled_digests": json.dumps(list(digests))}).first() is not None
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
    return True
