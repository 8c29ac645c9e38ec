"""What the monitoring reads from the database at each scrape (web/metrics.py): per election,
its status, the record's height, whether the trustees' key is recorded, and when the service
last signed a head of its record.

Read from the database rather than counted in the processes, so every app server reports the
same values and a restart loses nothing. A few small queries per election, never on the
voters' path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.models import ELECTION_STATUSES, Election, SignedHeadRow

STATUSES = ELECTION_STATUSES


@dataclass(frozen=True)
class ElectionGauges:
    slug: str
    status: str
    record_height: int
    election_key: bool           # the key ceremony's outcome is recorded
    head_signed_at: datetime | None

    @property
    def tallied(self) -> bool:
        return self.status in ("tallied", "certified")


def _signed_at(line: str | None) -> datetime | None:
    if not line:
        return None
    try:
        text = json.loads(line)["signed_at"]
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    except (ValueError, KeyError, TypeError):
        return None   # a head signed without a time (older rows): no gauge rather than a lie


def election_gauges(session: Session) -> list[ElectionGauges]:
    rows = session.execute(select(Election.id, Election.slug, Election.status,
                                  Election.record_height, Election.election_key.is_not(None))
                           .order_by(Election.id)).all()
    result = []
    for election_id, slug, status, height, has_key in rows:
        # The newest service-signed head: ids grow with insertion, so the last id is the
        # last signature (heights can repeat: a head is signed again on each receipt).
        line = None
        if height:
            line = session.execute(
                select(SignedHeadRow.line).where(SignedHeadRow.election_id == election_id,
                                                 SignedHeadRow.witness.is_(False))
                .order_by(SignedHeadRow.id.desc()).limit(1)).scalar()
        result.append(ElectionGauges(slug, status, height, bool(has_key), _signed_at(line)))
    return result
