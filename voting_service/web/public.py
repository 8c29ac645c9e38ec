"""Public pages: the landing page and the health probe."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from ..domain import elections, health
from .db import unit_of_work

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    with unit_of_work() as db:
        items = elections.summaries(db, public_only=True)
    return render_template("public/home.html", elections=items)


@bp.get("/healthz")
def healthz():
    """200 when the process is up, the database answers and the schema is current."""
    from flask import current_app

    report = health.check(current_app.extensions["voting"]["engine"])
    return jsonify(report), 200 if report["status"] == "ok" else 503
