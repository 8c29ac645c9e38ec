"""Request-line and header limits, answered like every other error of the service.

gunicorn refuses an over-long request line (414) or too many or too large headers (431)
itself, with an HTML page, before the application sees the request: an API client would
get HTML where every other error is `{"error": {"code", "message"}}`. So gunicorn's own
limits are set above these (``GUNICORN_LIMITS``) and this middleware enforces the smaller
ones, answering JSON on /api/ and a French page elsewhere. What even gunicorn's raised
limits refuse is answered in JSON by the workers of ``gunicorn_workers.py``.
"""

from __future__ import annotations

import json

# What the service accepts: gunicorn's defaults, so clients see the limits they expect.
MAX_REQUEST_LINE = 4094
MAX_HEADER_FIELDS = 100
MAX_HEADER_FIELD_SIZE = 8190

# gunicorn's limits, above the service's (its request line cannot exceed 8190).
GUNICORN_LIMITS = {
    "limit_request_line": 8190,
    "limit_request_fields": 4 * MAX_HEADER_FIELDS,
    "limit_request_field_size": 2 * MAX_HEADER_FIELD_SIZE,
}

_MESSAGES = {
    414: ("uri_too_long", f"the request line is longer than {MAX_REQUEST_LINE} bytes",
          "L'adresse demandée est trop longue."),
    431: ("headers_too_large", f"more than {MAX_HEADER_FIELDS} header fields, or one longer "
                               f"than {MAX_HEADER_FIELD_SIZE} bytes",
          "La requête porte des en-têtes trop nombreux ou trop longs."),
}
_REASONS = {414: "URI Too Long", 431: "Request Header Fields Too Large"}


def _request_line_length(environ) -> int:
    uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if uri is None:  # not gunicorn: rebuild it from the decoded parts
        uri = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            uri += "?" + environ["QUERY_STRING"]
    return (len(environ.get("REQUEST_METHOD", "")) + 1 + len(uri.encode("latin-1", "replace"))
            + 1 + len(environ.get("SERVER_PROTOCOL", "")))


def _header_problem(environ) -> bool:
    fields = 0
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key
        else:
            continue
        fields += 1
        if len(name) + 2 + len(value) > MAX_HEADER_FIELD_SIZE:
            return True
    return fields > MAX_HEADER_FIELDS


def error_response(status: int, path: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """JSON under /api/ (and wherever the path is unknown), a short French page elsewhere."""
    code, message, french = _MESSAGES[status]
    if path.startswith("/api/") or not path:
        body = json.dumps({"error": {"code": code, "message": message}}).encode()
        kind = "application/json"
    else:
        body = ("<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>Erreur "
                f"{status}</title><h1>Erreur {status}</h1><p>{french}</p></html>").encode()
        kind = "text/html; charset=utf-8"
    headers = [("Content-Type", kind), ("Content-Length", str(len(body))),
               ("Connection", "close"), ("X-Content-Type-Options", "nosniff")]
    return f"{status} {_REASONS[status]}", headers, body


class RequestLimits:
    """WSGI middleware: the service's request-line and header limits."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        status = None
        if _request_line_length(environ) > MAX_REQUEST_LINE:
            status = 414
        elif _header_problem(environ):
            status = 431
        if status is None:
            return self.app(environ, start_response)
        line, headers, body = error_response(status, environ.get("PATH_INFO", ""))
        start_response(line, headers)
        return [body]
