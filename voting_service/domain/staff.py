"""Staff accounts, roles and permissions, API tokens for machine clients.

Roles are what a person is; permissions are what an endpoint asks for. An API token acts for
one role and may be narrowed to a subset of that role's permissions (a scoped token), e.g. the
study step's token can put projects and read manifests but not open the vote.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..store.models import STAFF_ROLES, ApiToken, LoginThrottle, Staff
from ..store.types import utcnow
from . import audit, second_factor, throttle
from .errors import Conflict, InvalidInput, NotFound, Unauthenticated

PERMISSIONS = (
    "elections:read",       # manifests, status, fingerprints
    "elections:write",      # create elections, put projects while draft
    "elections:transition", # freeze, open, close, ...
    "staff:manage",         # accounts and tokens
    "audit:read",           # the audit log
    "results:read",         # certified results
    "checkin",              # polling-point check-in
    "ceremony",             # key and tally ceremonies
    "voters:read",          # a person's eligibility decision
    "voters:write",         # roll import, eligibility rules and overrides
    "voters:unlock",        # lift a voter's login lock after checking their identity
    "kiosks:manage",        # enrol and revoke polling-point kiosks
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"elections:read", "elections:write", "elections:transition",
                        "staff:manage", "audit:read", "voters:read", "voters:write",
                        "voters:unlock", "kiosks:manage"}),
    "officer": frozenset({"elections:read", "checkin", "voters:read", "voters:unlock"}),
    "trustee": frozenset({"elections:read", "ceremony"}),
    "auditor": frozenset({"elections:read", "audit:read", "results:read"}),
    "results_reader": frozenset({"elections:read", "results:read"}),
}

# For one (username, address): the fifth failure brings a 30 s wait, then 1 min, 2 min, …
# up to an hour. An address trying many usernames waits too.
STAFF_PAIR = throttle.Backoff(free=5, first=timedelta(seconds=30), cap=timedelta(hours=1),
                              forget=timedelta(days=1))
STAFF_ADDRESS = throttle.Backoff(free=20, first=timedelta(seconds=2),
                                 cap=timedelta(minutes=15), forget=timedelta(hours=1))

# argon2id, above the OWASP floor (19 MiB, t=2, p=1).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the username is unknown, so both paths cost one argon2 run.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 10
TOKEN_PREFIX = "vs1_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_ok(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def create_staff(session: Session, actor: str, username: str, role: str, password: str,
                 display_name: str = "") -> Staff:
    if not USERNAME_RE.fullmatch(username):
        raise InvalidInput("username: 2 to 64 characters among a-z 0-9 . _ -", "invalid_username")
    if role not in STAFF_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(STAFF_ROLES)}", "invalid_role")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password: at least {MIN_PASSWORD} characters", "weak_password")
    if session.execute(select(Staff.id).where(Staff.username == username)).first():
        raise Conflict(f"staff account {username!r} already exists", "staff_exists")
    staff = Staff(username=username, role=role, password_hash=hash_password(password),
                  display_name=display_name or username, session_nonce=secrets.token_hex(16))
    session.add(staff)
    session.flush()
    audit.append(session, actor, "staff.create", f"staff:{username}", {"role": role})
    return staff


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    staff: StaffView | None = None
    code: str = ""            # bad_credentials | locked | bad_code
    retry_after: int = 0
    # The password was right and a second factor is due: "code" (enrolled) or "enrol".
    second_factor: str = ""


def _pair_key(username: str, address: str) -> str:
    """Half a hash of the username, half of the address: staff can find every address's
    counter of one account by its prefix (`staff unlock`), the key stays opaque."""
    return _username_prefix(username) + throttle.key("staff-pair-address", address)[:32]


def _username_prefix(username: str) -> str:
    return throttle.key("staff", username.lower())[:32]


def _counters(session: Session, username: str, address: str, now: datetime):
    per_address = throttle.counter(session, throttle.key("staff-address", address), now)
    per_pair = throttle.counter(session, _pair_key(username, address), now)
    wait = max(throttle.seconds_locked(row, now) for row in (per_address, per_pair))
    return per_address, per_pair, wait


def _failed(per_address, per_pair, now: datetime, code: str) -> LoginResult:
    STAFF_PAIR.record_failure(per_pair, now)
    STAFF_ADDRESS.record_failure(per_address, now)
    return LoginResult(False, code=code)


def _logged_in(session: Session, staff: Staff, per_pair, now: datetime,
               second_factor: str = "") -> LoginResult:
    throttle.record_success(per_pair)
    staff.session_nonce = secrets.token_hex(16)
    staff.last_login_at = now
    audit.append(session, f"staff:{staff.username}", "staff.login", f"staff:{staff.username}",
                 {"second_factor": second_factor} if second_factor else None)
    return LoginResult(True, staff=staff_view(staff))


def authenticate(session: Session, username: str, password: str, address: str = "",
                 now: datetime | None = None) -> LoginResult:
    """Check a login; rotate the session nonce so any earlier session cookie dies.

    Failures bring growing delays per (username, client address) and per address, like
    voters' logins: junk typed from elsewhere never locks the account itself (known or
    unknown usernames behave the same).
    For roles with a second factor a right password only opens the second step
    (``second_factor``): the counters are reset, and the login recorded, by
    ``complete_login`` once the code is right too.
    Returns the outcome rather than raising, so the caller commits the counters.
    """
    now = now or utcnow()
    per_address, per_pair, wait = _counters(session, username, address, now)
    if wait:
        return LoginResult(False, code="locked", retry_after=wait)
    staff = session.execute(select(Staff).where(Staff.username == username)).scalar_one_or_none()
    ok = _password_ok(staff.password_hash if staff else _DUMMY_HASH, password)
    if staff is None or not ok or not staff.active:
        return _failed(per_address, per_pair, now, "bad_credentials")
    if second_factor.required(staff.role):
        step = "code" if staff.totp_enabled_at is not None else "enrol"
        return LoginResult(False, staff=staff_view(staff), second_factor=step)
    return _logged_in(session, staff, per_pair, now)


def _pending_staff(session: Session, staff_id: int, nonce: str) -> Staff | None:
    """The account a half-done login is for, if nothing changed since its password was
    checked (a disable, reset or another login rotates the nonce)."""
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active or not hmac.compare_digest(
            staff.session_nonce.encode(), nonce.encode()):
        return None
    return staff


def complete_login(session: Session, sealing_key: bytes | None, staff_id: int, nonce: str,
                   code: str, address: str = "", now: datetime | None = None) -> LoginResult:
    """The second step: a TOTP code or a recovery code. Wrong codes count like wrong
    passwords, on the same (username, address) and address counters."""
    now = now or utcnow()
    staff = _pending_staff(session, staff_id, nonce)
    if staff is None:
        return LoginResult(False, code="expired")
    per_address, per_pair, wait = _counters(session, staff.username, address, now)
    if wait:
        return LoginResult(False, code="locked", retry_after=wait)
    kind = second_factor.check(session, sealing_key, staff, code[:64], now)
    if kind is None:
        return _failed(per_address, per_pair, now, "bad_code")
    return _logged_in(session, staff, per_pair, now, kind)


@dataclass(frozen=True)
class EnrolmentStep:
    secret: str
    uri: str
    username: str


def begin_enrolment(session: Session, sealing_key: bytes, staff_id: int,
                    nonce: str) -> EnrolmentStep | None:
    staff = _pending_staff(session, staff_id, nonce)
    if staff is None or staff.totp_enabled_at is not None:
        return None
    enrolment = second_factor.begin_enrolment(session, sealing_key, staff)
    return EnrolmentStep(enrolment.secret, enrolment.uri, staff.username)


def complete_enrolment(session: Session, sealing_key: bytes, staff_id: int, nonce: str,
                       code: str, address: str = "", now: datetime | None = None
                       ) -> tuple[LoginResult, list[str]]:
    """The first code from the new authenticator: enrols it and logs in; returns the
    recovery codes (shown once)."""
    now = now or utcnow()
    staff = _pending_staff(session, staff_id, nonce)
    if staff is None or staff.totp_enabled_at is not None:
        return LoginResult(False, code="expired"), []
    per_address, per_pair, wait = _counters(session, staff.username, address, now)
    if wait:
        return LoginResult(False, code="locked", retry_after=wait), []
    codes = second_factor.confirm_enrolment(session, sealing_key, staff, code[:64], now)
    if codes is None:
        return _failed(per_address, per_pair, now, "bad_code"), []
    return _logged_in(session, staff, per_pair, now, "totp"), codes


@dataclass(frozen=True)
class StaffView:
    """What pages and sessions need of a staff account (never the ORM row)."""

    id: int
    username: str
    display_name: str
    role: str
    session_nonce: str


def staff_view(staff: Staff) -> StaffView:
    return StaffView(staff.id, staff.username, staff.display_name, staff.role,
                     staff.session_nonce)


def end_sessions(session: Session, staff_id: int) -> None:
    """Log the account out everywhere: a cookie carrying the old nonce is dead."""
    staff = session.get(Staff, staff_id)
    if staff is not None:
        staff.session_nonce = secrets.token_hex(16)


def staff_for_session(session: Session, staff_id: int, nonce: str) -> StaffView | None:
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        return None
    if not hmac.compare_digest(staff.session_nonce.encode(), nonce.encode()):
        return None
    return staff_view(staff)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a staff member (by session) or a machine client (by token)."""

    name: str
    role: str
    permissions: frozenset[str]

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def principal_for_staff(staff: StaffView) -> Principal:
    return Principal(f"staff:{staff.username}", staff.role, ROLE_PERMISSIONS[staff.role])


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, actor: str, name: str, role: str,
                 scopes: list[str] | None = None, days: int | None = 365) -> tuple[ApiToken, str]:
    """Create a token; the clear token is returned once and never stored."""
    if role not in STAFF_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(STAFF_ROLES)}", "invalid_role")
    allowed = ROLE_PERMISSIONS[role]
    scopes = sorted(set(scopes)) if scopes else sorted(allowed)
    extra = set(scopes) - allowed
    if extra:
        raise InvalidInput(f"scopes beyond role {role}: {', '.join(sorted(extra))}",
                           "invalid_scope")
    if not name.strip():
        raise InvalidInput("a token needs a name saying who uses it", "invalid_name")
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name.strip()[:100], token_hash=_token_digest(clear), role=role,
                     scopes=scopes, created_by=actor,
                     expires_at=utcnow() + timedelta(days=days) if days else None)
    session.add(token)
    session.flush()
    audit.append(session, actor, "token.create", f"token:{token.id}",
                 {"name": token.name, "role": role, "scopes": scopes})
    return token, clear


