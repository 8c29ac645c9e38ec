"""Mutating a real record: every change an attacker can make is caught by a named check at
the event it concerns.

The record is built once for the module through the domain on SQLite and exported with
`record export` (tests/record/record_helpers.py), then completed with a credential reissue
so that it holds every event type. Two families of changes:

* line mutations of the file itself (one body byte changed, an event removed, duplicated
  or swapped with its neighbour), for every event of every type: the chain breaks;
* semantic mutations where the attacker recomputes every hash after the change
  (``rechain``): the chain is sound again, so the policy checks must catch them, with the
  signed heads dropped (they would betray the rewrite anyway, which is tested too).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.record.record_helpers import (build_record, edit_one_byte, rechain, record_lines,
                                         service_key, sign_heads, verify, write_lines)
from voting_service.crypto import ballot as ballots
from voting_service.record.archive import Record, read_record
from voting_service.record.events import EVENT_TYPES
from voting_service.record.heads import SignedHead, sign_head
from voting_service.record.verify import CHECKS


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_record(tmp_path_factory.mktemp("record"))


def test_the_record_holds_every_event_type_and_verifies(built):
    assert {e.type for e in built.events} == set(EVENT_TYPES)
    report = verify(built.full)
    assert report.ok, report.failure
    assert set(report.checks.values()) == {"passed"}, report.checks
    assert report.ballots_cast == 8 and report.spoiled == 1 and report.checkins == 1
    # What the service itself exported (before the spliced reissue) verifies as well.
    exported = verify(read_record(built.path))
    assert exported.ok, exported.failure
    plain = read_record(built.path)
    assert "credential_reissued" not in {e.type for e in plain.events}
    # The service signed a head over its closing.
    assert max(h.height for h in plain.heads) == len(plain.events)
    # V001's re-vote counts, V002's kiosk ballots, V004's replacement credential's ballot.
    assert len(report.counted["ville"]) == 3 and len(report.counted["gare"]) == 1


# --- line mutations of the file ------------------------------------------------------------

def _mutate(lines: list[bytes], kind: str, index: int) -> tuple[list[bytes], int, str]:
    """Apply ``kind`` at 0-based ``index``; return the lines, the seq the verifier must name
    and its check (removing the last event, the closing, is seen by the head the service
    signed over it)."""
    lines = list(lines)
    n = len(lines)
    seq = index + 1
    if kind == "edit":
        lines[index] = edit_one_byte(lines[index])
        return lines, seq, "chain"
    if kind == "remove":
        del lines[index]
        return (lines, seq, "head_signatures") if seq == n else (lines, seq + 1, "chain")
    if kind == "duplicate":
        lines.insert(index + 1, lines[index])
        return lines, seq, "chain"
    if kind == "reorder":
        a = index if index < n - 1 else index - 1
        lines[a], lines[a + 1] = lines[a + 1], lines[a]
        return lines, a + 2, "chain"
    raise AssertionError(kind)


KINDS = ("edit", "remove", "duplicate", "reorder")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_line_mutation_of_every_event_is_named(built, tmp_path, kind, event_type):
    original = record_lines(built.full_path)
    events = original["events.jsonl"]
    types = [e.type for e in built.events]
    indexes = [i for i, t in enumerate(types) if t == event_type]
    assert indexes
    for index in indexes:
        lines, seq, check = _mutate(events, kind, index)
        path = write_lines(tmp_path / f"{kind}-{index}.zip", lines, original["heads.jsonl"],
                           original["witnesses.jsonl"])
        report = verify(read_record(path))
        assert not report.ok, (kind, index)
        where = f"{kind} of event {index + 1} ({event_type})"
        assert (report.failure["check"], report.failure["event"]) == (check, seq), \
            (where, report.failure)
        # The event the verifier names; a removed last event is no longer in the record.
        gone = kind == "remove" and index == len(events) - 1
        assert report.failure["type"] == (None if gone else types[seq - 1]), where
        assert report.checks[check] == "failed", where
    # The same record with every head dropped is still refused for the edits: the chain
    # alone betrays them.
    if kind == "edit":
        lines, seq, check = _mutate(events, kind, indexes[0])
        report = verify(read_record(write_lines(tmp_path / "bare.zip", lines)))
        assert (report.failure["check"], report.failure["event"]) == (check, seq)


def test_cut_closing_is_seen_by_the_witness_alone(built):
    cut = built.events[:-1]
    assert verify(Record(cut)).ok  # a record of a still-open election, as far as it shows
    report = verify(Record(cut, [], built.full.witnesses))
    assert (report.failure["check"], report.failure["event"]) == ("witnesses",
                                                                  len(built.events))


def _cli_verify(path, *extra):
    from voting_service.cli import main

    result = CliRunner().invoke(main, ["verify", str(path), "--workers", "1", *extra])
    return result


@pytest.mark.parametrize("kind,event_type", [
    ("edit", "ballot"), ("edit", "manifest"), ("remove", "checkin"),
    ("duplicate", "spoiled"), ("reorder", "kiosk_enrolled"), ("remove", "closing"),
    ("edit", "credential_reissued"),
])
def test_cli_names_the_mutated_event(built, tmp_path, kind, event_type):
    original = record_lines(built.full_path)
    index = [e.type for e in built.events].index(event_type)
    lines, seq, check = _mutate(original["events.jsonl"], kind, index)
    path = write_lines(tmp_path / "mutated.zip", lines, original["heads.jsonl"],
                       original["witnesses.jsonl"])
    result = _cli_verify(path, "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["ok"] is False
    assert set(report["checks"]) == set(CHECKS)
    assert report["failure"]["check"] == check and report["failure"]["event"] == seq
    assert report["checks"][check] == "failed"
    text = _cli_verify(path)
    assert text.exit_code == 1
    named = None if kind == "remove" and index == len(built.events) - 1 else \
        built.events[seq - 1].type
    assert f"FAILED {check} at event {seq} ({named})" in text.output


def test_cli_accepts_the_unmutated_record(built):
    result = _cli_verify(built.full_path, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] and report["failure"] is None
    assert report["checks"] == {name: "passed" for name in CHECKS}


def test_non_canonical_or_truncated_line_is_a_format_failure(built, tmp_path):
    original = record_lines(built.full_path)
    spaced = json.dumps(json.loads(original["events.jsonl"][3])).encode()  # ", " and ": "
    lines = list(original["events.jsonl"])
    lines[3] = spaced
    result = _cli_verify(write_lines(tmp_path / "spaced.zip", lines), "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["failure"]["check"] == "record_format"
    truncated = tmp_path / "truncated.zip"
    with zipfile.ZipFile(truncated, "w") as archive:
        archive.writestr("events.jsonl", b"\n".join(original["events.jsonl"]))  # no last \n
        archive.writestr("heads.jsonl", b"")
        archive.writestr("witnesses.jsonl", b"")
    result = _cli_verify(truncated, "--json")
    assert result.exit_code == 1
    failure = json.loads(result.output)["failure"]
    assert failure["check"] == "record_format" and "truncated" in failure["message"]


# --- semantic mutations, every hash recomputed ----------------------------------------------

def _ballot_event(built, ballot, kiosk=None) -> tuple:
    return ("ballot", built.events[-1].at, {"ballot": ballot.to_json(),
                                            "tracker": built.vote.tracker(ballot).hex(),
                                            "kiosk": kiosk})


def _insert(built, position: int, item) -> list:
    """The events with ``item`` at 1-based ``position`` (the seq the verifier must name)."""
    items = list(built.events)
    items.insert(position - 1, item)
    return items


def _seq(built, type_, **where) -> int:
    return built.first(type_, **where).seq


def _voter(built, number):
    return built.vote.voters[number]


def _tracker_of(event) -> bytes:
    return bytes.fromhex(event.body["tracker"])


def replay_old_ballot(built):
    first = built.first("ballot", credential=_voter(built, "V001").public, seq=1)
    closing = len(built.events)
    return _insert(built, closing, ("ballot", first.at, first.body)), closing, \
        "ballots", "the same ballot (or ciphertexts) twice"


def fork_same_seq(built):
    device = _voter(built, "V001")
    first = built.first("ballot", credential=device.public, seq=1)
    other = built.vote.online_ballot(device, "ville", ["P2"])
    return _insert(built, first.seq + 1, _ballot_event(built, other)), first.seq + 1, \
        "ballots", "out of chain order"


def fork_second_successor(built):
    device = _voter(built, "V001")
    first = built.first("ballot", credential=device.public, seq=1)
    second = built.first("ballot", credential=device.public, seq=2)
    other = built.vote.online_ballot(device, "ville", ["P1", "P2"], seq=2,
                                     prev=_tracker_of(first))
    return _insert(built, second.seq + 1, _ballot_event(built, other)), second.seq + 1, \
        "ballots", "out of chain order"


def online_after_checkin(built):
    device = _voter(built, "V002")
    first = built.first("ballot", credential=device.public, seq=1, question="ville",
                        channel="online")
    late = built.vote.online_ballot(device, "ville", ["P1"], seq=2, prev=_tracker_of(first))
    position = _seq(built, "checkin") + 1
    return _insert(built, position, _ballot_event(built, late)), position, "ballots", \
        "after the voter checked in"


def kiosk_ballot_other_checkin(built):
    checkin = built.first("checkin")
    unsigned, _ = built.vote.encrypt(_voter(built, "V001"), "ville", ["P1"],
                                     checkin=checkin.hash)
    forged = ballots.sign_kiosk(built.vote.fingerprint, unsigned, built.kiosk_key)
    position = len(built.events)
    return _insert(built, position, _ballot_event(built, forged, built.kiosk)), position, \
        "kiosk_binding", "names no check-in of this credential"


def second_kiosk_ballot(built):
    checkin = built.first("checkin")
    unsigned, _ = built.vote.encrypt(_voter(built, "V002"), "ville", ["P1"],
                                     checkin=checkin.hash)
    forged = ballots.sign_kiosk(built.vote.fingerprint, unsigned, built.kiosk_key)
    position = len(built.events)
    return _insert(built, position, _ballot_event(built, forged, built.kiosk)), position, \
        "kiosk_binding", "a second kiosk ballot"


def kiosk_ballot_from_revoked_kiosk(built):
    checkin = built.first("checkin")
    unsigned, _ = built.vote.encrypt(_voter(built, "V002"), "ville", ["P1"],
                                     checkin=checkin.hash)
    forged = ballots.sign_kiosk(built.vote.fingerprint, unsigned, built.revoked_kiosk_key)
    position = _seq(built, "checkin") + 1
    return _insert(built, position, _ballot_event(built, forged, built.revoked_kiosk)), \
        position, "kiosk_binding", "no enrolled, active kiosk"


def spoiled_cast_later(built):
    spoiled = built.first("spoiled")
    unsigned = ballots.Ballot.from_json(spoiled.body["ballot"])
    signed = ballots.sign_online(built.vote.fingerprint, unsigned,
                                 _voter(built, "V004").credential.secret)
    return _insert(built, spoiled.seq + 1, _ballot_event(built, signed)), spoiled.seq + 1, \
        "spoiled", "spoiled"


def question_not_allowed(built):
    device = _voter(built, "V001")  # district "centre": the city-wide question only
    assert "gare" not in built.vote.credential_questions[device.public]
    forged = built.vote.online_ballot(device, "gare", ["G1"])
    position = len(built.events)
    return _insert(built, position, _ballot_event(built, forged)), position, "ballots", \
        "may not answer"


def ballot_after_closing(built):
    device = _voter(built, "V001")
    second = built.first("ballot", credential=device.public, seq=2)
    late = built.vote.online_ballot(device, "ville", ["P1"], seq=3, prev=_tracker_of(second))
    position = len(built.events) + 1
    return _insert(built, position, _ballot_event(built, late)), position, "lifecycle", \
        "closed"


def ballot_before_opening(built):
    first = built.first("ballot", credential=_voter(built, "V001").public, seq=1)
    position = _seq(built, "opening")
    return _insert(built, position, ("ballot", first.at, first.body)), position, \
        "lifecycle", "setup"


def ballot_of_revoked_credential(built):
    device = _voter(built, "V004")
    first = built.first("ballot", credential=device.public, seq=1)
    late = built.vote.online_ballot(device, "ville", ["P1"], seq=2, prev=_tracker_of(first))
    position = len(built.events)
    return _insert(built, position, _ballot_event(built, late)), position, "ballots", \
        "revoked"


def closing_cast_altered(built):
    items = list(built.events)
    closing = items[-1]
    body = dict(closing.body, ballots_cast=closing.body["ballots_cast"] + 1)
    items[-1] = ("closing", closing.at, body)
    return items, len(items), "counting", "ballots cast"


def closing_counted_altered(built):
    items = list(built.events)
    closing = items[-1]
    counted = dict(closing.body["ballots_counted"])
    counted["ville"] -= 1
    items[-1] = ("closing", closing.at, dict(closing.body, ballots_counted=counted))
    return items, len(items), "counting", "counted ballots"


def _tamper_proof(built, event, event_type):
    ballot = json.loads(json.dumps(event.body["ballot"]))
    first = ballot["proof"]["s"][0]
    ballot["proof"]["s"][0] = ("0" if first[0] != "0" else "1") + first[1:]
    tracker = ballots.tracker(built.vote.fingerprint, ballots.Ballot.from_json(ballot)).hex()
    items = list(built.events)
    items[event.seq - 1] = (event_type, event.at, dict(event.body, ballot=ballot,
                                                       tracker=tracker))
    return items


def tampered_ballot_proof(built):
    event = built.first("ballot", credential=_voter(built, "V001").public, seq=2)
    return _tamper_proof(built, event, "ballot"), event.seq, "ballots", "proof or signature"


def tampered_spoiled_proof(built):
    event = built.first("spoiled")
    return _tamper_proof(built, event, "spoiled"), event.seq, "spoiled", "proof or signature"


def second_checkin(built):
    checkin = built.first("checkin")
    position = len(built.events)
    return _insert(built, position, ("checkin", checkin.at, checkin.body)), position, \
        "checkins", "already checked in"


def reissue_after_checkin(built):
    reissue = built.first("credential_reissued")
    body = dict(reissue.body, revoked=_voter(built, "V002").public)
    position = len(built.events)
    return _insert(built, position, ("credential_reissued", reissue.at, body)), position, \
        "credential_reissues", "checked in keeps"


SEMANTIC = [replay_old_ballot, fork_same_seq, fork_second_successor, online_after_checkin,
            kiosk_ballot_other_checkin, second_kiosk_ballot, kiosk_ballot_from_revoked_kiosk,
            spoiled_cast_later, question_not_allowed, ballot_after_closing,
            ballot_before_opening, ballot_of_revoked_credential, closing_cast_altered,
            closing_counted_altered, tampered_ballot_proof, tampered_spoiled_proof,
            second_checkin, reissue_after_checkin]


@pytest.mark.parametrize("mutation", SEMANTIC, ids=lambda f: f.__name__)
def test_semantic_mutation_with_recomputed_hashes(built, mutation):
    items, seq, check, words = mutation(built)
    events = rechain(items)
    # Heads dropped: the chain is sound, the policy check must catch the change.
    report = verify(Record(events))
    assert not report.ok
    assert (report.failure["check"], report.failure["event"]) == (check, seq), report.failure
    assert words in report.failure["message"], report.failure
    assert report.failure["type"] == events[seq - 1].type
    assert report.checks[check] == "failed"
    # With the service's heads and the witness kept, it is still refused.
    assert not verify(Record(events, built.full.heads, built.full.witnesses)).ok


def test_rewrite_that_breaks_no_rule_is_caught_only_by_the_heads(built):
    """Changing the time of the spoiled event and re-chaining breaks no rule: without heads
    the record verifies; the service's signed heads betray the rewrite. (A change before
    the check-in would also change the check-in's hash, which the kiosk ballot names.)"""
    spoiled = built.first("spoiled")
    items = list(built.events)
    items[spoiled.seq - 1] = ("spoiled", "2027-01-01T00:00:00.000000Z", spoiled.body)
    events = rechain(items)
    assert verify(Record(events)).ok
    report = verify(Record(events, built.full.heads, []))
    first_head = min(h.height for h in built.full.heads if h.height >= spoiled.seq)
    assert (report.failure["check"], report.failure["event"]) == \
        ("head_signatures", first_head)
    assert "does not have" in report.failure["message"]
    # Re-signing the heads needs the service key: with it the rewrite would pass, so the
    # auditor's witness is what remains.
    resigned = sign_heads(events, service_key(built.key_dir),
                          [h.height for h in built.full.heads])
    report = verify(Record(events, resigned, built.full.witnesses))
    assert (report.failure["check"], report.failure["event"]) == \
        ("witnesses", len(events))


