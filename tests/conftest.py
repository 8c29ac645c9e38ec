"""Shared fixtures: every storage-backed test runs on SQLite and, when reachable, PostgreSQL.

PostgreSQL is probed at VOTING_TEST_DATABASE_URL (default 127.0.0.1:5432, user postgres).
With VOTING_TEST_REQUIRE_POSTGRES=1 (CI) an unreachable server fails the run instead of
skipping. Each test gets a fresh database built by the Alembic migrations, dropped after.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from voting_service.store.db import make_engine, make_session_factory
from voting_service.store.migrate import upgrade

PG_ADMIN_URL = os.environ.get("VOTING_TEST_DATABASE_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("VOTING_TEST_REQUIRE_POSTGRES") == "1"
SECRET = "test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"

_pg_state: dict[str, object] = {}


def _pg_available() -> bool:
    if "ok" not in _pg_state:
        try:
            engine = make_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
            _pg_state["ok"] = True
        except Exception as error:  # noqa: BLE001
            _pg_state["ok"] = False
            _pg_state["why"] = str(error).splitlines()[0]
    return bool(_pg_state["ok"])


def _admin_execute(statement: str) -> None:
    engine = make_engine(PG_ADMIN_URL)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(statement))
    engine.dispose()


def fresh_database_url(backend: str, tmp_path) -> tuple[str, callable]:
    """A new, empty database of `backend`; returns its URL and a function dropping it."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}", lambda: None
    if not _pg_available():
        message = f"PostgreSQL unreachable at {PG_ADMIN_URL}: {_pg_state.get('why')}"
        if REQUIRE_PG:
            pytest.fail(message)
        pytest.skip(message)
    name = f"vs_test_{uuid.uuid4().hex[:16]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop():
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def db_url(backend, tmp_path):
    url, drop = fresh_database_url(backend, tmp_path)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    drop()


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine):
    return make_session_factory(engine)


@pytest.fixture
def app(db_url, tmp_path):
    from voting_service.web import create_app

    app = create_app({
        "VOTING_MODE": "test",
        "VOTING_DATABASE_URL": db_url,
        "VOTING_SECRET_KEY": SECRET,
        "VOTING_INSTANCE_DIR": str(tmp_path / "instance"),
        "VOTING_KEY_DIR": str(tmp_path / "keys"),
    })
    from voting_service.domain import second_factor

    second_factor.key(tmp_path / "keys", create=True)  # as `init-db` makes it
    yield app
    app.extensions["voting"]["engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def app_factory(app):
    return app.extensions["voting"]["sessions"]


@pytest.fixture
def tokens(app_factory):
    """One full-permission API token per staff role."""
    from voting_service.domain.staff import create_token
    from voting_service.store.db import transaction
    from voting_service.store.models import STAFF_ROLES

    result = {}
    with transaction(app_factory) as db:
        for role in STAFF_ROLES:
            _token, clear = create_token(db, "test", f"{role} client", role)
            result[role] = clear
    return result


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
