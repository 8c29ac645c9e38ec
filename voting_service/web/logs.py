"""Request logging. Only method, path, status and timing are logged: never bodies, query
strings, cookies or headers, which may carry codes, tokens or choices."""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, g, request


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {"ts": self.formatTime(record), "level": record.levelname,
                "logger": record.name, "msg": record.getMessage()}
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure(app: Flask, log_format: str) -> None:
    logger = logging.getLogger("voting_service")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter() if log_format == "json"
                             else logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.before_request
    def _start_timer():
        g.started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        logger.info("%s %s %s", request.method, request.path, response.status_code,
                    extra={"fields": {"method": request.method, "path": request.path,
                                      "status": response.status_code,
                                      "ms": round(elapsed * 1000, 1)}})
        return response
