"""The backup and restore drill of docs/operations.md, run for real: a rehearsed election on
a PostgreSQL database, `pg_dump --format=custom`, `pg_restore` into a scratch database, then
`voting-service record export` from the restored database and `voting-service verify` on
that file; the audit log verifies with the head noted before the dump. Both databases are
created here and dropped at the end; pg_dump and pg_restore are this machine's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import fresh_database_url


def libpq(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore read it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def service(args, url, tmp_path, timeout=600):
    env = {**os.environ, "VOTING_DATABASE_URL": url, "VOTING_MODE": "development",
           "VOTING_INSTANCE_DIR": str(tmp_path / "instance"),
           "VOTING_KEY_DIR": str(tmp_path / "keys")}
    return subprocess.run([sys.executable, "-m", "voting_service.cli", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("VOTING_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{name} is not installed (.ci/run installs postgresql-client)")
        pytest.skip(f"{name} is not installed")
    return found


@pytest.mark.slow
@pytest.mark.postgres
def test_dump_restore_export_and_verify(tmp_path):
    pg_dump, pg_restore = pg_tool("pg_dump"), pg_tool("pg_restore")
    source, drop_source = fresh_database_url("postgresql", tmp_path)
    scratch, drop_scratch = fresh_database_url("postgresql", tmp_path)
    try:
        original = tmp_path / "original.zip"
        done = service(["rehearse", "--voters", "12", "--in-person", "2", "--revotes", "1",
                        "--challenges", "1", "--record", str(original), "--json"], source,
                       tmp_path)
        assert done.returncode == 0, done.stderr
        slug = json.loads(done.stdout)["election"]
        audit = service(["audit-log", "verify"], source, tmp_path)
        assert audit.returncode == 0, audit.stderr
        audit_head = audit.stdout.split("head ")[1].strip()

        dump = tmp_path / "voting.dump"
        dumped = subprocess.run([pg_dump, "--format=custom", f"--file={dump}", libpq(source)],
                                capture_output=True, text=True, timeout=300)
        assert dumped.returncode == 0, dumped.stderr
        restored = subprocess.run([pg_restore, "--no-owner", "--no-privileges",
                                   "--exit-on-error", f"--dbname={libpq(scratch)}", str(dump)],
                                  capture_output=True, text=True, timeout=300)
        assert restored.returncode == 0, restored.stderr

        # The restored database: schema current, audit log intact up to the noted head,
        # and the record exported from it verifies and is the one the election had.
        assert "up to date" in service(["init-db"], scratch, tmp_path).stdout
        again = service(["audit-log", "verify", "--expect-head", audit_head], scratch, tmp_path)
        assert again.returncode == 0, again.stdout + again.stderr
        exported = tmp_path / "restored.zip"
        export = service(["record", "export", slug, str(exported)], scratch, tmp_path)
        assert export.returncode == 0, export.stderr
        checks = [service(["verify", str(path), "--json"], scratch, tmp_path)
                  for path in (exported, original)]
        assert all(c.returncode == 0 for c in checks), checks[0].stdout[-2000:]
        after, before = (json.loads(c.stdout) for c in checks)
        assert after["ok"] and after["head"] == before["head"]
        assert after["ballots_cast"] == before["ballots_cast"] == 12 * 2 + 1 * 2
        assert after["counted"] == before["counted"]
    finally:
        drop_scratch()
        drop_source()
