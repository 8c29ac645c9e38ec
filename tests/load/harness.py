"""An election open for voting behind a real `voting-service serve` (gunicorn, several
workers), set up as `voting-service rehearse` sets it up: the admin, the trustees and the
credential authority's round trip through voting_service/rehearsal/, the voters' devices
holding their letters' codes. Used by the load and fault tests of this folder.

The server's settings travel in its environment only (this process's environment is left
alone: other tests run beside these ones under xdist)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from voting_service.record.archive import read_record
from voting_service.rehearsal import load
from voting_service.rehearsal.client import Api
from voting_service.rehearsal.election import (Setup, Voter, create_tokens, revoke_tokens,
                                               synthetic_roll)
from voting_service.rehearsal.server import LocalServer
from voting_service.store.db import make_engine, make_session_factory
from voting_service.store.migrate import upgrade

SECRET = "load-test-secret-key-0123456789abcdefghijklmnop"


def server_env(url: str, work_dir: Path) -> dict[str, str]:
    return {"VOTING_DATABASE_URL": url, "VOTING_MODE": "development",
            "VOTING_SECRET_KEY": SECRET, "VOTING_INSTANCE_DIR": str(work_dir / "instance"),
            "VOTING_KEY_DIR": str(work_dir / "keys"), "VOTING_LOG_FORMAT": "text"}


@dataclass
class OpenElection:
    server: LocalServer
    api: Api
    setup: Setup
    devices: dict[str, Voter]
    sessions: dict[str, str]
    env: dict[str, str]

    @property
    def slug(self) -> str:
        return self.setup.slug


@contextmanager
def open_election(url: str, work_dir: Path, voters: int, workers: int,
                  rng: random.Random, timeout: float = 30.0) -> Iterator[OpenElection]:
    """Migrate the (empty) database at `url`, start the server, set up and open an election
    for `voters` voters, derive their credentials and log every one in."""
    env = server_env(url, work_dir)
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    tokens = create_tokens(factory, "load test")
    try:
        with LocalServer(workers=workers, env=env) as server:
            api = Api(server.host, server.port, timeout=timeout)
            setup = Setup(api, factory, tokens, f"load-{uuid.uuid4().hex[:8]}")
            csv_text, roll = synthetic_roll(voters, rng)
            setup.create()
            setup.import_roll(csv_text)
            setup.freeze_and_key()
            devices = setup.credentials(roll)
            setup.transition("open")
            for voter in devices.values():
                voter.derive(setup.election.fingerprint)
            sessions = load.login_all(api, setup.slug, devices, 4)
            yield OpenElection(server, api, setup, devices, sessions, env)
    finally:
        try:
            revoke_tokens(factory, tokens)
        finally:
            engine.dispose()


def cli(args: list[str], env: dict[str, str], timeout: float = 300
        ) -> subprocess.CompletedProcess:
    """`voting-service ARGS` as an operator runs it, with the server's settings."""
    import os

    return subprocess.run([sys.executable, "-m", "voting_service.cli", *args],
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=timeout)


def export_and_verify(election: OpenElection, path: Path):
    """`voting-service record export`, then `voting-service verify --json` on the file:
    (the parsed record, the verifier's report)."""
    done = cli(["record", "export", election.slug, str(path)], election.env)
    assert done.returncode == 0, done.stdout + done.stderr
    verified = cli(["verify", "--json", str(path)], election.env)
    report = json.loads(verified.stdout)
    assert verified.returncode == 0 and report["ok"], report.get("failure")
    return read_record(path), report
