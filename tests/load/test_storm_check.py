"""The storm's judge (`rehearsal/load.check_storm`) on records and answers made by hand:
it passes one clean chain and names every way a server could get the storm wrong."""

from __future__ import annotations

from voting_service.record.events import GENESIS, make_event
from voting_service.rehearsal.load import StormAnswer, StormBody, check_storm

CREDENTIAL = "c" * 64
ZERO = "0" * 64
T = {name: name * 64 for name in "abcd"}
# Two competing first ballots (a, b) and one successor of each (c after a, d after b).
BODIES = [StormBody(1, None, b"", {"ville": T["a"]}), StormBody(1, None, b"", {"ville": T["b"]}),
          StormBody(2, 0, b"", {"ville": T["c"]}), StormBody(2, 1, b"", {"ville": T["d"]})]


def record(*links):
    """Ballot events for CREDENTIAL at positions 1, 2, …: (tracker, seq, prev)."""
    events, prev = [], GENESIS
    for position, (tracker, seq, before) in enumerate(links, start=1):
        event = make_event(position, prev, "ballot", "2026-01-01T00:00:00.000000Z", {
            "ballot": {"credential": CREDENTIAL, "question": "ville", "seq": seq,
                       "prev": before}, "tracker": tracker, "kiosk": None})
        events.append(event)
        prev = event.hash
    return events


def receipt(body, position, replayed, height=None):
    return {"election": "e", "trackers": BODIES[body].trackers,
            "positions": {"ville": position}, "replayed": replayed,
            "head": {"height": height or position}}


def answer(body, status, position=None, code=None, **kw):
    got = receipt(body, position, status == 200, **kw) if status in (200, 201) else None
    return StormAnswer(body, status, code, got, 0.01)


CLEAN = [answer(0, 201, 1), answer(0, 200, 1), answer(1, 409, code="ballot_out_of_order"),
         answer(2, 201, 2), answer(3, 409, code="ballot_out_of_order")]
CHAIN = [(T["a"], 1, ZERO), (T["c"], 2, T["a"])]


def test_one_clean_chain_passes():
    outcome = check_storm(BODIES, CLEAN, record(*CHAIN), CREDENTIAL)
    assert outcome["problems"] == [] and outcome["one_chain"]
    assert (outcome["created"], outcome["replayed"], outcome["refused_409"],
            outcome["chain_length"]) == (2, 1, 2, 2)


def test_a_fork_in_the_record_is_named():
    forked = record(*CHAIN, (T["b"], 1, ZERO))
    outcome = check_storm(BODIES, CLEAN, forked, CREDENTIAL)
    assert not outcome["one_chain"]
    assert any("not the accepted requests" in p for p in outcome["problems"])
    assert any("breaks the chain" in p for p in outcome["problems"])


def test_two_accepted_competitors_are_named():
    answers = CLEAN[:2] + [answer(1, 201, 3)] + CLEAN[3:]
    outcome = check_storm(BODIES, answers, record(*CHAIN, (T["b"], 1, ZERO)), CREDENTIAL)
    assert any("does not follow" in p for p in outcome["problems"])


def test_an_acknowledged_ballot_missing_from_the_record_is_named():
    outcome = check_storm(BODIES, CLEAN, record(CHAIN[0]), CREDENTIAL)
    assert any("not the accepted requests" in p for p in outcome["problems"])


def test_a_5xx_another_refusal_or_no_answer_is_named():
    answers = CLEAN + [answer(3, 500, code="internal_error"), answer(1, 409, code="conflict"),
                       StormAnswer(2, 0, "ConnectionResetError", None, 0.01)]
    outcome = check_storm(BODIES, answers, record(*CHAIN), CREDENTIAL)
    assert outcome["errors_5xx"] == 1 and outcome["no_answer"] == 1
    problems = " | ".join(outcome["problems"])
    assert "HTTP 500" in problems and "'conflict'" in problems and "connection failed" in \
        problems


def test_two_receipts_or_two_creations_for_one_request_are_named():
    answers = [answer(0, 201, 1), answer(0, 201, 1, height=2)] + CLEAN[2:]
    problems = " | ".join(check_storm(BODIES, answers, record(*CHAIN), CREDENTIAL)["problems"])
    assert "2 different receipts" in problems and "2 answers 201" in problems


def test_a_receipt_position_other_than_the_record_is_named():
    answers = [answer(0, 201, 1), answer(0, 200, 1)] + CLEAN[2:3] + [answer(2, 201, 7)] + \
        CLEAN[4:]
    problems = check_storm(BODIES, answers, record(*CHAIN), CREDENTIAL)["problems"]
    assert any("receipt position 7" in p for p in problems)
