"""The schema is built by migrations, matches the models, and keeps its invariants."""

from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from voting_service.store.db import transaction
from voting_service.store.migrate import current_revision, head_revision
from voting_service.store.models import Base, District, Election


def test_migrations_reach_head(engine):
    assert current_revision(engine) == head_revision()


def test_models_match_migrations(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def _election(**kw):
    start = datetime(2027, 3, 1, 8, tzinfo=timezone.utc)
    values = dict(slug="e1", title="T", city="C", starts_at=start,
                  ends_at=start + timedelta(days=10))
    values.update(kw)
    return Election(**values)


def test_datetimes_come_back_aware_utc(factory):
    paris = timezone(timedelta(hours=1))
    with transaction(factory) as db:
        db.add(_election(starts_at=datetime(2027, 3, 1, 9, 0, tzinfo=paris),
                         ends_at=datetime(2027, 3, 2, 9, 0, tzinfo=paris)))
    with transaction(factory) as db:
        election = db.query(Election).one()
        assert election.starts_at == datetime(2027, 3, 1, 8, 0, tzinfo=timezone.utc)
        assert election.starts_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(factory):
    with pytest.raises(Exception, match="naive"):
        with transaction(factory) as db:
            db.add(_election(starts_at=datetime(2027, 3, 1), ends_at=datetime(2027, 3, 2)))


def test_foreign_keys_are_enforced(factory):
    with pytest.raises(IntegrityError):
        with transaction(factory) as db:
            db.add(District(election_id=424242, key="x", name="X"))
            db.flush()


def test_check_constraints_hold(factory):
    with pytest.raises(IntegrityError):
        with transaction(factory) as db:
            db.add(_election(status="hacked"))
            db.flush()
    with pytest.raises(IntegrityError):
        with transaction(factory) as db:
            start = datetime(2027, 3, 1, tzinfo=timezone.utc)
            db.add(_election(starts_at=start, ends_at=start))
            db.flush()


def test_constraints_are_named(engine):
    with engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            pytest.skip("constraint names are listed from the PostgreSQL catalogue")
        names = set(connection.execute(text(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'elections'::regclass"
        )).scalars())
    assert {"pk_elections", "uq_elections_slug", "ck_elections_status",
            "ck_elections_window"} <= names
