"""The election's public record as the service keeps it: appends, signed heads, export.

Every use case that changes the vote appends its events here, in the caller's transaction,
holding the election row's lock: events are strictly ordered and the chain can never fork
(the store's unique (election, prev_hash) backs the lock). The service signs the head it
hands out on each receipt with its Ed25519 key (``record-signing.key`` in the key folder),
whose public half the manifest event publishes. The key is created when an election is
frozen; afterwards the service only loads it, and refuses to sign with another one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from functools import lru_cache

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..record.archive import write_record
from ..record.events import GENESIS, Event, make_event, parse_event
from ..record.heads import SignedHead, head_signature_valid, sign_head
from ..store import appends
from ..store.models import Election, RecordEvent, SignedHeadRow
from ..store.types import utcnow
from . import keystore
from .errors import InvalidInput, NotFound

SIGNING_KEY = "record-signing.key"


def now_text() -> str:
    return utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class _Tail:
    """Where the next event goes, read under the lock and kept for this transaction, with
    the election's state as it stands under that lock."""

    height: int
    head: bytes
    status: str
    starts_at: datetime
    ends_at: datetime


def _tail_key(election_id: int) -> tuple[str, int]:
    return ("record_tail", election_id)


_E = Election.__table__
_LOCK = (select(_E.c.record_height, _E.c.record_head, _E.c.status, _E.c.starts_at,
                _E.c.ends_at).where(_E.c.id == bindparam("election_id")).with_for_update())


def lock(session: Session, election_id: int) -> _Tail:
    """Take the election row's lock (PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the
    database lock) and read the record's tail kept on that row, in one statement."""
    tail = session.info.get(_tail_key(election_id))
    if tail is None:
        tail = _keep_tail(session, election_id,
                          session.execute(_LOCK, {"election_id": election_id}).one())
    return tail


def _keep_tail(session: Session, election_id: int, row) -> _Tail:
    tail = _Tail(row.record_height, bytes.fromhex(row.record_head), row.status,
                 row.starts_at, row.ends_at)
    session.info[_tail_key(election_id)] = tail
    return tail


def last(session: Session, election_id: int) -> tuple[int, bytes]:
    """The record's height and head hash as this transaction sees them."""
    tail = session.info.get(_tail_key(election_id))
    if tail is not None:
        return tail.height, tail.head
    row = session.execute(select(Election.record_height, Election.record_head)
                          .where(Election.id == election_id)).one()
    return row.record_height, bytes.fromhex(row.record_head)


def append(session: Session, election_id: int, type_: str, body: dict[str, Any]) -> Event:
    """Append one event under the election's lock (taken here if the caller has not)."""
    return append_many(session, election_id, [(type_, body)])[0]


def append_many(session: Session, election_id: int,
                items: list[tuple[str, dict[str, Any]]]) -> list[Event]:
    """Append events in order, moving the tail kept on the election row once."""
    tail = lock(session, election_id)
    appended, rows = _chain(tail, items)
    appends.write(session, election_id, rows, tail.height, tail.head.hex())
    return appended


class Spoiled(Exception):
    """``append_signed`` found a spoiled ballot among those it was to append."""


class Duplicate(Exception):
    """``append_signed``: the database refused an index row as a duplicate (a ballot
    committed by a concurrent transaction after this one's checks read the index). The
    transaction is unusable: the caller rolls back."""


def append_signed(session: Session, election, items: list[tuple[str, dict[str, Any]]],
                  key_dir: Path, index: Callable[[list[Event]], list[dict[str, Any]]],
                  unless_spoiled: tuple[list[str], list[str]], commit: bool = False
                  ) -> tuple[list[Event], SignedHead]:
    """``append_many`` then ``sign_current_head``, with the rows ``index`` gives for the new
    events (the ballot index), written together (one round trip on PostgreSQL) unless a
    ballot was spoiled (``unless_spoiled``: trackers and ciphertext digests), which raises
    Spoiled: the caller rolls back. The casting path, under the election's lock.
    ``commit``: the transaction ends with these writes (``appends.write``)."""
    tail = lock(session, election.id)
    before = (tail.height, tail.head)
    appended, rows = _chain(tail, items)
    head = _sign(election, key_dir, tail.height, tail.head)
    try:
        written = appends.write(session, election.id, rows, tail.height, tail.head.hex(),
                                ballots=index(appended), head_line=_head_line(head),
                                unless_spoiled=unless_spoiled, commit=commit)
    except IntegrityError:
        tail.height, tail.head = before
        raise Duplicate() from None
    if not written:
        tail.height, tail.head = before
        raise Spoiled()
    return appended, head


def _chain(tail: _Tail, items: list[tuple[str, dict[str, Any]]]
           ) -> tuple[list[Event], list[dict[str, Any]]]:
    at = now_text()
    appended, rows = [], []
    for type_, body in items:
        event = make_event(tail.height + 1, tail.head, type_, at, body)
        rows.append({"seq": event.seq, "prev_hash": tail.head.hex(), "hash": event.hash.hex(),
                     "type": type_, "line": event.line().decode()})
        tail.height, tail.head = event.seq, event.hash
        appended.append(event)
    return appended, rows


