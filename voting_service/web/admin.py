"""Staff pages of the local-democracy service: login (password, then for admins, trustees
and officers a TOTP code, enrolled at the first login), logout, dashboard."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from markupsafe import Markup

from ..domain import elections, second_factor
from ..domain import staff as staff_domain
from ..domain.keystore import KeyUnavailable
from .auth import csrf_ok, csrf_token, current_staff, login_staff, page_requires
from .db import settings, unit_of_work
from .errors import page_error

bp = Blueprint("admin", __name__, url_prefix="/agents")


@bp.before_request
def _check_csrf():
    if request.method == "POST" and not csrf_ok():
        return page_error(400, "error.csrf")


@bp.after_request
def _no_store(response):
    # Staff pages carry second-factor secrets, recovery codes and personal data.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def _inject_csrf():
    return {"csrf_token": csrf_token}


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would help phishing. Browsers drop tabs
    and newlines and read backslashes as slashes, so those are refused outright."""
    if (target and target.startswith("/") and target.isprintable() and "\\" not in target
            and not target.startswith("//")):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("admin.dashboard")


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    failed = False
    if request.method == "POST":
        username = request.form.get("username", "")[:64].replace("\x00", "")
        password = request.form.get("password", "")[:1024]
        with unit_of_work() as db:  # commits the failure counters too
            outcome = staff_domain.authenticate(db, username, password, request.remote_addr or "")
            if outcome.ok:
                login_staff(outcome.staff)
        if outcome.ok:
            return redirect(_safe_next(request.args.get("next")))
        if outcome.second_factor:
            # The password was right: the second step, for a few minutes, in this session.
            session.clear()
            session[PENDING] = {"id": outcome.staff.id, "nonce": outcome.staff.session_nonce,
                                "at": int(time.time()),
                                "next": _safe_next(request.args.get("next"))}
            step = "admin.second_factor_step" if outcome.second_factor == "code" else "admin.enrol"
            return redirect(url_for(step))
        if outcome.code == "locked":
            return render_template("admin/login.html", failed=False, locked=True), 429
        failed = True
    status = 401 if failed else 200
    return render_template("admin/login.html", failed=failed, locked=False), status


PENDING = "pending_login"
PENDING_SECONDS = 300


def _pending() -> dict | None:
    """The half-done login of this browser session, if recent."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return pending


def _restart():
    session.pop(PENDING, None)
    return redirect(url_for("admin.login"))


def _sealing_key(required: bool = True):
    try:
        return second_factor.key(settings().key_dir)
    except KeyUnavailable:
        if required:
            raise
        return None  # recovery codes still work without the key


def _finish(outcome, pending):
    session.pop(PENDING, None)
    login_staff(outcome.staff)
    return pending.get("next") or url_for("admin.dashboard")


@bp.route("/connexion/code", methods=["GET", "POST"])
def second_factor_step():
    pending = _pending()
    if pending is None:
        return _restart()
    failed = locked = False
    if request.method == "POST":
        code = request.form.get("code", "")[:64]
        with unit_of_work() as db:
            outcome = staff_domain.complete_login(db, _sealing_key(required=False),
                                                  pending["id"], pending["nonce"], code,
                                                  request.remote_addr or "")
            if outcome.ok:
                target = _finish(outcome, pending)
        if outcome.ok:
            return redirect(target)
        if outcome.code == "expired":
            return _restart()
        locked, failed = outcome.code == "locked", outcome.code == "bad_code"
    status = 429 if locked else 401 if failed else 200
    return render_template("admin/second_factor.html", failed=failed, locked=locked), status


@bp.route("/connexion/enrolement", methods=["GET", "POST"])
def enrol():
    pending = _pending()
    if pending is None:
        return _restart()
    failed = locked = False
    if request.method == "POST":
        code = request.form.get("code", "")[:64]
        with unit_of_work() as db:
            outcome, codes = staff_domain.complete_enrolment(
                db, _sealing_key(), pending["id"], pending["nonce"], code,
                request.remote_addr or "")
            if outcome.ok:
                target = _finish(outcome, pending)
        if outcome.ok:
            return render_template("admin/recovery_codes.html", codes=codes, next=target)
        if outcome.code == "expired":
            return _restart()
        locked, failed = outcome.code == "locked", outcome.code == "bad_code"
    with unit_of_work() as db:
        step = staff_domain.begin_enrolment(db, _sealing_key(), pending["id"], pending["nonce"])
    if step is None:
        return _restart()
    status = 429 if locked else 401 if failed else 200
    return render_template("admin/enrol.html", failed=failed, locked=locked,
                           secret=" ".join(step.secret[i:i + 4]
                                           for i in range(0, len(step.secret), 4)),
                           qr=Markup(_qr_svg(step.uri)), username=step.username), status


def _qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG: no image request, nothing cached."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=12,
                        border=2)
    return image.to_string(encoding="unicode")


@bp.post("/deconnexion")
def logout():
    staff = current_staff()
    if staff is not None:
        with unit_of_work() as db:
            staff_domain.end_sessions(db, staff.id)
    session.clear()
    return redirect(url_for("public.home"))


@bp.get("/")
@page_requires("elections:read")
def dashboard():
    with unit_of_work() as db:
        items = elections.summaries(db)
    return render_template("admin/dashboard.html", elections=items, staff=g.staff)
