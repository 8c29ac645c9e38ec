"""API v1, casting: online ballots (voter session), kiosk ballots (signed by an enrolled
kiosk, bound to a check-in) and Benaloh challenges. Routes join the `api` blueprint.

The voter's session token travels as `Authorization: Voter <token>` (staff and machine
clients use `Bearer`), so the two can never be confused. The proofs and signatures are
checked between two short transactions (domain/casting.py)."""

from __future__ import annotations

from flask import jsonify, request

from ..domain import casting, elections
from ..domain.errors import InvalidInput, Unauthenticated
from .api import bp, json_body
from .auth import VOTER_SESSION, public
from . import openapi as o
from .openapi import operation
from .db import request_phases, settings, unit_of_work


def voter_session_token() -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "voter" or not value.strip() or len(value) > 200:
        raise Unauthenticated("log in first: send Authorization: Voter <session token>",
                              "voter_session_required")
    return value.strip()


def voter_session(view):
    """Voter routes: a voter session, never a staff token (declared like ``requires``)."""
    view.permission = VOTER_SESSION
    return view


@bp.post("/elections/<slug>/ballots")
@voter_session
@operation("castBallots",
           "Cast the voter's ballots for all their questions (all or nothing)",
           request=o.CAST_BODY, response=o.RECEIPT, status=201, also=(200,),
           errors=(400, 401, 404, 409, 413, 415, 422), security="voter")
def cast_ballots(slug: str):
    """The voter's ballots for all their questions, all or nothing."""
    token = voter_session_token()
    body = json_body()
    try:
        with request_phases() as units:
            with units.unit() as db:
                # Read once: the election's state is checked again under its lock.
                ctx = casting.voter_context(db, slug, token)
            ballot_list = casting.read_request(body, ctx.crypto)
            casting.check_online(ballot_list, ctx)
            with units.unit() as db:
                receipt = casting.commit_online(db, ctx, ballot_list, settings().key_dir)
        # Here the receipt's transaction is committed.
    except casting.ReplayedCast as twin:  # rolled back: the earlier request's receipt
        receipt = twin.receipt
    return jsonify(receipt.to_json()), 200 if receipt.replayed else 201


@bp.post("/elections/<slug>/kiosk-ballots")
@public
@operation("castKioskBallots",
           "Cast a checked-in voter's ballots from an enrolled kiosk", request=o.KIOSK_CAST_BODY,
           response=o.RECEIPT, status=201, also=(200,), errors=(400, 404, 409, 413, 415, 422),
           security="none")
def cast_kiosk_ballots(slug: str):
    """A kiosk's ballots for one checked-in voter; authenticated by the kiosk's signature."""
    body = json_body()
    if not isinstance(body, dict):
        raise InvalidInput("the body is {\"kiosk\": …, \"ballots\": […]}", "invalid_input")
    with unit_of_work() as db:
        ctx = casting.kiosk_context(db, elections.get_election(db, slug, full=False),
                                    body.get("kiosk"))
    ballot_list = casting.read_request({"ballots": body.get("ballots")}, ctx.crypto)
    casting.check_kiosk(ballot_list, ctx)
    with unit_of_work() as db:
        election = elections.get_election(db, slug, full=False)
        receipt = casting.commit_kiosk(db, election, ctx, ballot_list, settings().key_dir)
    return jsonify(receipt.to_json()), 200 if receipt.replayed else 201


@bp.post("/elections/<slug>/spoiled")
@voter_session
@operation("spoilBallot",
           "Publish a challenged ballot with its opening (never castable)", request=o.SPOIL_BODY,
           response=o.SPOILED, status=201, also=(200,),
           errors=(400, 401, 404, 409, 413, 415, 422), security="voter")
def spoil_ballot(slug: str):
    """Publish a challenged ballot with its opening: it can never be cast."""
    token = voter_session_token()
    body = json_body()
    with unit_of_work() as db:
        ctx = casting.voter_context(db, slug, token)
    ballot, opening = casting.read_spoil_request(body, ctx.crypto)
    if ballot.credential.hex() != ctx.credential or ballot.checkin is not None:
        raise InvalidInput("the ballot is not for your credential", "wrong_credential")
    plaintext = casting.check_spoil(ballot, opening, ctx.crypto)
    with unit_of_work() as db:
        election = elections.get_election(db, slug, full=False)
        view = casting.commit_spoil(db, election, ctx.crypto, ballot, opening, plaintext)
    return jsonify(view.to_json()), 200 if view.replayed else 201
