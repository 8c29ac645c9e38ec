"""`make run` on a fresh instance folder serves /healthz and the landing page within a
minute, and does so again on a second run (no duplicate demo data, no crash)."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status, response.read().decode("utf-8")


def _run_once(instance: Path) -> str:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOTING_")}
    env["VOTING_INSTANCE_DIR"] = str(instance)
    process = subprocess.Popen(["make", "run", f"BIND=127.0.0.1:{port}"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make run did not serve /healthz:\n{process.stdout.read()}")
            time.sleep(0.3)
        status, page = _get(f"http://127.0.0.1:{port}/")
        assert status == 200 and "Budget participatif 2027" in page
        return page
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        assert "demo-admin-2027" in output and "Serving on" in output, output
        # The logins come last, after gunicorn's own start-up lines (not buried under them).
        assert output.rindex("demo-admin-2027") > output.rindex("Booting worker"), output
        assert output.rindex("Serving on") > output.rindex("Listening at"), output


def test_make_run_twice(tmp_path):
    first = _run_once(tmp_path)
    second = _run_once(tmp_path)
    assert first.count("Budget participatif 2027") == second.count("Budget participatif 2027")
