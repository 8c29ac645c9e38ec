"""API v1, the public board (no login): the signed head, the record's events, a ballot by
tracker, what was cast with a public credential, counts and turnout."""

from __future__ import annotations

from flask import jsonify, request

from ..domain import board, elections
from .api import bp
from .auth import public
from .db import unit_of_work


@bp.get("/elections/<slug>/board")
@public
def board_summary(slug: str):
    with unit_of_work() as db:
        return jsonify(board.summary(db, elections.get_election(db, slug)))


@bp.get("/elections/<slug>/board/events")
@public
def board_events(slug: str):
    with unit_of_work() as db:
        return jsonify(board.events(db, elections.get_election(db, slug),
                                    request.args.get("start", "1"),
                                    request.args.get("count", str(board.PAGE))))


@bp.get("/elections/<slug>/board/ballots/<tracker>")
@public
def board_ballot(slug: str, tracker: str):
    with unit_of_work() as db:
        return jsonify(board.ballot(db, elections.get_election(db, slug), tracker))


@bp.get("/elections/<slug>/board/credentials/<credential>")
@public
def board_credential(slug: str, credential: str):
    with unit_of_work() as db:
        return jsonify(board.by_credential(db, elections.get_election(db, slug), credential))
