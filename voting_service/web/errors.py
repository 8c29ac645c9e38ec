"""Every failure becomes a clear 4xx: JSON `{"error": {"code", "message"}}` on the API,
a plain-language page elsewhere. An unexpected exception is logged and answered with a
generic 500 that reveals nothing."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..domain.errors import DomainError
from .i18n import t

log = logging.getLogger("voting_service")

HTTP_CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "body_too_large",
    415: "unsupported_media_type", 422: "invalid_input", 429: "too_many_requests",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, details: dict | None = None):
    g.error_code = code   # the metrics count refusals by code (web/metrics.py)
    body = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    return jsonify(body), status


def page_error(status: int, message_key: str, detail: str = ""):
    return render_template("error.html", status=status, message=t(message_key),
                           detail=detail), status


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        if wants_json():
            return json_error(error.status, error.code, error.message, error.details)
        return page_error(error.status, f"error.{error.status}", error.message)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        status = error.code or 500
        if wants_json():
            code = HTTP_CODES.get(status, "http_error")
            message = {
                404: "no such resource",
                405: f"method {request.method} is not allowed here",
                413: "the request body is too large",
            }.get(status, error.description or code)
            return json_error(status, code, message)
        return page_error(status, f"error.{status}")

    @app.after_request
    def _challenge(response):
        # RFC 9110 §11.6.1: a 401 names the scheme that would succeed. Voter routes (and
        # the voter login) take a voter session, everything else a bearer token.
        if response.status_code == 401 and wants_json() and \
                "WWW-Authenticate" not in response.headers:
            view = app.view_functions.get(request.endpoint or "")
            voter = getattr(view, "permission", None) == "voter_session" or \
                request.endpoint == "api.voter_login"
            response.headers["WWW-Authenticate"] = \
                f'{"Voter" if voter else "Bearer"} realm="voting_service"'
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return json_error(500, "internal_error", "internal error; it has been logged")
        return page_error(500, "error.500")
