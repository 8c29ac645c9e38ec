"""Per-request units of work, and what a request meets when the database is unreachable."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

from flask import Flask, current_app, make_response, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from ..store.db import Phases, phases, transaction
from .errors import json_error, page_error, wants_json

log = logging.getLogger("voting_service")

RETRY_AFTER_SECONDS = 2


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


def register(app: Flask) -> None:
    """A database that is restarting, failing over or down is not a fault of the request
    nor a bug of the service: 503 with Retry-After (devices send the same request again;
    casting is idempotent), one log line instead of a traceback per request."""

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(error):
        # hide_parameters (store/db.py) keeps statement parameters out of this text.
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        log.warning("database unavailable on %s %s: %s: %s", request.method, request.path,
                    type(getattr(error, "orig", None) or error).__name__,
                    reason[0][:200] if reason else "")
        if wants_json():
            response, status = json_error(503, "database_unavailable",
                                          "the service cannot reach its database just now; "
                                          "send the same request again in a few seconds")
        else:
            response, status = page_error(503, "error.500")
        response = make_response(response, status)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
