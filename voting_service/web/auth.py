"""Who is calling, and may they? Bearer tokens on the API, session cookies on staff pages.

`requires(permission)` both checks and *declares*: the permission is kept on the view so
the OpenAPI document and the role × endpoint test read it from one place.
"""

from __future__ import annotations

import functools
import hmac
import secrets

from flask import abort, g, redirect, request, session, url_for

from ..domain import staff as staff_domain
from ..domain.errors import Forbidden, Unauthenticated
from .db import unit_of_work


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    return None


def api_principal() -> staff_domain.Principal:
    token = _bearer()
    if token is None:
        raise Unauthenticated("an API token is required (Authorization: Bearer ...)",
                              "unauthenticated")
    with unit_of_work() as db:
        return staff_domain.principal_for_token(db, token)


def requires(permission: str):
    """API views: a token whose scopes include `permission`."""
    if permission not in staff_domain.PERMISSIONS:
        raise ValueError(f"unknown permission {permission}")

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = api_principal()
            if not principal.can(permission):
                raise Forbidden(f"this endpoint needs the {permission} permission",
                                "forbidden")
            g.principal = principal
            return view(*args, **kwargs)

        wrapper.permission = permission
        return wrapper

    return decorate


#: The permission of voter routes: a voter session opened with the letter code.
VOTER_SESSION = "voter_session"


def public(view):
    view.permission = None
    return view


# --- staff pages -------------------------------------------------------------------------

def login_staff(staff) -> None:
    session.clear()  # a new session on every login (no fixation)
    session.permanent = True
    session["staff_id"] = staff.id
    session["nonce"] = staff.session_nonce
    session["csrf"] = secrets.token_urlsafe(32)


def current_staff():
    if "staff_id" not in session:
        return None
    with unit_of_work() as db:
        return staff_domain.staff_for_session(db, session["staff_id"], session.get("nonce", ""))


def page_requires(permission: str):
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            staff = current_staff()
            if staff is None:
                for name in ("staff_id", "nonce"):  # a half-done login stays
                    session.pop(name, None)
                return redirect(url_for("admin.login", next=request.path))
            principal = staff_domain.principal_for_staff(staff)
            if not principal.can(permission):
                abort(403)
            g.staff = staff
            g.principal = principal
            return view(*args, **kwargs)

        wrapper.permission = permission
        return wrapper

    return decorate


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok() -> bool:
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())
