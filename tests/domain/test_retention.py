"""Purge: personal data goes after the retention period; the public record stays."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from tests.voters_helpers import HEADER, ROWS, import_text, make_election
from voting_service.domain import audit, elections, retention
from voting_service.domain.errors import Conflict
from voting_service.store.db import transaction
from voting_service.store.models import Credential, Participation, Voter
from voting_service.store.types import utcnow


def _certified(factory, engine, days_ago):
    slug = make_election(factory, status="draft")
    import_text(factory, slug, HEADER + ROWS)
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        voter = db.query(Voter).filter_by(voter_number="V001").one()
        db.add(Credential(election_id=election.id, voter_id=voter.id, public_key="ab" * 32,
                          questions=["ville"]))
        # The tally and certification steps do not exist yet: set the state directly.
        election.status = "certified"
        election.certified_at = utcnow() - timedelta(days=days_ago)
        election.retention_days = 30
    return slug


def test_purge_deletes_personal_data_and_keeps_credentials(factory, engine):
    slug = _certified(factory, engine, days_ago=31)
    with transaction(factory) as db:
        count = retention.purge(db, "cli:dsi", elections.get_election(db, slug, lock=True))
    assert count == 4
    with transaction(factory) as db:
        assert db.query(Voter).count() == 0 and db.query(Participation).count() == 0
        credential = db.query(Credential).one()
        assert credential.public_key == "ab" * 32 and credential.voter_id is None
        assert audit.verify(db).ok
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM voters")).scalar() == 0


def test_purge_waits_for_the_retention_period(factory, engine):
    slug = _certified(factory, engine, days_ago=5)
    with pytest.raises(Conflict) as caught:
        with transaction(factory) as db:
            retention.purge(db, "cli:dsi", elections.get_election(db, slug, lock=True))
    assert caught.value.code == "retention_running"


def test_purge_refuses_an_uncertified_election(factory):
    slug = make_election(factory, status="open")
    with pytest.raises(Conflict) as caught:
        with transaction(factory) as db:
            retention.purge(db, "cli:dsi", elections.get_election(db, slug, lock=True))
    assert caught.value.code == "not_certified"
