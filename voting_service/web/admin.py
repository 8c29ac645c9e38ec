"""Staff pages of the local-democracy service: login, logout, dashboard."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from ..domain import elections
from ..domain import staff as staff_domain
from .auth import csrf_ok, csrf_token, current_staff, login_staff, page_requires
from .db import unit_of_work
from .errors import page_error

bp = Blueprint("admin", __name__, url_prefix="/agents")


@bp.before_request
def _check_csrf():
    if request.method == "POST" and not csrf_ok():
        return page_error(400, "error.csrf")


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
        if outcome.code == "locked":
            return render_template("admin/login.html", failed=False, locked=True), 429
        failed = True
    status = 401 if failed else 200
    return render_template("admin/login.html", failed=failed, locked=False), status


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
