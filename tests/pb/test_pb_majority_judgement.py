"""Majority judgement on small elections worked out by hand."""

from __future__ import annotations

import numpy as np

from voting_service.pb import rules
from voting_service.pb.formats import parse_format
from voting_service.pb.instance import Instance, Project
from voting_service.pb.rules.majority_judgement import removal_order

GRADES = ["Très bien", "Bien", "Assez bien", "Insuffisant"]  # indexes 0 (best) to 3
TB, B, AB, I = range(4)


def _mj(instance, graded_ballots, **spec):
    fmt = parse_format({"kind": "grades", "grades": GRADES, "default": I}, instance, instance.budget)
    ballots = [fmt.decode_and_validate(fmt.encode(b)) for b in graded_ballots]
    return rules.run({"rule": "majority-judgement", "grades": GRADES, **spec}, instance, ballots)


def test_removal_order_takes_lower_medians_alternately():
    # sorted worst to best, the lower median of 5 is position 2; then of what is left, 1; ...
    assert removal_order(5).tolist() == [2, 1, 3, 0, 4]
    assert removal_order(4).tolist() == [1, 2, 0, 3]
    assert removal_order(1).tolist() == [0]


def test_five_voters_ranking_and_greedy_selection():
    # A: TB TB B AB I -> majority grade B; B: B x5 -> B; C: TB TB TB I I -> TB.
    # A and B tie on B. Removing one B: A keeps {TB, TB, AB, I}, lower median AB;
    # B keeps {B, B, B, B}, lower median B. So B is ranked above A. Ranking: C, B, A.
    # Budget 80: C (50) fits, leaving 30; B (40) does not fit; A (30) fits.
    instance = Instance((Project("A", 30), Project("B", 40), Project("C", 50)), 80)
    ballots = [
        {"A": TB, "B": B, "C": TB},
        {"A": TB, "B": B, "C": TB},
        {"A": B, "B": B, "C": TB},
        {"A": AB, "B": B, "C": I},
        {"A": I, "B": B, "C": I},
    ]
    outcome = _mj(instance, ballots)
    assert outcome.details["ranking"] == ["C", "B", "A"]
    assert outcome.selected == ["C", "A"]
    assert outcome.explanations["B"].code == "does-not-fit"
    assert "'Très bien'" in outcome.explanations["C"].reason
    assert "'Bien'" in outcome.explanations["A"].reason


def test_even_number_of_voters_uses_the_lower_median():
    # D: TB TB I I -> lower median I. E: AB x4 -> AB. E ranks first despite D's two TB.
    instance = Instance((Project("D", 10), Project("E", 10)), 10)
    ballots = [{"D": TB, "E": AB}, {"D": TB, "E": AB}, {"D": I, "E": AB}, {"D": I, "E": AB}]
    outcome = _mj(instance, ballots)
    assert outcome.details["ranking"] == ["E", "D"]
    assert outcome.selected == ["E"]


def test_ungraded_projects_get_the_default_grade():
    # Three voters leave F ungraded (default I) and grade G "Assez bien": G ranks first.
    instance = Instance((Project("F", 5), Project("G", 5)), 5)
    ballots = [{"G": AB}, {"G": AB}, {"G": AB, "F": TB}]
    outcome = _mj(instance, ballots)
    assert outcome.selected == ["G"]


def test_identical_grades_are_ordered_by_the_tie_break():
    instance = Instance((Project("x", 9), Project("y", 3)), 9)
    ballots = [{"x": B, "y": B}, {"x": AB, "y": AB}, {"x": TB, "y": TB}]
    assert _mj(instance, ballots).details["ranking"] == ["x", "y"]
    assert _mj(instance, ballots, tie_break="min-cost").details["ranking"] == ["y", "x"]


def test_points_ballots_are_graded_by_their_points():
    # Cumulative points as grades (0 = worst): P gets 3,3,0 -> median 3; Q gets 1,1,1 -> 1.
    instance = Instance((Project("P", 1), Project("Q", 1)), 1)
    outcome = rules.run({"rule": "majority-judgement"}, instance,
                        [{"P": 3, "Q": 1}, {"P": 3, "Q": 1}, {"Q": 1}])
    assert outcome.selected == ["P"]
    assert outcome.explanations["P"].score == 3


def test_no_voters_ranks_by_tie_break_only():
    instance = Instance((Project("b", 1), Project("a", 1)), 1)
    outcome = rules.run({"rule": "majority-judgement"}, instance, [])
    assert outcome.selected == ["a"]
    assert isinstance(np.asarray(outcome.details["ranking"]).tolist(), list)
