"""`voting-service record export`, `verify`, `record witness` and `record add-witness`, on
SQLite and PostgreSQL: exit codes, the --json report, co-signatures published in the record.
"""

from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner

from tests.record.record_helpers import (cast_online, edit_one_byte, open_with_questions,
                                         record_lines, write_lines)
from voting_service.cli import main
from voting_service.record.verify import CHECKS


@pytest.fixture
def setup(db_url, factory, tmp_path):
    key_dir = tmp_path / "keys"
    vote = open_with_questions(factory, key_dir)
    env = {"VOTING_DATABASE_URL": db_url, "VOTING_KEY_DIR": str(key_dir)}

    def run(*args):
        return CliRunner().invoke(main, [str(a) for a in args], env=env)

    return vote, key_dir, run


def _voted_and_closed(factory, vote, key_dir, run):
    receipt = cast_online(factory, vote, "V001", {"ville": ["P1"]}, key_dir)
    result = run("elections", "transition", vote.slug, "closed", "--force", "--reason",
                 "test: the vote ends early")
    assert result.exit_code == 0, result.output
    return receipt


def test_export_and_verify_exit_codes_and_json(factory, setup, tmp_path):
    vote, key_dir, run = setup
    receipt = _voted_and_closed(factory, vote, key_dir, run)
    path = tmp_path / "record.zip"
    result = run("record", "export", vote.slug, path)
    assert result.exit_code == 0, result.output
    assert "events" in result.output and path.exists()
    result = run("verify", path, "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "OK:" in result.output and "1 ballots cast" in result.output
    for name in CHECKS:
        assert name in result.output
    result = run("verify", path, "--json", "--workers", "1")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["ok"] is True and report["failure"] is None
    assert set(report["checks"]) == set(CHECKS)
    assert report["checks"]["counting"] == "passed" and report["checks"]["witnesses"] == \
        "not_applicable"
    assert report["ballots_cast"] == 1 and report["ballots_counted"] == {"ville": 1, "gare": 0}
    # One byte changed: exit 1, every check still listed, the failing one named.
    lines = record_lines(path)
    events = list(lines["events.jsonl"])
    ballot_index = next(i for i, line in enumerate(events) if b'"type":"ballot"' in line)
    events[ballot_index] = edit_one_byte(events[ballot_index])
    bad = write_lines(tmp_path / "bad.zip", events, lines["heads.jsonl"])
    result = run("verify", bad, "--json", "--workers", "1")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert set(report["checks"]) == set(CHECKS) and report["checks"]["chain"] == "failed"
    assert report["failure"]["event"] == ballot_index + 1
    assert report["failure"]["type"] == "ballot"
    assert receipt.positions["ville"] == ballot_index + 1
    # Not a record file at all.
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    result = run("verify", junk, "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["failure"]["check"] == "record_format"
    # An unknown election cannot be exported (not found: exit 4).
    assert run("record", "export", "no-such-election", tmp_path / "x.zip").exit_code == 4


def test_removing_the_closing_is_detected(factory, setup, tmp_path):
    """A closed election's record cut back to before its closing must not verify: the
    service signs a head over the closing, so the cut is seen without any witness."""
    vote, key_dir, run = setup
    _voted_and_closed(factory, vote, key_dir, run)
    path = tmp_path / "record.zip"
    assert run("record", "export", vote.slug, path).exit_code == 0
    lines = record_lines(path)
    assert b'"type":"closing"' in lines["events.jsonl"][-1]
    cut = write_lines(tmp_path / "cut.zip", lines["events.jsonl"][:-1], lines["heads.jsonl"],
                      lines["witnesses.jsonl"])
    result = run("verify", cut, "--json", "--workers", "1")
    assert result.exit_code == 1, result.output
    failure = json.loads(result.output)["failure"]
    assert failure["check"] == "head_signatures"
    assert failure["event"] == len(lines["events.jsonl"])


def test_witness_cosigns_and_add_witness_publishes(factory, setup, tmp_path):
    vote, key_dir, run = setup
    _voted_and_closed(factory, vote, key_dir, run)
    path = tmp_path / "record.zip"
    assert run("record", "export", vote.slug, path).exit_code == 0
    key, signature = tmp_path / "auditor.key", tmp_path / "witness.json"
    result = run("record", "witness", path, "--key", key, "--name", "Observatoire citoyen",
                 "--out", signature)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    head = json.loads(signature.read_text())
    height = len(record_lines(path)["events.jsonl"])
    assert head["signer"] == "Observatoire citoyen" and head["height"] == height
    result = run("record", "add-witness", vote.slug, signature)
    assert result.exit_code == 0, result.output
    assert f"height {height}" in result.output
    again = tmp_path / "again.zip"
    assert run("record", "export", vote.slug, again).exit_code == 0
    assert len(record_lines(again)["witnesses.jsonl"]) == 1
    result = run("verify", again, "--json", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["checks"]["witnesses"] == "passed"
    # The same key co-signing a tampered record refuses, and writes nothing.
    lines = record_lines(path)
    events = list(lines["events.jsonl"])
    events[2] = edit_one_byte(events[2])
    tampered = write_lines(tmp_path / "tampered.zip", events, lines["heads.jsonl"])
    refused = tmp_path / "refused.json"
    result = run("record", "witness", tampered, "--key", key, "--name", "Observatoire",
                 "--out", refused)
    assert result.exit_code == 1
    assert "not co-signed" in result.output and not refused.exists()
    # A co-signature over a head the record does not hold is not published (exit 3).
    forged = dict(head, hash="00" * 32)
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    result = run("record", "add-witness", vote.slug, tmp_path / "forged.json")
    assert result.exit_code == 3 and "unknown_head" in result.output
    # Nor one whose signature is not the named key's (exit 3), nor one named "service".
    other = dict(head, signature=head["signature"][:-2] +
                 ("00" if head["signature"][-2:] != "00" else "01"))
    (tmp_path / "other.json").write_text(json.dumps(other))
    result = run("record", "add-witness", vote.slug, tmp_path / "other.json")
    assert result.exit_code == 3 and "invalid_witness" in result.output
    (tmp_path / "service.json").write_text(json.dumps(dict(head, signer="service")))
    assert run("record", "add-witness", vote.slug, tmp_path / "service.json").exit_code == 3
    final = tmp_path / "final.zip"
    assert run("record", "export", vote.slug, final).exit_code == 0
    assert len(record_lines(final)["witnesses.jsonl"]) == 1


def test_witness_key_readable_by_others_is_refused(factory, setup, tmp_path):
    vote, key_dir, run = setup
    path = tmp_path / "record.zip"
    assert run("record", "export", vote.slug, path).exit_code == 0
    key = tmp_path / "loose.key"
    key.write_bytes(bytes(32))
    key.chmod(0o644)
    result = run("record", "witness", path, "--key", key, "--name", "Observatoire")
    assert result.exit_code == 2 and "chmod 600" in result.output
