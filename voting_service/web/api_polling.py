"""API v1, polling points and set-up: check-in (officers), kiosk enrolment and revocation,
the election key (admins). Routes join the `api` blueprint."""

from __future__ import annotations

from flask import g, jsonify

from ..domain import checkin, elections, kiosks
from .api import body_string, bp, json_object
from .auth import requires
from . import metrics
from . import openapi as o
from .openapi import operation
from .db import unit_of_work


@bp.post("/elections/<slug>/checkins")
@requires("checkin")
@operation("checkIn",
           "Check a voter in at a polling point from their letter's QR", request=o.CHECKIN_BODY,
           response=o.CHECKIN_OK, status=201)
def check_in(slug: str):
    body = json_object()
    payload = body_string(body, "qr_payload", 300)
    point = body_string(body, "polling_point", 64)
    with unit_of_work() as db:
        election = elections.get_election(db, slug)
        view = checkin.check_in(db, election, payload, point, g.principal.name)
    metrics.checked_in(slug, view)
    return jsonify(view.to_json()), 201


@bp.get("/elections/<slug>/kiosks")
@requires("elections:read")
@operation("listKiosks", "Enrolled kiosks", response=o.KIOSK_LIST, errors=o.READ_ERRORS)
def list_kiosks(slug: str):
    with unit_of_work() as db:
        views = kiosks.listing(db, elections.get_election(db, slug))
    return jsonify({"kiosks": [v.to_json() for v in views]})


@bp.post("/elections/<slug>/kiosks")
@requires("kiosks:manage")
@operation("enrolKiosk",
           "Enrol a kiosk's device key at a polling point", request=o.KIOSK_BODY,
           response=o.KIOSK, status=201)
def enrol_kiosk(slug: str):
    body = json_object()
    with unit_of_work() as db:
        election = elections.get_election(db, slug)
        view = kiosks.enrol(db, g.principal.name, election, body.get("polling_point"),
                            body.get("public_key"), body.get("label", ""))
    return jsonify(view.to_json()), 201


@bp.post("/elections/<slug>/kiosks/<kiosk>/revoke")
@requires("kiosks:manage")
@operation("revokeKiosk", "Revoke a kiosk", request=o.REVOKE_BODY, response=o.KIOSK)
def revoke_kiosk(slug: str, kiosk: str):
    body = json_object()
    with unit_of_work() as db:
        election = elections.get_election(db, slug)
        view = kiosks.revoke(db, g.principal.name, election, kiosk, body.get("reason"))
    return jsonify(view.to_json())


@bp.put("/elections/<slug>/election-key")
@requires("ceremony")
@operation("putElectionKey",
           "Record the trustees' election key (frozen elections)", request=o.ELECTION_KEY_BODY,
           response=o.STATUS_VIEW)
def put_election_key(slug: str):
    body = json_object()
    with unit_of_work() as db:
        election = elections.set_election_key(db, g.principal.name, slug,
                                              body.get("election_key"))
        view = elections.status_view(election)
    return jsonify(view)
