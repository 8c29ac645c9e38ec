"""Integration API v1 (JSON), for the other steps of the participatory-budgeting cycle."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from ..domain import elections
from ..domain.errors import DomainError
from .auth import public, requires
from .db import settings, unit_of_work
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def json_body():
    """The request's JSON body, or a clear 400/415."""
    if not request.is_json:
        raise DomainError("send a JSON body with Content-Type: application/json",
                          "unsupported_media_type").with_status(415)
    body = request.get_json(silent=True)
    if body is None:
        raise DomainError("the body is not valid JSON", "malformed_json")
    return body


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
    with unit_of_work() as db:
        result = elections.transition(db, g.principal.name, slug, body["to"],
                                      key_dir=settings().key_dir)
        view = elections.status_view(result.election)
    view["changed"] = result.changed
    return jsonify(view), 200
