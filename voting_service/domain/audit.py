"""The administrative audit log: an append-only, hash-chained list of staff actions.

Each entry hashes its sequence number, its predecessor's hash, who acted, what they did, on
what, when, and the SHA-256 of the action's canonical payload (the payload itself is not kept:
it may hold personal data). Appends take the lock on the single `audit_head` row, so entries
are strictly ordered on every backend; `verify` recomputes the chain and compares it with the
head, so an edited, removed or reordered entry is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.models import AuditEntry, AuditHead
from ..store.types import utcnow
from ..record.canonical import canonical_bytes, digest, sha256_hex

GENESIS = "0" * 64


def entry_hash(seq: int, prev_hash: str, actor: str, action: str, target: str,
               payload_digest: str, created_at: datetime) -> str:
    return sha256_hex(canonical_bytes({
        "seq": seq,
        "prev": prev_hash,
        "actor": actor,
        "action": action,
        "target": target,
        "payload": payload_digest,
        "at": created_at.isoformat(timespec="microseconds"),
    }))


def append(session: Session, actor: str, action: str, target: str, payload=None) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits or rolls back with the action)."""
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, entry_hash=GENESIS)
        session.add(head)
        session.flush()
    seq = head.seq + 1
    created_at = utcnow()
    payload_digest = digest(payload if payload is not None else {})
    entry = AuditEntry(
        seq=seq,
        prev_hash=head.entry_hash,
        actor=actor,
        action=action,
        target=target,
        payload_digest=payload_digest,
        created_at=created_at,
    )
    entry.entry_hash = entry_hash(seq, head.entry_hash, actor, action, target,
                                  payload_digest, created_at)
    session.add(entry)
    head.seq = seq
    head.entry_hash = entry.entry_hash
    session.flush()
    return entry


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    entries: int
    head: str
    first_bad_seq: int | None = None
    reason: str = ""


def verify(session: Session, expected_head: str | None = None) -> VerifyReport:
    """Walk the whole chain; stop at the first entry that does not hold."""
    previous = GENESIS
    expected_seq = 1
    count = 0
    for entry in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        if entry.seq != expected_seq:
            return VerifyReport(False, count, previous, expected_seq,
                                f"entry {expected_seq} is missing (next entry found is {entry.seq})")
        if entry.prev_hash != previous:
            return VerifyReport(False, count, previous, entry.seq,
                                "does not follow its predecessor (removed or reordered entry)")
        recomputed = entry_hash(entry.seq, entry.prev_hash, entry.actor, entry.action,
                                entry.target, entry.payload_digest, entry.created_at)
        if recomputed != entry.entry_hash:
            return VerifyReport(False, count, previous, entry.seq, "content was edited")
        previous = entry.entry_hash
        expected_seq += 1
        count += 1
    head = session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.entry_hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (count, previous):
        return VerifyReport(False, count, previous, count + 1,
                            f"the log ends at entry {count} but its head names entry {head_seq}: "
                            "newest entries were removed or the head was altered")
    if expected_head is not None and expected_head != previous:
        return VerifyReport(False, count, previous, None,
                            "the head differs from the one expected")
    return VerifyReport(True, count, previous)
