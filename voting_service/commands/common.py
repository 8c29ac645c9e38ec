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

from .. import config
from ..domain.errors import Conflict, DomainError, NotFound

EXIT_VERIFY, EXIT_USAGE, EXIT_INPUT, EXIT_NOT_FOUND, EXIT_CONFLICT = 1, 2, 3, 4, 5


def database_url(create: bool = False) -> str:
    """The configured database. Only the commands that build a database (`init-db`, `demo`,
    `rehearse`) pass ``create``; every other one stops (exit 2) where none is found."""
    where = config.paths()
    if create:
        if where.database_file is not None:
            where.database_file.parent.mkdir(parents=True, exist_ok=True)
    else:
        config.require_database(where)
    return where.database_url


def sessions():
    from ..store.db import make_engine, make_session_factory  # SQLAlchemy: only when needed

    return make_session_factory(make_engine(database_url()))


def key_dir(create: bool = False) -> Path:
    """The configured key folder; created (owner only) by the commands that set up an
    installation, required by every other one."""
    where = config.paths()
    if create:
        where.key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    else:
        config.require_key_dir(where)
    return where.key_dir


def actor() -> str:
    return f"cli:{os.environ.get('USER') or getpass.getuser()}"


def fail(error: DomainError):
    code = {NotFound: EXIT_NOT_FOUND, Conflict: EXIT_CONFLICT}.get(type(error), EXIT_INPUT)
    click.echo(f"Error ({error.code}): {error.message}", err=True)
    sys.exit(code)


def _database_unreachable(error: Exception) -> bool:
    """SQLAlchemy's OperationalError (server down, wrong URL, unreadable file), recognised
    without importing SQLAlchemy into every command."""
    return type(error).__name__ == "OperationalError" and \
        type(error).__module__.startswith("sqlalchemy")


class DomainAwareGroup(click.Group):
    """Turns domain errors into a one-line message and a documented exit code; a missing
    or unusable configuration (no database, no key folder) into exit 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DomainError as error:
            fail(error)
        except config.ConfigError as error:
            click.echo(f"Error (configuration): {error}", err=True)
            sys.exit(EXIT_USAGE)
        except Exception as error:
            if not _database_unreachable(error):
                raise
            reason = str(getattr(error, "orig", error)).strip().splitlines()[0][:300]
            click.echo(f"Error (configuration): cannot use the database ({reason}); check "
                       "VOTING_DATABASE_URL", err=True)
            sys.exit(EXIT_USAGE)
