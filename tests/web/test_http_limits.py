"""Against a real gunicorn (`voting-service serve`): every error on /api/ is JSON, those that
gunicorn itself raises included (over-long request line, too many or too large headers,
malformed HTTP), pages get a French page, and 401s name their scheme."""

import json
import os
import socket
import subprocess
import sys

import pytest

from voting_service.rehearsal.server import LocalServer


@pytest.fixture(scope="module", params=["4", "1"], ids=["threaded", "sync"])
def server(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("limits")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOTING_")}
    env.update(VOTING_MODE="development", VOTING_INSTANCE_DIR=str(tmp / "instance"),
               VOTING_KEY_DIR=str(tmp / "keys"), VOTING_LOG_FORMAT="text")
    subprocess.run([sys.executable, "-m", "voting_service.cli", "init-db"], env=env,
                   check=True, capture_output=True, timeout=120)
    with LocalServer(workers=1, env=env, extra_args=("--threads", request.param)) as running:
        yield running


def raw(server, request: bytes) -> tuple[int, dict, bytes]:
    """Send bytes as they are (no client library would send these), read the answer."""
    with socket.create_connection((server.host, server.port), timeout=20) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in
               (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def get(path: str, headers: str = "") -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n"
            ).encode("latin-1")


def assert_json_error(response, status, code=None):
    got, headers, body = response
    assert got == status, body[:300]
    assert headers["content-type"].startswith("application/json"), (headers, body[:300])
    error = json.loads(body)["error"]
    assert set(error) >= {"code", "message"}
    if code:
        assert error["code"] == code
    return error


def test_request_line_limits(server):
    # Over the service's limit, within gunicorn's: the middleware answers.
    assert_json_error(raw(server, get("/api/v1/elections?q=" + "a" * 5000)), 414,
                      "uri_too_long")
    page_status, page_headers, page = raw(server, get("/consultations/" + "a" * 5000))
    assert page_status == 414 and page_headers["content-type"].startswith("text/html")
    assert "L'adresse demandée est trop longue." in page.decode()
    # Over gunicorn's own hard limit (8190): its worker answers, in JSON too.
    assert_json_error(raw(server, get("/api/v1/elections?q=" + "a" * 9000)), 414,
                      "uri_too_long")


def test_header_limits(server):
    many = "".join(f"X-Filler-{i}: v\r\n" for i in range(150))
    assert_json_error(raw(server, get("/api/v1/elections", many)), 431, "headers_too_large")
    very_many = "".join(f"X-Filler-{i}: v\r\n" for i in range(500))
    assert_json_error(raw(server, get("/api/v1/elections", very_many)), 431,
                      "headers_too_large")
    big = f"X-Big: {'b' * 10_000}\r\n"
    assert_json_error(raw(server, get("/api/v1/elections", big)), 431, "headers_too_large")
    huge = f"X-Big: {'b' * 20_000}\r\n"
    assert_json_error(raw(server, get("/api/v1/elections", huge)), 431, "headers_too_large")


@pytest.mark.parametrize("request_bytes", [
    b"GARBAGE\r\n\r\n",
    b"GET /api/v1/elections HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET /api/v1/elections HTTP/1.1\r\nBad Header Name: x\r\n\r\n",
    b"POST /api/v1/elections HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
])
def test_malformed_http_is_a_json_400(server, request_bytes):
    error = assert_json_error(raw(server, request_bytes), 400, "bad_request")
    assert "GARBAGE" not in error["message"]   # nothing of the request is echoed


def test_401_names_its_scheme(server):
    response = raw(server, get("/api/v1/elections"))
    assert_json_error(response, 401, "unauthenticated")
    assert response[1]["www-authenticate"] == 'Bearer realm="voting_service"'
    status, headers, body = raw(server, b"POST /api/v1/elections/x/ballots HTTP/1.1\r\n"
                                        b"Host: x\r\nConnection: close\r\n"
                                        b"Content-Type: application/json\r\n"
                                        b"Content-Length: 2\r\n\r\n{}")
    assert status == 401 and headers["www-authenticate"] == 'Voter realm="voting_service"'
    assert json.loads(body)["error"]["code"] == "voter_session_required"


def test_normal_requests_pass(server):
    status, headers, body = raw(server, get("/healthz"))
    assert status == 200
    status, _headers, body = raw(server, get("/api/v1/openapi.json"))
    assert status == 200 and json.loads(body)["openapi"].startswith("3.")
