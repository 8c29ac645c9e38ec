"""`voting-service rehearse` as an operator runs it: a subprocess that starts its own gunicorn
server, on an empty SQLite file and on a new PostgreSQL database; its JSON, its exit codes,
and the record it leaves, checked again by `voting-service verify`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import fresh_database_url
from tests.factories import manifest_body
from voting_service.domain import elections
from voting_service.store.db import make_engine, make_session_factory, transaction
from voting_service.store.migrate import upgrade

KEYS = {"election", "voters", "ballots_cast", "ballots_counted", "timings", "record", "verify"}


def run(args, url, tmp_path, timeout=600):
    env = {**os.environ, "VOTING_DATABASE_URL": url, "VOTING_MODE": "development",
           "VOTING_INSTANCE_DIR": str(tmp_path / "instance"),
           "VOTING_KEY_DIR": str(tmp_path / "keys")}
    return subprocess.run([sys.executable, "-m", "voting_service.cli", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_small_rehearsal_goes_through_and_its_record_verifies(backend, tmp_path):
    url, drop = fresh_database_url(backend, tmp_path)   # empty: rehearse builds the schema
    try:
        record = tmp_path / "record.zip"
        done = run(["rehearse", "--voters", "20", "--in-person", "3", "--revotes", "2",
                    "--challenges", "1", "--record", str(record), "--json"], url, tmp_path)
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert set(result) == KEYS
        # Every voter answers the city question and their district's: 2 ballots each, the
        # 2 re-voters twice; the challenged ballot is published, never cast.
        assert result["voters"] == 20
        assert result["ballots_cast"] == 20 * 2 + 2 * 2
        assert result["ballots_counted"] == 20 * 2
        assert result["record"] == str(record)
        verify = result["verify"]
        assert verify["ok"] and verify["spoiled"] == 1 and verify["checkins"] == 3
        assert set(result["timings"]) >= {"import", "credentials", "open", "online_casts",
                                          "checkins_kiosk", "close", "export", "verify"}
        assert "session_token" not in done.stdout + done.stderr
        again = run(["verify", str(record)], url, tmp_path)
        assert again.returncode == 0, again.stdout
        # A record claiming one more counted ballot at closing: `verify` exits 1.
        broken = tmp_path / "broken.zip"
        with zipfile.ZipFile(record) as source, zipfile.ZipFile(broken, "w") as target:
            for name in source.namelist():
                data = source.read(name)
                if name == "events.jsonl":
                    data = data.replace(b'"ballots_counted":{"nord"', b'"ballots_counted":'
                                        b'{"extra":1,"nord"', 1)
                target.writestr(name, data)
        refused = run(["verify", str(broken)], url, tmp_path)
        assert refused.returncode == 1 and "FAILED" in refused.stdout
    finally:
        drop()


def test_refuses_a_database_with_other_elections_unless_fresh(tmp_path):
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(make_session_factory(engine)) as db:
        elections.create_election(db, "t", manifest_body("bp-real-2027"))
    engine.dispose()
    done = run(["rehearse", "--voters", "5", "--in-person", "1", "--revotes", "0",
                "--challenges", "0", "--json"], url, tmp_path)
    assert done.returncode == 5, done.stderr
    assert "bp-real-2027" in done.stderr and "--fresh" in done.stderr
    assert done.stdout == ""


def test_bad_usage_exits_2(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    done = run(["rehearse", "--voters", "5", "--in-person", "2", "--revotes", "4"], url,
               tmp_path)
    assert done.returncode == 2
    assert "at most the 3 online voters" in done.stderr


def test_interrupted_rehearsal_stops_its_server(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    env = {**os.environ, "VOTING_DATABASE_URL": url, "VOTING_MODE": "development",
           "VOTING_INSTANCE_DIR": str(tmp_path / "instance"),
           "VOTING_KEY_DIR": str(tmp_path / "keys")}
    process = subprocess.Popen([sys.executable, "-m", "voting_service.cli", "rehearse",
                                "--voters", "200", "--in-person", "0", "--revotes", "0",
                                "--challenges", "0"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        line = process.stderr.readline()   # "Server on http://127.0.0.1:PORT/, election …"
        assert line.startswith("Server on http://127.0.0.1:"), line
        port = int(line.split(":")[2].split("/")[0])
        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 130
    finally:
        if process.poll() is None:
            process.kill()
    with pytest.raises(OSError):   # nobody listens there any more
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
