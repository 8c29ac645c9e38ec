"""The staff second factor: TOTP (RFC 6238) and single-use recovery codes.

Admins, trustees and officers confirm each login with a 6-digit code from an authenticator
app; the first login after the account is created (or reset by `voting-service staff
reset`) enrols the app: the secret is shown once as a QR code, and a first code confirms it.
Ten recovery codes are then shown once, for a lost phone; each works once.

- The secret is sealed (AES-256-GCM) with ``staff-totp.key`` of the key folder, bound to the
  account (id and username as associated data): a database dump alone gives no secret, and
  a sealed secret moved to another account does not open.
- Codes of the current 30-second step and its two neighbours are accepted (clock drift);
  the step of the accepted code is stored, and a code is accepted only for a later step,
  by one conditional UPDATE, so the same code cannot be used twice even by two workers at
  the same instant.
- Recovery codes carry 80 random bits, so their SHA-256 is stored (a slow hash adds
  nothing at that entropy); a code is spent by one conditional UPDATE, so it works once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ..store.models import Staff, StaffRecoveryCode
from ..store.types import utcnow
from . import audit, keystore
from .errors import Conflict

ROLES = frozenset({"admin", "trustee", "officer"})
KEY_NAME = "staff-totp.key"
ISSUER = "voting_service"
STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_SEALED_PREFIX = "v1:"


def required(role: str) -> bool:
    return role in ROLES


def key(key_dir: Path, create: bool = False) -> bytes:
    """The sealing key: created by `init-db`/`demo`; the web application only loads it."""
    return keystore.load_or_create(key_dir, KEY_NAME) if create else \
        keystore.load(key_dir, KEY_NAME)


def _aad(staff: Staff) -> bytes:
    return f"staff-totp\x1f{staff.id}\x1f{staff.username}".encode()


def _seal(sealing_key: bytes, staff: Staff, secret: str) -> str:
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(sealing_key).encrypt(nonce, secret.encode("ascii"), _aad(staff))
    return _SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def _unseal(sealing_key: bytes, staff: Staff) -> str:
    try:
        if not staff.totp_secret.startswith(_SEALED_PREFIX):
            raise ValueError("unknown format")
        raw = base64.urlsafe_b64decode(staff.totp_secret[len(_SEALED_PREFIX):])
        return AESGCM(sealing_key).decrypt(raw[:12], raw[12:], _aad(staff)).decode("ascii")
    except (InvalidTag, ValueError) as error:
        raise Conflict("the second factor of this account cannot be read with this key "
                       "folder: ask the IT direction (`voting-service staff reset`)",
                       "second_factor_unreadable") from error


def _step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The step among now ± DRIFT_STEPS whose code is ``code``; every candidate is
    compared in constant time, none is skipped."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    found = None
    current = _step(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step).encode(), code.encode()):
            found = step
    return found


def _claim_step(session: Session, staff: Staff, step: int) -> bool:
    """Accept ``step`` only if no code of it or of a later step was accepted before."""
    result = session.execute(
        update(Staff).where(Staff.id == staff.id,
                            (Staff.totp_last_step.is_(None)) | (Staff.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if result.rowcount == 1:
        staff.totp_last_step = step
        return True
    return False


@dataclass(frozen=True)
class Enrolment:
    secret: str          # base32, shown once to be typed or scanned
    uri: str             # otpauth:// for the QR code


def begin_enrolment(session: Session, sealing_key: bytes, staff: Staff) -> Enrolment:
    """The pending secret of an account not yet enrolled (created on first call, kept
    until confirmed, so reloading the page does not invalidate a scanned code)."""
    if staff.totp_enabled_at is not None:
        raise Conflict("this account already has its authenticator", "already_enrolled")
    if staff.totp_secret is None:
        staff.totp_secret = _seal(sealing_key, staff, pyotp.random_base32(32))
        session.flush()
    secret = _unseal(sealing_key, staff)
    uri = pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=staff.username, issuer_name=ISSUER)
    return Enrolment(secret, uri)


def confirm_enrolment(session: Session, sealing_key: bytes, staff: Staff, code: str,
                      now: datetime | None = None) -> list[str] | None:
    """The first code proves the app holds the secret: the factor is in force, and the
    recovery codes (returned once, in clear) are made. None if the code is wrong."""
    now = now or utcnow()
    if staff.totp_enabled_at is not None or staff.totp_secret is None:
        raise Conflict("no enrolment is in progress for this account", "not_enrolling")
    step = _matching_step(_unseal(sealing_key, staff), _digits(code), now)
    if step is None or not _claim_step(session, staff, step):
        return None
    staff.totp_enabled_at = now
    codes = _new_recovery_codes(session, staff)
    audit.append(session, f"staff:{staff.username}", "staff.second_factor.enrol",
                 f"staff:{staff.username}")
    return codes


def _digits(code: str) -> str:
    return "".join(code.split())


def _recovery_digest(code: str) -> str:
    return hashlib.sha256(("staff-recovery\x1f" + code).encode()).hexdigest()


def _normalise_recovery(code: str) -> str | None:
    text = "".join(c for c in code.upper() if c not in " -")
    if len(text) != 16 or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in text):
        return None
    return text


def _new_recovery_codes(session: Session, staff: Staff) -> list[str]:
    session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.staff_id == staff.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        text = base64.b32encode(secrets.token_bytes(10)).decode("ascii")
        session.add(StaffRecoveryCode(staff_id=staff.id, code_hash=_recovery_digest(text)))
        codes.append("-".join(text[i:i + 4] for i in range(0, 16, 4)))
    session.flush()
    return codes


def check(session: Session, sealing_key: bytes | None, staff: Staff, code: str,
          now: datetime | None = None) -> str | None:
    """"totp" or "recovery" if ``code`` confirms the login (and is now spent), else None.
    ``sealing_key`` may be None when only a recovery code can be checked."""
    now = now or utcnow()
    if staff.totp_enabled_at is None:
        return None
    digits = _digits(code)
    if len(digits) == 6 and digits.isdigit():
        if sealing_key is None:
            return None
        step = _matching_step(_unseal(sealing_key, staff), digits, now)
        return "totp" if step is not None and _claim_step(session, staff, step) else None
    text = _normalise_recovery(code)
    if text is None:
        return None
    spent = session.execute(
        update(StaffRecoveryCode)
        .where(StaffRecoveryCode.staff_id == staff.id,
               StaffRecoveryCode.code_hash == _recovery_digest(text),
               StaffRecoveryCode.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        return None
    audit.append(session, f"staff:{staff.username}", "staff.second_factor.recovery_used",
                 f"staff:{staff.username}", {"left": recovery_codes_left(session, staff.id)})
    return "recovery"


def recovery_codes_left(session: Session, staff_id: int) -> int:
    return session.execute(
        select(func.count()).select_from(StaffRecoveryCode)
        .where(StaffRecoveryCode.staff_id == staff_id, StaffRecoveryCode.used_at.is_(None))
    ).scalar_one()


def clear(session: Session, staff: Staff) -> None:
    """Forget the factor: the next login enrols a new authenticator."""
    staff.totp_secret = None
    staff.totp_enabled_at = None
    staff.totp_last_step = None
    session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.staff_id == staff.id))


def state(staff: Staff) -> str:
    """"enrolled", "pending" (a secret shown, not yet confirmed), "none", or
    "not_required" for roles without a second factor."""
    if staff.totp_enabled_at is not None:
        return "enrolled"
    if not required(staff.role):
        return "not_required"
    return "pending" if staff.totp_secret is not None else "none"
