"""The record vectors (tests/vectors/record) equal what the code computes, the verifier
accepts the record and rejects every negative case with the named check at the named event."""

import hashlib
import importlib.util
import json
import pathlib
import struct

import pytest

from voting_service.crypto import ballot as ballots
from voting_service.crypto.dkg import ElectionKey
from voting_service.crypto.errors import DecodingError
from voting_service.record.archive import Record, read_record
from voting_service.record.events import parse_event
from voting_service.record.heads import SignedHead
from voting_service.record.verify import policy_counts, verify_record

VECTORS = pathlib.Path(__file__).resolve().parent.parent / "vectors" / "record"


def _generator():
    spec = importlib.util.spec_from_file_location("record_vector_generator",
                                                  VECTORS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated():
    generator = _generator()
    world = generator.build_world()
    return generator, world, generator.build_all(world)


def load(name):
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))


def test_stored_files_match_the_code(generated):
    generator, world, built = generated
    stored = {path.stem for path in VECTORS.glob("*.json")}
    assert stored == set(built), "regenerate with: python tests/vectors/record/generate.py"
    for name, vector in built.items():
        assert generator.render(vector) == (VECTORS / f"{name}.json").read_text(
            encoding="utf-8"), name
    # The zip container holds times; its members are what must not change.
    assert generator.read_members(VECTORS / "record.zip") == generator.zip_members(world)


def test_the_record_verifies_and_counts_the_expected_ballots(generated):
    _, world, _ = generated
    record = read_record(VECTORS / "record.zip")
    report = verify_record(record, workers=1)
    assert report.ok, report.failure
    assert set(report.checks.values()) == {"passed"}
    assert report.counted == world.counted() == load("record")["verify"]["counted"]
    trackers = world.trackers
    assert report.counted["ville"] == sorted(
        [trackers["A-ville-2"], trackers["B-ville-kiosk"], trackers["D2-ville-1"]],
        key=lambda t: {trackers["A-ville-2"]: world.public("A"),
                       trackers["B-ville-kiosk"]: world.public("B"),
                       trackers["D2-ville-1"]: world.public("D2")}[t])
    assert (report.ballots_cast, report.spoiled, report.checkins) == (8, 1, 1)
    # The closing's claim is what the service computes (domain/elections.py) before closing.
    cast, counted = policy_counts(record.events[:-1])
    assert record.events[-1].body == {"ballots_cast": cast, "ballots_counted": counted}


def test_record_json_is_the_record_file():
    stored = load("record")
    record = read_record(VECTORS / "record.zip")
    assert [e.to_json() for e in record.events] == stored["events"]
    assert [h.to_json() for h in record.heads] == stored["heads"]
    assert [w.to_json() for w in record.witnesses] == stored["witnesses"]
    for text, event in zip(stored["event_hash_inputs"], stored["events"]):
        transcript = (_item(0x01, "domain", b"voting_service/v1/record/event")
                      + _item(0x02, "event", text.encode("utf-8")))
        digest = hashlib.sha512(transcript + _item(0x10, "hash", bytes(8))).digest()
        assert digest[:32].hex() == event["hash"]


def _item(tag: int, label: str, value: bytes) -> bytes:
    return (bytes([tag]) + struct.pack(">I", len(label)) + label.encode()
            + struct.pack(">Q", len(value)) + value)


NEGATIVE = load("negative")["cases"]


@pytest.mark.parametrize("case", NEGATIVE, ids=[c["name"] for c in NEGATIVE])
def test_negative_records_fail_with_the_named_check(case):
    base = [parse_event(e) for e in load("record")["events"]]
    record = Record(base[:case["keep"]] + [parse_event(e) for e in case["events"]],
                    [SignedHead.from_json(h) for h in case["heads"]],
                    [SignedHead.from_json(w) for w in case["witnesses"]])
    report = verify_record(record, workers=1)
    assert not report.ok
    assert (report.failure["check"], report.failure["event"]) == (
        case["expected"]["check"], case["expected"]["event"]), report.failure["message"]
    assert report.checks[case["expected"]["check"]] == "failed"


def test_ballot_v2_vectors():
    v = load("ballot_v2")
    election = bytes.fromhex(v["election"])
    key = ElectionKey.from_json(v["election_key"])
    for case in v["cases"]:
        ballot = ballots.Ballot.from_json(case["ballot"], case["width"])
        assert ballot.to_json() == case["ballot"]
        transcript = bytes.fromhex(case["body_transcript"])
        assert hashlib.sha512(transcript + _item(0x10, "message", bytes(8))).hexdigest() == \
            case["message"] == ballots.message(election, ballot).hex()
        assert hashlib.sha512(transcript + _item(0x10, "tracker", bytes(8))).hexdigest()[:64] \
            == case["tracker"] == ballots.tracker(election, ballot).hex()
        kiosk_key = bytes.fromhex(case["kiosk_public_key"]) if case["signer"] == "kiosk" \
            else None
        ballots.verify(key, election, ballot, question=case["question"], width=case["width"],
                       kiosk_key=kiosk_key)
        opening = ballots.BallotOpening.from_json(case["opening"])
        assert ballots.open_ballot(key, ballot, opening).hex() == case["plaintext"]


def test_ballot_v2_reader_is_strict():
    good = load("ballot_v2")["cases"][0]["ballot"]
    for change in ({"extra": 1}, {"version": 1}, {"seq": 0}, {"prev": "00" * 31},
                   {"prev": "AA" * 32}):
        with pytest.raises(DecodingError):
            ballots.Ballot.from_json({**good, **change})
    kiosk = load("ballot_v2")["cases"][1]["ballot"]
    with pytest.raises(DecodingError):
        ballots.Ballot.from_json({**kiosk, "seq": 2})
