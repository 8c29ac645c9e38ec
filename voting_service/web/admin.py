"""Staff pages of the local-democracy service: login, logout, dashboard."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for

from ..domain import elections
from ..domain import staff as staff_domain
from ..domain.errors import Unauthenticated
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
    # Only local paths: an open redirect would help phishing.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("admin.dashboard")


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    failed = False
    if request.method == "POST":
        username = request.form.get("username", "")[:64]
        password = request.form.get("password", "")[:1024]
        try:
            with unit_of_work() as db:
                staff = staff_domain.authenticate(db, username, password)
                login_staff(staff)
            return redirect(_safe_next(request.args.get("next")))
        except Unauthenticated:
            failed = True
    status = 401 if failed else 200
    return render_template("admin/login.html", failed=failed), status


@bp.post("/deconnexion")
def logout():
    staff = current_staff()
    if staff is not None:
        with unit_of_work() as db:
            staff_domain.end_sessions(db, db.merge(staff))
    session.clear()
    return redirect(url_for("public.home"))


@bp.get("/")
@page_requires("elections:read")
def dashboard():
    with unit_of_work() as db:
        items = elections.list_elections(db)
    return render_template("admin/dashboard.html", elections=items, staff=g.staff)
