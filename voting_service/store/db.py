"""Engines and sessions.

SQLite gets foreign keys, a busy timeout and BEGIN IMMEDIATE transactions: every write
transaction takes the database lock up front, so read-then-write races (state transitions,
audit-chain appends) are serialised instead of failing half-way.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs) -> Engine:
    # Statement parameters hold personal data and secrets' hashes: never put them in
    # exception texts, which end up in logs.
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, issue BEGIN (the driver's implicit BEGIN is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def transactions_lock_database(engine: Engine) -> bool:
    """SQLite: every transaction here holds the database lock (BEGIN IMMEDIATE)."""
    return engine.dialect.name == "sqlite"


class Phases:
    """Units of work of one request on one connection (one checkout, one liveness ping).

    On PostgreSQL they share one transaction: fewer round trips, and a plain read holds no
    lock there, so the costly checks between the units block nobody. On SQLite, where every
    transaction holds the database lock, each unit is its own transaction and the checks
    between them run unlocked."""

    def __init__(self, session: Session, shared: bool):
        self.session = session
        self.shared = shared

    @contextmanager
    def unit(self) -> Iterator[Session]:
        if self.shared:
            yield self.session
        else:
            with self.session.begin():
                yield self.session


@contextmanager
def phases(engine: Engine) -> Iterator[Phases]:
    """Commits the shared transaction at the end (on success only): an answer that
    depends on the commit must be given after this block."""
    with engine.connect() as connection:
        session = Session(bind=connection, expire_on_commit=False)
        try:
            if transactions_lock_database(engine):
                yield Phases(session, shared=False)
            else:
                with session.begin():
                    yield Phases(session, shared=True)
        finally:
            session.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    session = factory()
    try:
        with session.begin():
            yield session
    finally:
        session.close()
