"""Ballot formats from manifest specs, and the fixed-width canonical plaintext encoding."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting_service.pb import formats, rules
from voting_service.pb.formats import (FormatError, InvalidBallot, InvalidChoiceError,
                                       ValidBallot, parse_format)
from voting_service.pb.instance import Instance, Project

PROJECTS = tuple(Project(str(i), 100 * (i + 1)) for i in range(10))  # "0".."9", cost 100..1000
IDS = [p.id for p in PROJECTS]
SPECS = {
    "approval": {"kind": "approval", "min": 0, "max": 5},
    "budget": {"kind": "budget", "cap": 1500},
    "cumulative": {"kind": "cumulative", "max_per_project": 3, "max_total": 10},
    "ordinal": {"kind": "ordinal", "k": 3, "points": [3, 2, 1]},
    "grades": {"kind": "grades", "grades": ["Très bien", "Bien", "Assez bien", "Insuffisant"],
               "default": 3},
}


def fmt(kind, **changes):
    return parse_format({**SPECS[kind], **changes}, PROJECTS, 5000)


def test_widths_are_compact():
    assert fmt("approval").width_bytes == 2  # 10 bits
    assert fmt("budget").width_bytes == 2
    assert fmt("cumulative").width_bytes == 3  # 10 x 2 bits
    assert fmt("ordinal").width_bytes == 2  # 3 x 4 bits
    assert fmt("grades").width_bytes == 4  # 10 x 3 bits
    # a city-wide question of 83 projects fits one ~30-byte group element as a bitmap
    many = tuple(Project(str(i), 1) for i in range(83))
    assert parse_format({"kind": "approval"}, many, 10).width_bytes == 11


@pytest.mark.parametrize(("spec", "message"), [
    ({"kind": "plurality"}, "unknown ballot kind"),
    ({"kind": "approval", "maximum": 3}, "unknown keys"),
    ({"kind": "approval", "min": 4, "max": 3}, "'max' must be"),
    ({"kind": "approval", "min": True}, "whole number"),
    ({"kind": "approval", "min": 11}, "'min' must be"),
    ({"kind": "budget", "cap": -1}, "negative"),
    ({"kind": "budget", "cap": 1.5}, "exact number"),
    ({"kind": "cumulative", "max_per_project": 3}, "needs 'max_total'"),
    ({"kind": "cumulative", "max_per_project": 0, "max_total": 3}, "'max_per_project' must be"),
    ({"kind": "ordinal", "k": 3, "points": [3, 2]}, "one per rank"),
    ({"kind": "ordinal", "k": 3, "points": [1, 2, 3]}, "must not increase"),
    ({"kind": "ordinal", "k": 11, "points": [1] * 11}, "'k' must be"),
    ({"kind": "grades", "grades": ["only"]}, "2 to 255"),
    ({"kind": "grades", "grades": ["a", "a"]}, "distinct"),
    ({"kind": "grades", "grades": ["a", "b"], "default": 2}, "'default' must be"),
    ("approval", "JSON object"),
])
def test_bad_specs_are_refused_with_a_clear_error(spec, message):
    with pytest.raises(FormatError, match=message):
        parse_format(spec, PROJECTS, 5000)


def test_budget_cap_defaults_to_the_question_budget_and_max_null_means_all():
    assert fmt("budget", cap=None).cap == 5000
    assert fmt("approval", max=None).max is None


CHOICES = {
    "approval": st.sets(st.sampled_from(IDS), max_size=5),
    "budget": st.sets(st.sampled_from(IDS), max_size=3).filter(
        lambda s: sum(100 * (int(p) + 1) for p in s) <= 1500),
    "cumulative": st.dictionaries(st.sampled_from(IDS), st.integers(0, 3), max_size=3),
    "ordinal": st.lists(st.sampled_from(IDS), max_size=3, unique=True),
    "grades": st.dictionaries(st.sampled_from(IDS), st.integers(0, 3), max_size=10),
}


@pytest.mark.parametrize("kind", sorted(SPECS))
@settings(max_examples=150, deadline=None, derandomize=True)
@given(data=st.data())
def test_valid_choices_round_trip_canonically(kind, data):
    f = fmt(kind)
    choice = data.draw(CHOICES[kind])
    encoded = f.encode(choice)
    assert len(encoded) == f.width_bytes
    decoded = f.decode_and_validate(encoded)
    assert isinstance(decoded, ValidBallot)
    assert decoded == f.validate(choice)
    assert f.encode(decoded.choice if kind not in ("cumulative", "grades")
                    else dict(decoded.choice)) == encoded


@pytest.mark.parametrize("kind", sorted(SPECS))
@settings(max_examples=150, deadline=None, derandomize=True)
@given(data=st.data())
def test_any_bytes_decode_to_a_verdict_and_valid_ones_are_canonical(kind, data):
    f = fmt(kind)
    raw = data.draw(st.binary(min_size=f.width_bytes, max_size=f.width_bytes))
    verdict = f.decode_and_validate(raw)
    if isinstance(verdict, ValidBallot):
        choice = verdict.choice if kind not in ("cumulative", "grades") else dict(verdict.choice)
        assert f.encode(choice) == raw
    else:
        assert isinstance(verdict, InvalidBallot) and verdict.reason_code and verdict.message


def _bits(f, *fields, bits):
    value = 0
    for i, v in enumerate(fields):
        value |= v << (i * bits)
    return value.to_bytes(f.width_bytes, "little")


@pytest.mark.parametrize(("kind", "changes", "raw", "reason"), [
    ("approval", {}, b"\x00", formats.WRONG_LENGTH),
    ("approval", {}, b"\x00\x00\x00", formats.WRONG_LENGTH),
    ("approval", {}, (1 << 12).to_bytes(2, "little"), formats.UNKNOWN_PROJECT),
    ("approval", {}, (0b111111).to_bytes(2, "little"), formats.TOO_MANY),
    ("approval", {"min": 2}, (0b1).to_bytes(2, "little"), formats.TOO_FEW),
    ("budget", {}, (0b1100000000).to_bytes(2, "little"), formats.OVER_CAP),  # 900 + 1000
    ("budget", {"min": 1}, b"\x00\x00", formats.TOO_FEW),
    ("cumulative", {}, (1 << 20).to_bytes(3, "little"), formats.NON_CANONICAL),
    ("cumulative", {"max_per_project": 2}, (3).to_bytes(3, "little"), formats.BAD_POINTS),
    ("cumulative", {"max_total": 5}, (0b111111).to_bytes(3, "little"), formats.OVER_TOTAL),
    ("ordinal", {}, (1 | 1 << 4).to_bytes(2, "little"), formats.DUPLICATE_RANK),
    ("ordinal", {}, (1 << 4).to_bytes(2, "little"), formats.RANK_GAP),
    ("ordinal", {}, (11).to_bytes(2, "little"), formats.UNKNOWN_PROJECT),
    ("ordinal", {"min": 2}, (1).to_bytes(2, "little"), formats.TOO_FEW_RANKS),
    ("grades", {}, (5).to_bytes(4, "little"), formats.BAD_GRADE),
    ("grades", {"default": None}, (1).to_bytes(4, "little"), formats.MISSING_GRADE),
])
def test_invalid_plaintexts_get_a_precise_reason(kind, changes, raw, reason):
    verdict = fmt(kind, **changes).decode_and_validate(raw)
    assert isinstance(verdict, InvalidBallot)
    assert verdict.reason_code == reason


def test_blank_ballots_are_legal_where_the_format_allows_them():
    for kind in ("approval", "budget", "cumulative", "ordinal", "grades"):
        f = fmt(kind)
        verdict = f.decode_and_validate(bytes(f.width_bytes))
        assert isinstance(verdict, ValidBallot) and verdict.is_blank, kind
    assert isinstance(fmt("approval", min=1).decode_and_validate(b"\0\0"), InvalidBallot)
    assert isinstance(fmt("grades", default=None).decode_and_validate(bytes(4)), InvalidBallot)


@pytest.mark.parametrize(("kind", "choice", "reason"), [
    ("approval", ["0", "0"], formats.DUPLICATE_PROJECT),
    ("approval", ["42"], formats.UNKNOWN_PROJECT),
    ("approval", "0", formats.NOT_A_CHOICE),
    ("cumulative", {"0": -1}, formats.BAD_POINTS),
    ("cumulative", {"0": 1.5}, formats.BAD_POINTS),
    ("ordinal", ["1", "2", "3", "4"], formats.TOO_MANY_RANKS),
    ("grades", {"0": 9}, formats.BAD_GRADE),
])
def test_encoding_an_invalid_choice_raises(kind, choice, reason):
    with pytest.raises(InvalidChoiceError) as caught:
        fmt(kind).encode(choice)
    assert caught.value.invalid.reason_code == reason


def test_points_follow_the_format():
    assert fmt("approval").validate(["3", "1"]).points() == {"1": 1, "3": 1}
    assert fmt("cumulative").validate({"2": 3, "4": 0}).points() == {"2": 3}
    assert fmt("ordinal").validate(["7", "2"]).points() == {"7": 3, "2": 2}
    # grades: best grade 3 points, default grade (Insuffisant) 0 points
    assert fmt("grades").validate({"1": 0, "2": 2}).points() == {"1": 3, "2": 1}


def test_decoded_ballots_feed_the_rules():
    f = fmt("approval")
    instance = Instance(PROJECTS, 1500)
    ballots = [f.decode_and_validate(f.encode(c)) for c in (["0", "4"], ["4"], [], ["9"])]
    outcome = rules.run({"rule": "greedy"}, instance, ballots)
    assert outcome.selected[:2] == ["4", "0"]  # 2 votes first, then the tie broken by id