def revoke_token(session: Session, actor: str, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token {token_id}", "token_not_found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.append(session, actor, "token.revoke", f"token:{token_id}")


def principal_for_token(session: Session, clear: str, now: datetime | None = None) -> Principal:
    if not clear.startswith(TOKEN_PREFIX) or len(clear) > 200:
        raise Unauthenticated("invalid API token", "bad_token")
    token = session.execute(
        select(ApiToken).where(ApiToken.token_hash == _token_digest(clear))
    ).scalar_one_or_none()
    now = now or utcnow()
    if token is None or token.revoked_at is not None or (
        token.expires_at is not None and token.expires_at <= now
    ):
        raise Unauthenticated("invalid, expired or revoked API token", "bad_token")
    return Principal(f"token:{token.id}:{token.name}", token.role,
                     frozenset(token.scopes) & ROLE_PERMISSIONS[token.role])


# --- operator commands (`voting-service staff …`, `tokens list`) ----------------------------

@dataclass(frozen=True)
class StaffRow:
    username: str
    role: str
    display_name: str
    active: bool
    second_factor: str        # second_factor.state(): enrolled | pending | none | not_required
    recovery_codes_left: int
    last_login_at: datetime | None


def list_staff(session: Session) -> list[StaffRow]:
    rows = session.execute(select(Staff).order_by(Staff.username)).scalars().all()
    return [StaffRow(s.username, s.role, s.display_name, s.active, second_factor.state(s),
                     second_factor.recovery_codes_left(session, s.id), s.last_login_at)
            for s in rows]


def _account(session: Session, username: str) -> Staff:
    staff = session.execute(select(Staff).where(Staff.username == username)
                            .with_for_update()).scalar_one_or_none()
    if staff is None:
        raise NotFound(f"no staff account {username!r}", "staff_not_found")
    return staff


def set_active(session: Session, actor: str, username: str, active: bool) -> bool:
    """Disable (or enable again) an account; disabling ends its sessions at once and any
    login half-way through its second step. True if something changed."""
    staff = _account(session, username)
    if staff.active == active:
        return False
    staff.active = active
    staff.session_nonce = secrets.token_hex(16)
    audit.append(session, actor, "staff.enable" if active else "staff.disable",
                 f"staff:{username}")
    return True


def reset(session: Session, actor: str, username: str, password: str | None = None) -> None:
    """A lost authenticator (or password): forget the second factor and its recovery
    codes, so the next login enrols a new app; with ``password``, set a new one. Ends the
    account's sessions."""
    staff = _account(session, username)
    if password is not None:
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(f"password: at least {MIN_PASSWORD} characters", "weak_password")
        staff.password_hash = hash_password(password)
    second_factor.clear(session, staff)
    staff.session_nonce = secrets.token_hex(16)
    audit.append(session, actor, "staff.reset", f"staff:{username}",
                 {"password": password is not None})


def unlock(session: Session, actor: str, username: str) -> int:
    """Lift the login delays on an account from every address (after checking who asks).
    Returns how many counters had failures."""
    _account(session, username)
    prefix = _username_prefix(username)  # hexadecimal: no LIKE wildcard in it
    result = session.execute(
        update(LoginThrottle).where(LoginThrottle.election_id.is_(None),
                                    LoginThrottle.key.startswith(prefix),
                                    LoginThrottle.failures > 0)
        .values(failures=0, locked_until=None))
    audit.append(session, actor, "staff.unlock", f"staff:{username}")
    return result.rowcount


@dataclass(frozen=True)
class TokenRow:
    id: int
    name: str
    role: str
    scopes: list[str]
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


def list_tokens(session: Session) -> list[TokenRow]:
    """Every token ever made (never their secrets: only a hash of each is stored)."""
    rows = session.execute(select(ApiToken).order_by(ApiToken.id)).scalars().all()
    return [TokenRow(t.id, t.name, t.role, list(t.scopes), t.created_by, t.created_at,
                     t.expires_at, t.revoked_at) for t in rows]
