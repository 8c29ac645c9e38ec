"""API v1, voter side: roll import, eligibility, login, and the public list of
credentials. Routes join the `api` blueprint."""

from __future__ import annotations

import io
from datetime import date

from flask import g, jsonify, request

from ..domain import credentials_public, elections, voter_auth, voter_roll
from ..domain.errors import DomainError, InvalidInput, NotFound
from .api import body_string, bp, json_object
from .auth import public, requires
from .db import unit_of_work

ROLL_MAX_BYTES = 64 * 1024 * 1024


@bp.post("/elections/<slug>/voters/import")
@requires("voters:write")
def import_voters(slug: str):
    """The roll as a text/csv body, or as multipart/form-data with a `roll` file and an
    optional `districts` file (code_postal;quartier) used where a row's quartier is empty."""
    request.max_content_length = ROLL_MAX_BYTES
    postcode_map = None
    if request.mimetype == "multipart/form-data":
        roll = request.files.get("roll")
        if roll is None:
            raise InvalidInput("the multipart body needs a 'roll' file", "invalid_input")
        stream = roll.stream
        districts = request.files.get("districts")
        if districts is not None:
            postcode_map = voter_roll.read_district_map(districts.stream)
    elif request.mimetype in ("text/csv", "application/octet-stream"):
        stream = io.BytesIO(request.get_data(cache=False))
    else:
        raise DomainError("send the roll as text/csv or multipart/form-data",
                          "unsupported_media_type").with_status(415)
    all_or_nothing = request.args.get("all_or_nothing", "false").lower() in ("1", "true", "yes")
    with unit_of_work() as db:
        election = elections.get_election(db, slug, lock=True)
        report = voter_roll.import_roll(db, g.principal.name, election, stream, postcode_map,
                                        all_or_nothing=all_or_nothing)
    return jsonify(report.to_json())


@bp.post("/elections/<slug>/voters/<number>/override")
@requires("voters:write")
def override_voter(slug: str, number: str):
    body = json_object()
    decision = body_string(body, "decision", 10)
    if decision not in ("include", "exclude", "none"):
        raise InvalidInput("decision: include, exclude or none", "invalid_input")
    reason = body_string(body, "reason", voter_roll.MAX_REASON, required=False) or ""
    with unit_of_work() as db:
        election = elections.get_election(db, slug, lock=True)
        voter = voter_roll.set_override(db, g.principal.name, election, number.upper(),
                                        None if decision == "none" else decision, reason)
        return jsonify(_eligibility(voter))


def _eligibility(voter) -> dict:
    return {"voter_number": voter.voter_number, "eligible": voter.eligible,
            "reason": voter.eligibility_reason, "questions": voter.questions}


@bp.get("/elections/<slug>/voters/<number>")
@requires("voters:read")
def voter_eligibility(slug: str, number: str):
    with unit_of_work() as db:
        election = elections.get_election(db, slug)
        return jsonify(_eligibility(voter_roll.find_voter(db, election, number.upper())))


@bp.post("/elections/<slug>/voters/<number>/unlock")
@requires("voters:unlock")
def unlock_voter(slug: str, number: str):
    with unit_of_work() as db:
        election = elections.get_election(db, slug)
        voter = voter_roll.find_voter(db, election, number)
        lifted = voter_auth.unlock(db, g.principal.name, election, voter.voter_number)
    return jsonify({"voter_number": voter.voter_number, "unlocked": lifted})


@bp.get("/elections/<slug>/credentials")
@public
def public_credentials(slug: str):
    """Anyone may count the possible ballots: the public credentials of each question."""
    with unit_of_work() as db:
        election = elections.get_election(db, slug)
        if election.status == "draft":
            raise NotFound(f"no election {slug!r}", "election_not_found")
        return jsonify(credentials_public.listing(db, election))


@bp.post("/elections/<slug>/voter-sessions")
@public
def voter_login(slug: str):
    body = json_object()
    number = body_string(body, "voter_number", 32).upper()
    token_hex = body_string(body, "login_token", 64)
    try:
        token = bytes.fromhex(token_hex)
        if len(token) != voter_auth.TOKEN_BYTES:
            raise ValueError
    except ValueError:
        raise InvalidInput("login_token: 64 hexadecimal characters", "invalid_input")
    born = body.get("birth_date")
    if born is not None:
        try:
            born = date.fromisoformat(body_string(body, "birth_date", 10))
        except ValueError:
            raise InvalidInput("birth_date: YYYY-MM-DD", "invalid_input")
    with unit_of_work() as db:
        election = elections.get_election(db, slug)
        outcome = voter_auth.login(db, election, number, token, born, request.remote_addr or "")
        if outcome.ok:
            questions = outcome.voter.questions
    # The failure counters are committed before answering.
    if outcome.ok:
        return jsonify({"session_token": outcome.session_token,
                        "expires_at": outcome.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "questions": questions}), 201
    messages = {
        "bad_credentials": (401, "unknown voter number, wrong code or wrong date of birth"),
        "too_many_attempts": (429, "too many failed attempts for this voter number from "
                                   "this address: wait before trying again"),
        "rate_limited": (429, "too many failed attempts from this address: wait before "
                              "trying again"),
    }
    status, message = messages[outcome.code]
    response = jsonify({"error": {"code": outcome.code, "message": message}})
    if outcome.retry_after:
        response.headers["Retry-After"] = str(outcome.retry_after)
    return response, status
