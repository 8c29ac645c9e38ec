"""What every command group shares: the database, the acting operator, error handling.

Exit codes: 0 success; 1 a verification found a problem; 2 bad usage; 3 invalid input;
4 not found; 5 conflict with the current state.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import click

from ..config import default_database_url
from ..domain.errors import Conflict, DomainError, NotFound

EXIT_VERIFY, EXIT_INPUT, EXIT_NOT_FOUND, EXIT_CONFLICT = 1, 3, 4, 5


def database_url() -> str:
    return os.environ.get("VOTING_DATABASE_URL") or default_database_url(
        Path(os.environ.get("VOTING_INSTANCE_DIR", "instance")))


def sessions():
    from ..store.db import make_engine, make_session_factory  # SQLAlchemy: only when needed

    return make_session_factory(make_engine(database_url()))


def key_dir() -> Path:
    return Path(os.environ.get("VOTING_KEY_DIR", "keys"))


def actor() -> str:
    return f"cli:{os.environ.get('USER') or getpass.getuser()}"


def fail(error: DomainError):
    code = {NotFound: EXIT_NOT_FOUND, Conflict: EXIT_CONFLICT}.get(type(error), EXIT_INPUT)
    click.echo(f"Error ({error.code}): {error.message}", err=True)
    sys.exit(code)


class DomainAwareGroup(click.Group):
    """Turns domain errors into a one-line message and a documented exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DomainError as error:
            fail(error)
