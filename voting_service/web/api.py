"""Integration API v1 (JSON), for the other steps of the participatory-budgeting cycle."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from ..domain import elections
from ..domain.errors import DomainError, InvalidInput
from ..domain.validation import MAX_DEPTH, check_json_text
from .auth import public, requires
from .db import settings, unit_of_work
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def json_body():
    """The request's JSON body, or a clear 400/415. Every JSON route reads its body here, so
    what no layer below can handle (a parser-exhausting depth, a lone surrogate that no
    database or encoder accepts) is refused once, before any work."""
    if not request.is_json:
        raise DomainError("send a JSON body with Content-Type: application/json",
                          "unsupported_media_type").with_status(415)
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # silent covers syntax errors only, not the parser's own limit
        raise DomainError(f"the body nests more than {MAX_DEPTH} levels deep", "json_too_deep")
    if body is None:
        raise DomainError("the body is not valid JSON", "malformed_json")
    check_json_text(body)
    return body



def json_object() -> dict:
    """The request's JSON body, which must be an object."""
    body = json_body()
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", "invalid_input")
    return body


def body_string(body: dict, name: str, limit: int = 200, required: bool = True) -> str | None:
    """A non-empty string field of at most ``limit`` characters (None if optional and
    absent)."""
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > limit or "\x00" in value:
        raise InvalidInput(f"{name}: a non-empty string of at most {limit} characters",
                           "invalid_input")
    return value

@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document())


@bp.get("/elections")
@requires("elections:read")
def list_elections():
    with unit_of_work() as db:
        items = elections.summaries(db)
    return jsonify({"elections": [e.to_json() for e in items]})


@bp.post("/elections")
@requires("elections:write")
def create_election():
    body = json_body()
    with unit_of_work() as db:
        election = elections.create_election(db, g.principal.name, body)
        election = elections.get_election(db, election.slug)
        return jsonify(elections.published_view(election)), 201


@bp.get("/elections/<slug>")
@requires("elections:read")
def get_election(slug: str):
    with unit_of_work() as db:
        return jsonify(elections.published_view(elections.get_election(db, slug)))


@bp.put("/elections/<slug>/questions/<question>/projects")
@requires("elections:write")
def put_projects(slug: str, question: str):
    body = json_body()
    with unit_of_work() as db:
        elections.put_projects(db, g.principal.name, slug, question, body)
        election = elections.get_election(db, slug)
        return jsonify(elections.published_view(election))


@bp.get("/elections/<slug>/status")
@requires("elections:read")
def election_status(slug: str):
    with unit_of_work() as db:
        return jsonify(elections.status_view(elections.get_election(db, slug)))


@bp.post("/elections/<slug>/transitions")
@requires("elections:transition")
def transition(slug: str):
    body = json_body()
    if not isinstance(body, dict) or not isinstance(body.get("to"), str):
        raise DomainError("the body must be an object with a string field 'to'",
                          "invalid_input").with_status(422)
    force, reason = body.get("force", False), body.get("reason")
    if not isinstance(force, bool) or not (reason is None or isinstance(reason, str)):
        raise DomainError("'force' is a boolean and 'reason' a string", "invalid_input"
                          ).with_status(422)
    with unit_of_work() as db:
        result = elections.transition(db, g.principal.name, slug, body["to"],
                                      key_dir=settings().key_dir, force=force, reason=reason)
        view = elections.status_view(result.election)
    view["changed"] = result.changed
    return jsonify(view), 200
