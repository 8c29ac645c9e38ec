"""A small JSON client for API v1 over `http.client` (no extra dependency), one connection
per thread so concurrent voters each keep their own socket."""

from __future__ import annotations

import http.client
import json
import threading
from typing import Any


class ApiError(RuntimeError):
    """An answer other than the expected one, with the API's error code and message (never
    the request body: it may hold a login token or a ballot opening)."""

    def __init__(self, method: str, path: str, status: int, body: Any):
        error = body.get("error", {}) if isinstance(body, dict) else {}
        self.status, self.code = status, error.get("code", "")
        message = error.get("message") or (str(body)[:200] if body else "")
        super().__init__(f"{method} {path}: HTTP {status} {self.code} {message}".rstrip())


class Api:
    def __init__(self, host: str, port: int, timeout: float = 60.0):
        self.host, self.port, self.timeout = host, port, timeout
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.connection = connection
        return connection

    def reset(self) -> None:
        """Drop this thread's connection (after a failure that may have left it half-used):
        the next request opens a new one."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = None,
                voter: str | None = None, raw: bytes | None = None,
                content_type: str = "application/json") -> tuple[int, Any]:
        """(status, decoded JSON or None). `token` is a staff/machine Bearer token, `voter`
        a voter session token."""
        headers = {}
        data = raw
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        if data is not None:
            headers["Content-Type"] = content_type
        if token:
            headers["Authorization"] = f"Bearer {token}"
        elif voter:
            headers["Authorization"] = f"Voter {voter}"
        path = "/api/v1" + path
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.request(method, path, body=data, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # gunicorn's sync workers close idle keep-alive sockets: reconnect once. A
                # POST may then be sent twice; the casting API answers a repeated request
                # with the same receipt (200), so a retry never casts twice.
                connection.close()
                self._local.connection = None
                if attempt == 2:
                    raise
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
        try:
            decoded = json.loads(payload) if payload else None
        except ValueError:
            decoded = {"error": {"code": "not_json", "message": payload[:200].decode(
                "utf-8", "replace")}}
        return response.status, decoded

    def call(self, method: str, path: str, body: Any = None, *, expect=(200, 201),
             **kwargs) -> Any:
        """The decoded answer; ApiError unless its status is in `expect`."""
        status, decoded = self.request(method, path, body, **kwargs)
        if status not in expect:
            raise ApiError(method, path, status, decoded)
        return decoded