def _heads_case(built, heads=None, witnesses=None):
    return verify(Record(built.events, built.full.heads if heads is None else heads,
                         built.full.witnesses if witnesses is None else witnesses))


def test_head_signed_over_a_hash_not_in_the_chain(built):
    fp = bytes.fromhex(built.events[0].body["fingerprint"])
    forged = sign_head(service_key(built.key_dir), fp, 5, bytes(range(32)), "", "service")
    report = _heads_case(built, heads=list(built.full.heads) + [forged])
    assert (report.failure["check"], report.failure["event"]) == ("head_signatures", 5)
    assert report.failure["type"] == built.events[4].type
    assert "does not have" in report.failure["message"]


def test_head_signed_by_another_key_or_with_a_bad_signature(built):
    fp = bytes.fromhex(built.events[0].body["fingerprint"])
    height = built.full.heads[0].height
    other = sign_head(Ed25519PrivateKey.generate(), fp, height, built.events[height - 1].hash)
    report = _heads_case(built, heads=[other])
    assert (report.failure["check"], report.failure["event"]) == ("head_signatures", height)
    assert "other than the service key" in report.failure["message"]
    good = built.full.heads[0]
    broken = replace(good, signature=bytes([good.signature[0] ^ 1]) + good.signature[1:])
    report = _heads_case(built, heads=[broken])
    assert (report.failure["check"], report.failure["event"]) == ("head_signatures", height)
    assert "does not verify" in report.failure["message"]


