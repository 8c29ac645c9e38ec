"""A real server for a rehearsal or a benchmark: `voting-service serve` (gunicorn, the
project's own serve path) in a child process on a free port of 127.0.0.1, stopped at the end
whatever happens.

The child gets its own session (process group), so a Ctrl-C in the terminal reaches only the
rehearsal, which then stops the server itself: gunicorn is never left running on its own.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

START_TIMEOUT = 60.0   # seconds: two workers importing the app on a loaded 2-core machine
STOP_TIMEOUT = 15.0    # gunicorn's graceful_timeout is 10 s (serve.py)


class ServerError(RuntimeError):
    """The server did not start or stopped by itself; the message ends with its log."""


def free_port() -> int:
    """A port nobody listens on now. Another process may take it before gunicorn binds it;
    `LocalServer.start` then fails clearly (the log says 'Address already in use')."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalServer:
    """`with LocalServer(workers=2) as server: server.port` — environment inherited from this
    process (VOTING_DATABASE_URL, VOTING_MODE, …) plus `env`."""

    def __init__(self, workers: int = 2, env: dict[str, str] | None = None,
                 extra_args: tuple[str, ...] = ()):
        self.workers = workers
        self.env = {**os.environ, **(env or {})}
        self.extra_args = extra_args
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self._log_dir = tempfile.TemporaryDirectory(prefix="vs-server-")
        self.log_path = Path(self._log_dir.name) / "server.log"

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def start(self) -> LocalServer:
        self.port = free_port()
        log = open(self.log_path, "wb")
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "voting_service.cli", "serve",
                 "--bind", f"{self.host}:{self.port}", "--workers", str(self.workers),
                 *self.extra_args],
                env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        finally:
            log.close()
        try:
            self._wait_healthy()
        except BaseException:   # Ctrl-C while waiting included: never leave it running
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"the server exited with status {self.process.returncode} "
                                  f"while starting:\n{self.log_tail()}")
            try:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
                connection.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise ServerError(f"the server was not healthy after {START_TIMEOUT:.0f} s:\n"
                          f"{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Graceful stop (SIGTERM to the gunicorn master), then SIGKILL to the server's own
        process group if it lingers. Safe to call twice."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)  # the group we created
                except ProcessLookupError:
                    pass
                process.wait()

    def close(self) -> None:
        self.stop()
        self._log_dir.cleanup()

    def __enter__(self) -> LocalServer:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc) -> None:
        self.close()


class RunningServer:
    """A server started by someone else (`rehearse --server`), used as it is: never started
    or stopped from here."""

    process = None

    def __init__(self, url: str):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname or not parts.port or \
                parts.path not in ("", "/") or parts.query or parts.username:
            raise ValueError(f"expected http://HOST:PORT, got {url[:100]!r}")
        self._host, self.port = parts.hostname, parts.port

    @property
    def host(self) -> str:
        return self._host

    def start(self) -> RunningServer:
        return self

    def log_tail(self, lines: int = 30) -> str:
        return "(the server's log is where its operator keeps it)"

    def close(self) -> None:
        pass
