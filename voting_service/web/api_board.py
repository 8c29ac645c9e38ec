"""API v1, the public board (no login): the signed head, the record's events, a ballot by
tracker, what was cast with a public credential, counts and turnout."""

from __future__ import annotations

from flask import jsonify, request

from ..domain import board, elections
from .api import bp
from .auth import public
from . import openapi as o
from .openapi import operation
from .db import unit_of_work


@bp.get("/elections/<slug>/board")
@public
@operation("board",
           "The public board: signed head, counts, turnout", response=o.BOARD, errors=(400, 404),
           security="none")
def board_summary(slug: str):
    with unit_of_work() as db:
        return jsonify(board.summary(db, elections.get_election(db, slug)))


@bp.get("/elections/<slug>/board/events")
@public
@operation("boardEvents",
           "Events of the public record, by range", response=o.EVENTS, errors=(400, 404, 422),
           query=o.PAGE_QUERY, security="none")
def board_events(slug: str):
    with unit_of_work() as db:
        return jsonify(board.events(db, elections.get_election(db, slug),
                                    request.args.get("start", "1"),
                                    request.args.get("count", str(board.PAGE))))


@bp.get("/elections/<slug>/board/ballots/<tracker>")
@public
@operation("boardBallot", "A ballot by its tracker", errors=(400, 404, 422), security="none")
def board_ballot(slug: str, tracker: str):
    with unit_of_work() as db:
        return jsonify(board.ballot(db, elections.get_election(db, slug), tracker))


@bp.get("/elections/<slug>/board/credentials/<credential>")
@public
@operation("boardCredential",
           "What was cast with a public credential", errors=(400, 404, 422), security="none")
def board_credential(slug: str, credential: str):
    with unit_of_work() as db:
        return jsonify(board.by_credential(db, elections.get_election(db, slug), credential))