def test_witness_signature_by_a_wrong_key(built):
    witness = built.full.witnesses[0]
    impostor = sign_head(Ed25519PrivateKey.generate(), bytes.fromhex(
        built.events[0].body["fingerprint"]), witness.height, witness.hash, signer="auditor")
    # The auditor's public key with someone else's signature.
    forged = SignedHead(witness.height, witness.hash, impostor.signature, witness.key,
                        witness.signed_at, "auditor")
    report = _heads_case(built, witnesses=[forged])
    assert (report.failure["check"], report.failure["event"]) == ("witnesses",
                                                                  witness.height)
    assert "does not verify" in report.failure["message"]
    # And a witness over a hash the record does not hold.
    off = sign_head(built.auditor, bytes.fromhex(built.events[0].body["fingerprint"]),
                    witness.height, bytes(32), signer="auditor")
    report = _heads_case(built, witnesses=[off])
    assert report.failure["check"] == "witnesses" and "does not have" in \
        report.failure["message"]


def test_cli_reports_a_semantic_mutation(built, tmp_path):
    from voting_service.record.archive import write_record

    items, seq, check, _ = second_kiosk_ballot(built)
    path = tmp_path / "forged.zip"
    write_record(path, rechain(items), [], [])
    result = _cli_verify(path, "--json")
    assert result.exit_code == 1
    failure = json.loads(result.output)["failure"]
    assert (failure["check"], failure["event"], failure["type"]) == (check, seq, "ballot")
