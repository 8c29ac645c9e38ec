"""Kiosks: enrolled per polling point with their Ed25519 device key; revocable.

The kiosk's browser generates its device key and never exports it; enrolment records the
public half in the public record, so the verifier can check that each kiosk ballot was
signed by a kiosk of the polling point where its voter checked in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..store.models import Election, Kiosk, PollingPoint
from ..store.types import utcnow
from . import audit, record
from .errors import Conflict, InvalidInput, NotFound
from .validation import iso

ENROLLABLE = ("frozen", "open")


@dataclass(frozen=True)
class KioskView:
    kiosk: str
    label: str
    polling_point: str
    public_key: str
    status: str
    enrolled_at: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _view(kiosk: Kiosk, point: str) -> KioskView:
    return KioskView(kiosk.key, kiosk.label, point, kiosk.public_key, kiosk.status,
                     iso(kiosk.enrolled_at))


def _public_key(value: Any) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not isinstance(value, str) or len(value) != 64 or \
            not set(value) <= set("0123456789abcdef"):
        raise InvalidInput("public_key: the kiosk's Ed25519 key, 64 lowercase hex characters",
                           "invalid_key")
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(value))
    except ValueError:
        raise InvalidInput("public_key is not an Ed25519 key", "invalid_key")
    return value


def enrol(session: Session, actor: str, election: Election, point_key: Any, public_key: Any,
          label: Any = "") -> KioskView:
    public_key = _public_key(public_key)
    if not isinstance(label, str) or len(label) > 200:
        raise InvalidInput("label: at most 200 characters", "invalid_input")
    if election.status not in ENROLLABLE:
        raise Conflict(f"kiosks are enrolled once the manifest is frozen and until the vote "
                       f"closes (election is {election.status})", "cannot_enrol")
    point = next((p for p in election.polling_points if p.key == point_key), None)
    if point is None:
        raise NotFound(f"no polling point {str(point_key)[:64]!r}", "polling_point_not_found")
    record.lock(session, election.id)
    if session.execute(select(Kiosk.id).where(Kiosk.election_id == election.id,
                                              Kiosk.public_key == public_key)).first():
        raise Conflict("this kiosk key is already enrolled", "kiosk_exists")
    number = session.execute(select(func.count()).select_from(Kiosk).where(
        Kiosk.election_id == election.id, Kiosk.polling_point_id == point.id)).scalar_one()
    kiosk = Kiosk(election_id=election.id, key=f"{point.key}-{number + 1}", label=label,
                  polling_point_id=point.id, public_key=public_key, status="active",
                  enrolled_at=utcnow())
    session.add(kiosk)
    record.append(session, election.id, "kiosk_enrolled",
                  {"kiosk": kiosk.key, "polling_point": point.key, "public_key": public_key})
    audit.append(session, actor, "kiosks.enrol", f"election:{election.slug}/kiosk:{kiosk.key}")
    session.flush()
    return _view(kiosk, point.key)


def revoke(session: Session, actor: str, election: Election, kiosk_key: str,
           reason: Any) -> KioskView:
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 300:
        raise InvalidInput("reason: why the kiosk is revoked (at most 300 characters)",
                           "invalid_input")
    record.lock(session, election.id)
    kiosk = session.execute(select(Kiosk).where(Kiosk.election_id == election.id,
                                                Kiosk.key == kiosk_key)).scalar()
    if kiosk is None:
        raise NotFound(f"no kiosk {kiosk_key[:64]!r}", "kiosk_not_found")
    if kiosk.status == "revoked":
        raise Conflict("this kiosk is already revoked", "kiosk_revoked")
    kiosk.status, kiosk.revoked_at = "revoked", utcnow()
    record.append(session, election.id, "kiosk_revoked", {"kiosk": kiosk.key,
                                                          "reason": reason.strip()})
    audit.append(session, actor, "kiosks.revoke", f"election:{election.slug}/kiosk:{kiosk.key}")
    point = session.get(PollingPoint, kiosk.polling_point_id)
    session.flush()
    return _view(kiosk, point.key)


def listing(session: Session, election: Election) -> list[KioskView]:
    rows = session.execute(select(Kiosk, PollingPoint.key).join(
        PollingPoint, PollingPoint.id == Kiosk.polling_point_id)
        .where(Kiosk.election_id == election.id).order_by(Kiosk.id)).all()
    return [_view(kiosk, point) for kiosk, point in rows]
