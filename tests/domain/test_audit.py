"""The audit chain names the first edited, removed or reordered entry."""

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from voting_service.cli import main
from voting_service.domain import audit
from voting_service.store.db import transaction


def _fill(factory, n=5):
    with transaction(factory) as db:
        for i in range(n):
            audit.append(db, "staff:alice", "election.test", f"election:e{i}", {"i": i})


def _verify(factory):
    with transaction(factory) as db:
        return audit.verify(db)


def test_intact_log_verifies(factory):
    _fill(factory)
    report = _verify(factory)
    assert report.ok and report.entries == 5


def test_payload_is_kept_only_as_digest(engine, factory):
    from voting_service.record.canonical import digest

    with transaction(factory) as db:
        audit.append(db, "a", "voter.exclude", "voter:1", {"reason": "Jean Dupont"})
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM audit_log")).one()
    assert "Jean" not in str(tuple(row))
    assert row.payload_digest == digest({"reason": "Jean Dupont"})


def _tamper(engine, statement):
    with engine.begin() as connection:
        connection.execute(text(statement))


@pytest.mark.parametrize("statement, bad_seq", [
    ("UPDATE audit_log SET actor = 'staff:mallory' WHERE seq = 3", 3),
    ("UPDATE audit_log SET payload_digest = '" + "0" * 64 + "' WHERE seq = 2", 2),
    ("UPDATE audit_log SET target = 'election:other' WHERE seq = 5", 5),
    ("DELETE FROM audit_log WHERE seq = 3", 3),
    ("DELETE FROM audit_log WHERE seq = 5", 5),
    ("DELETE FROM audit_log WHERE seq = 1", 1),
])
def test_tampering_is_detected(engine, factory, statement, bad_seq):
    _fill(factory)
    _tamper(engine, statement)
    report = _verify(factory)
    assert not report.ok
    assert report.first_bad_seq == bad_seq


def test_reordering_is_detected(engine, factory):
    _fill(factory)
    # Swap the content of entries 2 and 3 (hashes travel with their rows).
    _tamper(engine, "UPDATE audit_log SET seq = 100 WHERE seq = 2")
    _tamper(engine, "UPDATE audit_log SET seq = 2 WHERE seq = 3")
    _tamper(engine, "UPDATE audit_log SET seq = 3 WHERE seq = 100")
    report = _verify(factory)
    assert not report.ok and report.first_bad_seq == 2


def test_rewriting_the_tail_consistently_still_breaks_the_head(engine, factory):
    _fill(factory)
    _tamper(engine, "DELETE FROM audit_log WHERE seq = 5")
    report = _verify(factory)
    assert not report.ok and "head" in report.reason


def test_expected_head_is_compared(factory):
    _fill(factory)
    report = _verify(factory)
    with transaction(factory) as db:
        assert audit.verify(db, report.head).ok
        assert not audit.verify(db, "f" * 64).ok


def test_cli_verify_exit_codes(engine, factory, db_url, monkeypatch):
    _fill(factory)
    monkeypatch.setenv("VOTING_DATABASE_URL", db_url)
    runner = CliRunner()
    ok = runner.invoke(main, ["audit-log", "verify"])
    assert ok.exit_code == 0 and "5 entries" in ok.output
    _tamper(engine, "UPDATE audit_log SET action = 'nothing.happened' WHERE seq = 4")
    broken = runner.invoke(main, ["audit-log", "verify"])
    assert broken.exit_code == 1
    assert "entry 4" in broken.output


def test_concurrent_first_appends_all_land_in_one_chain(factory):
    import threading

    barrier = threading.Barrier(8)
    errors = []

    def append(i):
        barrier.wait()
        try:
            with transaction(factory) as db:
                audit.append(db, f"staff:{i}", "test.concurrent", f"t:{i}")
        except Exception as error:  # noqa: BLE001 - asserted below
            errors.append(error)

    threads = [threading.Thread(target=append, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = _verify(factory)
    assert report.ok and report.entries == 8
