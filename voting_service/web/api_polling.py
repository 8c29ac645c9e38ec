"""API v1, polling points and set-up: check-in (officers), kiosk enrolment and revocation,
the election key (admins). Routes join the `api` blueprint."""

from __future__ import annotations

from flask import g, jsonify

from ..domain import checkin, elections, kiosks
from ..domain.errors import InvalidInput
from .api import bp, json_body
from .auth import requires
from . import openapi as o
from .openapi import operation
from .db import unit_of_work


def _object(body) -> dict:
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", "invalid_input")
    return body


def _string(body: dict, name: str, limit: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value or len(value) > limit or "\x00" in value:
        raise InvalidInput(f"{name}: a non-empty string of at most {limit} characters",
                           "invalid_input")
    return value


@bp.post("/elections/<slug>/checkins")
@requires("checkin")
@operation("checkIn", "Check a voter in at a polling point from their letter's QR", request=o.CHECKIN_BODY, response=o.CHECKIN_OK, status=201)
def check_in(slug: str):
    body = _object(json_body())
    payload = _string(body, "qr_payload", 300)
    point = _string(body, "polling_point", 64)
    with unit_of_work() as db:
        election = elections.get_election(db, slug)
        view = checkin.check_in(db, election, payload, point, g.principal.name)
    return jsonify(view.to_json()), 201


@bp.get("/elections/<slug>/kiosks")
@requires("elections:read")
@operation("listKiosks", "Enrolled kiosks", response={"type": "object", "properties": {"kiosks": {"type": "array", "items": o.KIOSK}}, "required": ["kiosks"]}, errors=o.READ_ERRORS)
def list_kiosks(slug: str):
    with unit_of_work() as db:
        views = kiosks.listing(db, elections.get_election(db, slug))
    return jsonify({"kiosks": [v.to_json() for v in views]})


@bp.post("/elections/<slug>/kiosks")
@requires("kiosks:manage")
@operation("enrolKiosk", "Enrol a kiosk's device key at a polling point", request=o.KIOSK_BODY, response=o.KIOSK, status=201)
def enrol_kiosk(slug: str):
    body = _object(json_body())
    with unit_of_work() as db:
        election = elections.get_election(db, slug)
        view = kiosks.enrol(db, g.principal.name, election, body.get("polling_point"),
                            body.get("public_key"), body.get("label", ""))
    return jsonify(view.to_json()), 201


@bp.post("/elections/<slug>/kiosks/<kiosk>/revoke")
@requires("kiosks:manage")
@operation("revokeKiosk", "Revoke a kiosk", request=o.REVOKE_BODY, response=o.KIOSK)
def revoke_kiosk(slug: str, kiosk: str):
    body = _object(json_body())
    with unit_of_work() as db:
        election = elections.get_election(db, slug)
        view = kiosks.revoke(db, g.principal.name, election, kiosk, body.get("reason"))
    return jsonify(view.to_json())


@bp.put("/elections/<slug>/election-key")
@requires("ceremony")
@operation("putElectionKey", "Record the trustees' election key (frozen elections)", request=o.ELECTION_KEY_BODY, response=o.STATUS_VIEW)
def put_election_key(slug: str):
    body = _object(json_body())
    with unit_of_work() as db:
        election = elections.set_election_key(db, g.principal.name, slug,
                                              body.get("election_key"))
        view = elections.status_view(election)
    return jsonify(view)
