"""gunicorn workers whose own errors are JSON, like the application's.

gunicorn answers a request it cannot parse (a malformed request line or header, a request
line or headers beyond even its raised limits, see request_limits.py) with an HTML page of
its own, before any application code runs and before the path is known. These workers
answer `{"error": {"code", "message"}}` instead: API clients can parse it, and no browser
sends such requests. The message is fixed text: nothing of the request is echoed back.

Use ``worker_class = "voting_service.web.gunicorn_workers.SyncWorker"`` (or
``ThreadWorker`` with ``threads``); `voting-service serve` does.
"""

from __future__ import annotations

import json
import ssl

from gunicorn import util
from gunicorn.http import errors as http_errors
from gunicorn.workers.gthread import ThreadWorker as _ThreadWorker
from gunicorn.workers.sync import SyncWorker as _SyncWorker


def _classes(*names: str) -> tuple[type, ...]:
    """The named gunicorn exception classes this gunicorn version has."""
    return tuple(getattr(http_errors, name) for name in names if hasattr(http_errors, name))


_SERVER_FAULT = (500, "Internal Server Error", "internal_error",
                 "internal error; it has been logged")

# (exception classes, status, reason, code, message), first match wins.
_CLIENT_ERRORS = (
    # A header the application tried to send, or gunicorn's own configuration: not the
    # client's fault.
    (_classes("InvalidResponseHeader", "InvalidResponseHeaderName", "ConfigurationProblem"),
     *_SERVER_FAULT),
    (_classes("LimitRequestLine"), 414, "URI Too Long", "uri_too_long",
     "the request line is too long"),
    (_classes("LimitRequestHeaders"), 431, "Request Header Fields Too Large",
     "headers_too_large", "too many header fields, or one too long"),
    (_classes("UnsupportedTransferCoding"), 501, "Not Implemented",
     "unsupported_transfer_coding", "this transfer coding is not supported"),
    (_classes("ExpectationFailed"), 417, "Expectation Failed", "expectation_failed",
     "the Expect header cannot be met"),
    (_classes("ForbiddenProxyRequest"), 403, "Forbidden", "forbidden",
     "proxy request from an address that is not trusted"),
    ((ssl.SSLError,), 403, "Forbidden", "forbidden", "TLS error"),
    (_classes("ParseException"), 400, "Bad Request", "bad_request",
     "the request is not valid HTTP/1.1"),
)


def json_error(exc: BaseException) -> tuple[int, str, bytes]:
    for classes, status, reason, code, message in _CLIENT_ERRORS:
        if classes and isinstance(exc, classes):
            break
    else:
        status, reason, code, message = _SERVER_FAULT
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return status, reason, body


def write_json_error(sock, exc: BaseException) -> None:
    status, reason, body = json_error(exc)
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "X-Content-Type-Options: nosniff\r\n\r\n").encode("latin-1")
    util.write_nonblock(sock, head + body)


class _JsonErrors:
    def handle_error(self, req, client, addr, exc):
        status, _reason, _body = json_error(exc)
        if status >= 500:
            self.log.exception("Error handling request")
        else:
            self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0],
                             type(exc).__name__)
        try:
            write_json_error(client, exc)
        except Exception:  # the client is gone: nothing to answer
            self.log.debug("Failed to send error message.")


class SyncWorker(_JsonErrors, _SyncWorker):
    pass


class ThreadWorker(_JsonErrors, _ThreadWorker):
    pass