def events(session: Session, election_id: int, start: int = 1, stop: int | None = None
           ) -> Iterator[Event]:
    query = (select(RecordEvent.line).where(RecordEvent.election_id == election_id,
                                            RecordEvent.seq >= start)
             .order_by(RecordEvent.seq))
    if stop is not None:
        query = query.where(RecordEvent.seq <= stop)
    for line in session.execute(query.execution_options(yield_per=2000)).scalars():
        yield parse_event(json.loads(line))


# --- the service key and signed heads ---------------------------------------------------

def _private_key(key_dir: Path, create: bool = False) -> Ed25519PrivateKey:
    if create:
        keystore.load_or_create(key_dir, SIGNING_KEY)
    try:
        stat = (Path(key_dir) / SIGNING_KEY).stat()
        version = (stat.st_mtime_ns, stat.st_size, stat.st_mode)
    except OSError:
        version = None
    return _loaded_key(str(key_dir), version)


@lru_cache(maxsize=4)
def _loaded_key(key_dir: str, _version) -> Ed25519PrivateKey:
    """Read once per process and per version of the file (its mtime, size and mode are part
    of the cache key, so a replaced or exposed file is read, and judged, again)."""
    return Ed25519PrivateKey.from_private_bytes(keystore.load(Path(key_dir), SIGNING_KEY))


def service_public_key(key_dir: Path, create: bool = False) -> bytes:
    return _private_key(key_dir, create).public_key().public_bytes(Encoding.Raw,
                                                                   PublicFormat.Raw)


def sign_current_head(session: Session, election, key_dir: Path) -> SignedHead:
    """Sign the head as it stands in this transaction and keep the signature."""
    height, head_hash = last(session, election.id)
    head = _sign(election, key_dir, height, head_hash)
    session.execute(_INSERT_HEAD, {"election_id": election.id, "height": height,
                                   "witness": False, "line": _head_line(head)})
    return head


_INSERT_HEAD = insert(SignedHeadRow.__table__)


def _sign(election, key_dir: Path, height: int, head_hash: bytes) -> SignedHead:
    head = sign_head(_private_key(key_dir), bytes.fromhex(election.fingerprint), height,
                     head_hash, now_text())
    if head.key.hex() != election.service_key:
        raise keystore.KeyUnavailable("the record signing key is not the one this election's "
                                      "manifest names: ask the IT direction to check the key "
                                      "folder")
    return head


def _head_line(head: SignedHead) -> str:
    return json.dumps(head.to_json(), sort_keys=True)


def latest_head(session: Session, election: Election) -> SignedHead | None:
    line = session.execute(select(SignedHeadRow.line).where(
        SignedHeadRow.election_id == election.id, SignedHeadRow.witness.is_(False))
        .order_by(SignedHeadRow.height.desc(), SignedHeadRow.id.desc()).limit(1)).scalar()
    return SignedHead.from_json(json.loads(line)) if line else None


def _heads(session: Session, election_id: int, witness: bool) -> list[SignedHead]:
    lines = session.execute(select(SignedHeadRow.line).where(
        SignedHeadRow.election_id == election_id, SignedHeadRow.witness.is_(witness))
        .order_by(SignedHeadRow.height, SignedHeadRow.id)).scalars()
    return [SignedHead.from_json(json.loads(line)) for line in lines]


def add_witness(session: Session, election: Election, head_json: Any) -> SignedHead:
    """An auditor's co-signature of a head: it must name a head of this record."""
    try:
        head = SignedHead.from_json(head_json)
    except ValueError as error:
        raise InvalidInput(f"not a signed head: {error}", "invalid_witness")
    if head.signer == "service":
        raise InvalidInput("a witness signs under their own name", "invalid_witness")
    lock(session, election.id)
    row = session.execute(select(RecordEvent.hash).where(
        RecordEvent.election_id == election.id, RecordEvent.seq == head.height)).scalar()
    if row is None or row != head.hash.hex():
        raise InvalidInput("this head is not a head of this election's record",
                           "unknown_head")
    if not head_signature_valid(bytes.fromhex(election.fingerprint), head):
        raise InvalidInput("the witness signature does not verify", "invalid_witness")
    session.add(SignedHeadRow(election_id=election.id, height=head.height, witness=True,
                              line=json.dumps(head.to_json(), sort_keys=True)))
    session.flush()
    return head


# --- export -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportReport:
    events: int
    heads: int
    witnesses: int
    head: str


def export(session: Session, election: Election, path: Path) -> ExportReport:
    if election.fingerprint is None:
        raise NotFound("this election has no record yet (it is not frozen)", "no_record")
    heads = _heads(session, election.id, False)
    witnesses = _heads(session, election.id, True)
    count = 0
    head = GENESIS

    def counted():
        nonlocal count, head
        for event in events(session, election.id):
            count += 1
            head = event.hash
            yield event

    write_record(path, counted(), heads, witnesses)
    return ExportReport(count, len(heads), len(witnesses), head.hex())
