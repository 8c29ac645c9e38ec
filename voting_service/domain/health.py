"""Is the service able to serve: the database answers and its schema is current."""

from __future__ import annotations

from sqlalchemy import Engine, text

from ..store.migrate import current_revision, head_revision


def check(engine: Engine) -> dict:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        revision = current_revision(engine)
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return {"status": "unavailable", "database": "unreachable"}
    if revision != head_revision():
        return {"status": "unavailable", "database": "schema not migrated",
                "revision": revision}
    return {"status": "ok", "database": "ok", "revision": revision}
