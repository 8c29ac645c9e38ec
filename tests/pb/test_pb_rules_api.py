"""The rule dispatcher, rule specs, tie-breaks and explanations."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from voting_service.pb import rules
from voting_service.pb.instance import Instance, Project
from voting_service.pb.rules import RuleSpecError

INSTANCE = Instance((Project("a", 40), Project("b", 40), Project("c", 30), Project("d", 10)), 80)
BALLOTS = [{"a", "b"}, {"a", "b"}, {"c"}, {"c", "d"}, set()]


@pytest.mark.parametrize("spec", [
    {"rule": "greedy"}, {"rule": "greedy-no-skip"}, {"rule": "greedy-threshold", "threshold": 2},
    {"rule": "mes"}, {"rule": "mes", "satisfaction": "cardinality"}, {"rule": "mes-add1"},
    {"rule": "mes-greedy"}, {"rule": "majority-judgement"},
])
def test_every_rule_explains_every_project_and_serialises(spec):
    outcome = rules.run(spec, INSTANCE, BALLOTS)
    assert set(outcome.explanations) == set(INSTANCE.ids)
    assert outcome.total_cost == INSTANCE.total_cost(outcome.selected) <= INSTANCE.budget
    for pid, explanation in outcome.explanations.items():
        assert explanation.selected == (pid in outcome.selected)
        assert explanation.reason and explanation.code
    data = json.loads(json.dumps(outcome.to_json()))
    assert data["selected"] == outcome.selected and data["budget"] == 80


@pytest.mark.parametrize(("spec", "message"), [
    ({"rule": "borda"}, "unknown rule"),
    ({"rule": "greedy-threshold"}, "needs a threshold"),
    ({"rule": "greedy-threshold", "threshold": -1}, "negative"),
    ({"rule": "greedy", "threshold": 3}, "takes no threshold"),
    ({"rule": "mes", "satisfaction": "utility"}, "unknown satisfaction"),
    ({"rule": "mes", "tie_break": "random"}, "unknown tie_break"),
    ({"rule": "mes", "colour": "red"}, "unknown rule spec keys"),
    ({"rule": "greedy", "grades": ["a", "b"]}, "takes no grades"),
])
def test_bad_rule_specs(spec, message):
    with pytest.raises(RuleSpecError, match=message):
        rules.run(spec, INSTANCE, BALLOTS)


def test_greedy_skips_and_no_skip_stops():
    # votes: a 2, b 2, c 2, d 1; a and b tie with c, broken by id: a, b, c, d.
    assert rules.run({"rule": "greedy"}, INSTANCE, BALLOTS).selected == ["a", "b"]
    instance = Instance((Project("a", 50), Project("b", 40), Project("c", 20)), 80)
    ballots = [{"a"}, {"a"}, {"b"}, {"c"}]
    assert rules.run({"rule": "greedy"}, instance, ballots).selected == ["a", "c"]
    outcome = rules.run({"rule": "greedy-no-skip"}, instance, ballots)
    assert outcome.selected == ["a"]
    assert outcome.explanations["b"].code == "does-not-fit"
    assert outcome.explanations["c"].code == "after-stop"


def test_tie_breaks_are_selectable():
    instance = Instance((Project("10", 30), Project("9", 20), Project("8", 50)), 50)
    ballots = [{"10", "9", "8"}]
    assert rules.run({"rule": "greedy"}, instance, ballots).selected == ["10", "9"]  # "10" < "9"
    assert rules.run({"rule": "greedy", "tie_break": "min-cost"}, instance, ballots).selected == ["9", "10"]
    assert rules.run({"rule": "greedy", "tie_break": "max-cost"}, instance, ballots).selected == ["8"]
    for mode, first in (("lexicographic", "10"), ("min-cost", "9"), ("max-cost", "8")):
        outcome = rules.run({"rule": "mes", "tie_break": mode}, instance, ballots)
        assert outcome.selected[0] == first


def test_mes_explains_prices_and_unaffordable_projects():
    outcome = rules.run({"rule": "mes"}, INSTANCE, BALLOTS)
    # 5 voters with 16 each: c (30) costs its 2 supporters 15 each, first (rho 1/2 per unit).
    assert outcome.selected[0] == "c"
    assert outcome.explanations["c"].price_per_supporter == 15
    assert outcome.explanations["c"].round == 1
    # a and b (40) cannot be paid by their two supporters (32 in total)
    assert outcome.explanations["a"].code == "not-affordable"
    assert "32" in outcome.explanations["a"].reason


def test_mes_with_cost_satisfaction_ignores_free_projects_but_cardinality_funds_them():
    instance = Instance((Project("free", 0), Project("x", 10)), 10)
    ballots = [{"free", "x"}]
    assert rules.run({"rule": "mes"}, instance, ballots).selected == ["x"]
    outcome = rules.run({"rule": "mes", "satisfaction": "cardinality"}, instance, ballots)
    assert outcome.selected == ["free", "x"] and outcome.explanations["free"].round == 0


def test_no_voters_and_fractional_costs():
    assert rules.run({"rule": "mes"}, INSTANCE, []).selected == []
    instance = Instance((Project("x", Fraction(5, 2)), Project("y", "2.5")), 5)
    outcome = rules.run({"rule": "mes-add1"}, instance, [{"x"}, {"y"}])
    assert outcome.selected == ["x", "y"] and outcome.total_cost == 5
    assert outcome.to_json()["explanations"]["x"]["price_per_supporter"] == "5/2"


def test_ballots_naming_unknown_projects_are_refused():
    with pytest.raises(ValueError, match="unknown project"):
        rules.run({"rule": "greedy"}, INSTANCE, [{"zzz"}])
    with pytest.raises(ValueError, match="exact number"):
        Project("x", 1.5)
