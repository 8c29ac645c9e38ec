"""Writing a batch of record events, the rows that index them, the signed head and the
record's tail in as few round trips as the database allows.

These writes are made while the election's lock is held, so every other cast of the
election waits for them: on PostgreSQL they go in one statement (data-modifying CTEs over
arrays, the same text whatever the batch size, so the server keeps it prepared). SQLite
runs in-process, where a statement costs no round trip: plain inserts and one update.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, text, update
from sqlalchemy.orm import Session

from .models import BallotIndex, Election, RecordEvent, SignedHeadRow

_EVENT_COLUMNS = ("seq", "prev_hash", "hash", "type", "line")
_BALLOT_COLUMNS = ("tracker", "credential", "question", "channel", "seq", "ciphertexts",
                   "event_seq", "request_digest")

_POSTGRESQL = text("""
WITH appended AS (
  INSERT INTO record_events (election_id, seq, prev_hash, hash, type, line)
  SELECT :election_id, * FROM unnest(CAST(:seq AS integer[]), CAST(:prev_hash AS text[]),
                                     CAST(:hash AS text[]), CAST(:type AS text[]),
                                     CAST(:line AS text[]))
), indexed AS (
  INSERT INTO ballots (election_id, tracker, credential, question, channel, seq, ciphertexts,
                       event_seq, request_digest)
  SELECT :election_id, * FROM unnest(CAST(:b_tracker AS text[]), CAST(:b_credential AS text[]),
                                     CAST(:b_question AS text[]), CAST(:b_channel AS text[]),
                                     CAST(:b_seq AS integer[]), CAST(:b_ciphertexts AS text[]),
                                     CAST(:b_event_seq AS integer[]),
                                     CAST(:b_request_digest AS text[]))
), signed AS (
  INSERT INTO record_heads (election_id, height, line, witness)
  SELECT :election_id, :height, CAST(:head_line AS text), false
  WHERE CAST(:head_line AS text) IS NOT NULL
)
UPDATE elections SET record_height = :height, record_head = :head WHERE id = :election_id
""")

_MOVE_TAIL = (update(Election.__table__).where(Election.__table__.c.id == bindparam("election_id"))
              .values(record_height=bindparam("height"), record_head=bindparam("head")))


def write(session: Session, election_id: int, events: list[dict[str, Any]], height: int,
          head: str, ballots: list[dict[str, Any]] = (), head_line: str | None = None) -> None:
    """``events``: dicts of the record_events columns but the election; ``ballots``: dicts
    of the ballots (index) columns but the election; ``height``/``head``: the new tail;
    ``head_line``: a signed head of the service at ``height``, if any."""
    if session.get_bind().dialect.name == "postgresql":
        params: dict[str, Any] = {"election_id": election_id, "height": height, "head": head,
                                  "head_line": head_line}
        params.update({c: [e[c] for e in events] for c in _EVENT_COLUMNS})
        params.update({f"b_{c}": [b[c] for b in ballots] for c in _BALLOT_COLUMNS})
        session.execute(_POSTGRESQL, params)
        return
    session.execute(insert(RecordEvent.__table__),
                    [{"election_id": election_id, **e} for e in events])
    if ballots:
        session.execute(insert(BallotIndex.__table__),
                        [{"election_id": election_id, **b} for b in ballots])
    if head_line is not None:
        session.execute(insert(SignedHeadRow.__table__), {
            "election_id": election_id, "height": height, "line": head_line, "witness": False})
    session.execute(_MOVE_TAIL, {"election_id": election_id, "height": height, "head": head})
