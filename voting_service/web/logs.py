"""Request logging, one line per request, each line carrying the request's id.

Only method, path, status and timing are logged: never bodies, query strings, cookies or
headers, which may carry codes, tokens or choices.

The request id is the reverse proxy's `X-Request-ID` when the service sits behind trusted
proxies (VOTING_TRUSTED_PROXIES) and the value is a plain token (`REQUEST_ID`), else one
drawn here; it is returned in the response's `X-Request-ID` and put on every line logged
while the request is handled, by the app or by anything it calls. Lines logged outside a
request (start-up, gunicorn's own) carry `"request_id": null` in JSON.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request

#: What a proxy's id may look like: nginx's $request_id is 32 hexadecimal digits, other
#: proxies send UUIDs. Anything else (spaces, quotes, newlines, 200 characters) is replaced,
#: so a client cannot forge lines or bloat the logs through this header.
REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,127}")
HEADER = "X-Request-ID"


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record that passes a handler (None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC, ISO 8601), level, logger, request_id, msg, and the
    record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        data = {"ts": datetime.fromtimestamp(record.created, timezone.utc)
                .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "level": record.levelname, "logger": record.name,
                "request_id": getattr(record, "request_id", None) or current_request_id(),
                "msg": record.getMessage()}
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(message)s"


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def gunicorn_logconfig(log_format: str) -> dict:
    """gunicorn's own lines (start, workers, signals) in the service's format, so a JSON log
    is JSON from its first line (for `logconfig_dict`, serve.py and deploy/gunicorn.conf.py)."""
    fmt = ({"()": f"{__name__}.JsonFormatter"} if log_format == "json"
           else {"format": TEXT_FORMAT})
    handler = {"class": "logging.StreamHandler", "formatter": "service",
               "filters": ["request_id"], "stream": "ext://sys.stderr"}
    return {
        "version": 1, "disable_existing_loggers": False,
        "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"}},
        "formatters": {"service": fmt},
        "handlers": {"service": handler},
        # gunicorn's defaults give the root logger a handler of their own: replaced, so a
        # library's warning comes out in the same format (its INFO chatter does not).
        "root": {"level": "WARNING", "handlers": ["service"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["service"], "propagate": False},
            # Off: gunicorn's access line holds the query string. The app logs each request
            # itself, with its id (configure below).
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }


def _request_id(trusted_proxies: int) -> str:
    sent = request.headers.get(HEADER, "") if trusted_proxies else ""
    if sent and REQUEST_ID.fullmatch(sent):
        return sent
    return secrets.token_hex(16)


def configure(app: Flask, log_format: str, trusted_proxies: int = 0) -> None:
    logger = logging.getLogger("voting_service")
    if not any(getattr(h, "voting_service", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.voting_service = True   # one per process, however many apps are made
        handler.setFormatter(formatter(log_format))
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.before_request
    def _start_request():
        g.started = time.perf_counter()
        g.request_id = _request_id(trusted_proxies)

    @app.after_request
    def _log_request(response):
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        request_id = g.get("request_id") or secrets.token_hex(16)
        response.headers[HEADER] = request_id
        logger.info("%s %s %s", request.method, request.path, response.status_code,
                    extra={"request_id": request_id,
                           "fields": {"method": request.method, "path": request.path,
                                      "status": response.status_code,
                                      "ms": round(elapsed * 1000, 1)}})
        return response
