"""Public pages: the landing page and the health probe."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from ..domain import elections
from ..store.migrate import current_revision, head_revision
from .db import unit_of_work

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    with unit_of_work() as db:
        items = elections.list_elections(db, public_only=True)
    return render_template("public/home.html", elections=items)


@bp.get("/healthz")
def healthz():
    """200 when the process is up, the database answers and the schema is current."""
    from flask import current_app

    engine = current_app.extensions["voting"]["engine"]
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        revision = current_revision(engine)
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    if revision != head_revision():
        return jsonify({"status": "unavailable", "database": "schema not migrated",
                        "revision": revision}), 503
    return jsonify({"status": "ok", "database": "ok", "revision": revision})
