"""Per-request units of work."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask import current_app
from sqlalchemy.orm import Session

from ..store.db import transaction


def settings():
    return current_app.extensions["voting"]["settings"]


@contextmanager
def unit_of_work() -> Iterator[Session]:
    with transaction(current_app.extensions["voting"]["sessions"]) as session:
        yield session
