"""Per-request units of work."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask import current_app
from sqlalchemy.orm import Session

from ..store.db import Phases, phases, transaction


def settings():
    return current_app.extensions["voting"]["settings"]


@contextmanager
def unit_of_work() -> Iterator[Session]:
    with transaction(current_app.extensions["voting"]["sessions"]) as session:
        yield session


@contextmanager
def request_phases() -> Iterator[Phases]:
    """Several units of work on one connection (store.db.Phases)."""
    with phases(current_app.extensions["voting"]["engine"]) as units:
        yield units
