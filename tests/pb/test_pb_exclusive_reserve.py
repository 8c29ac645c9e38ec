"""Exclusive projects and reserve completion: semantics on small cases, explanations, pabulib
columns, and the official outcomes of Warszawa 2021 Ursynów and Poznań 2024."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from voting_service.commands.pb import pb
from voting_service.pb import rules
from voting_service.pb.instance import Instance, Project
from voting_service.pb.pabulib import PabulibError, dumps_pabulib, loads_pabulib
from voting_service.pb.profile import Profile

from .conftest import election, pabulib_params, profile
from .test_pb_pabulib_io import SMALL

# a: 5 votes, b: 4, c: 3, d: 2; a and b share a site
INSTANCE = Instance((Project("a", 40), Project("b", 30), Project("c", 30), Project("d", 50)), 100)
PROFILE = Profile.from_ballots(INSTANCE, [{"a", "b", "c", "d"}] * 2 + [{"a", "b", "c"}]
                               + [{"a", "b"}] + [{"a"}])
GROUP = {"exclusive": [["a", "b"]]}


@pytest.mark.parametrize("rule", ["greedy", "greedy-no-skip", "mes", "mes-add1", "mes-greedy"])
def test_funding_one_project_of_a_group_drops_the_others(rule):
    free = rules.run({"rule": rule}, INSTANCE, PROFILE)
    assert {"a", "b"} <= set(free.selected)  # without the group, both are funded
    outcome = rules.run({"rule": rule, **GROUP}, INSTANCE, PROFILE)
    assert "a" in outcome.selected and "b" not in outcome.selected
    why = outcome.explanations["b"]
    assert why.code == "incompatible" and why.excluded_by == "a"
    assert why.reason == "Not selected: incompatible with project a, selected before it."
    assert why.to_json()["excluded_by"] == "a"
    assert outcome.total_cost <= INSTANCE.budget


def test_greedy_threshold_applies_the_threshold_then_the_groups():
    outcome = rules.run({"rule": "greedy-threshold", "threshold": 3, **GROUP}, INSTANCE, PROFILE)
    assert outcome.selected == ["a", "c"]
    assert outcome.explanations["b"].code == "incompatible"
    assert outcome.explanations["d"].code == "below-threshold"


def test_an_excluded_project_does_not_stop_greedy_no_skip():
    outcome = rules.run({"rule": "greedy-no-skip", **GROUP}, INSTANCE, PROFILE)
    assert outcome.selected == ["a", "c"]
    assert outcome.explanations["d"].code == "does-not-fit"


def test_a_precedence_fills_the_groups_places_in_its_own_order():
    spec = {"rule": "greedy", "exclusive": [{"precedence": ["b", "a"]}]}
    outcome = rules.run(spec, INSTANCE, PROFILE)
    assert outcome.selected[0] == "b" and "a" not in outcome.selected
    assert outcome.explanations["a"].excluded_by == "b"


def test_mes_free_projects_respect_groups():
    instance = Instance((Project("x", 0), Project("y", 0), Project("z", 10)), 10)
    prof = Profile.from_ballots(instance, [{"x", "y", "z"}])
    outcome = rules.run({"rule": "mes", "satisfaction": "cardinality",
                         "exclusive": [["x", "y"]]}, instance, prof)
    assert sorted(outcome.selected) == ["x", "z"]
    assert outcome.explanations["y"].code == "incompatible"


@pytest.mark.parametrize(("spec", "message"), [
    ({"rule": "greedy", "exclusive": [["a", "zz"]]}, "unknown project 'zz'"),
    ({"rule": "greedy", "exclusive": [["a", "b"], ["b", "c"]]}, "in two exclusive groups"),
    ({"rule": "greedy", "exclusive": "a,b"}, "list of groups"),
    ({"rule": "majority-judgement", "exclusive": [["a", "b"]]}, "no exclusive groups"),
])
def test_malformed_groups_are_refused(spec, message):
    with pytest.raises(rules.RuleSpecError, match=message):
        rules.run(spec, INSTANCE, PROFILE)


def test_groups_are_read_from_and_written_to_the_pabulib_column():
    text = SMALL.replace("project_id;cost;name", "project_id;cost;name;exclusive_group").replace(
        '1;40;"Parc; jardin"', '1;40;"Parc; jardin";kiosque').replace(
        '2;60.0;Fontaine "bleue"', '2;60.0;Fontaine "bleue";kiosque').replace(
        '3;"10,5";Bancs', '3;"10,5";Bancs;None')
    e = loads_pabulib(text)
    assert e.exclusive_groups == [["1", "2"]]
    e.set_exclusive_groups([{"precedence": ["2", "1"]}])
    again = loads_pabulib(dumps_pabulib(e))
    assert again.exclusive_groups == [{"precedence": ["2", "1"]}]
    assert again.project_rows["1"]["exclusive_group"] == "group1#2"


@pytest.mark.parametrize(("values", "line", "message"), [
    (("k", "", ""), 10, "exclusive group 'k' has only one project"),
    (("k#1", "k", ""), 11, "give a rank to every project of the group, or to none"),
    (("k#1", "k#1", ""), 11, "rank 1 is given twice"),
    (("k#x", "", ""), 10, "the rank after '#' must be a positive whole number"),
])
def test_malformed_group_columns_name_the_line(values, line, message):
    text = SMALL.replace("project_id;cost;name", "project_id;cost;name;exclusive_group")
    for old, value in zip(['1;40;"Parc; jardin"', '2;60.0;Fontaine "bleue"', '3;"10,5";Bancs'],
                          values):
        text = text.replace(old, f"{old};{value}")
    with pytest.raises(PabulibError) as caught:
        loads_pabulib(text, source="bad.pb")
    assert caught.value.line == line and message in str(caught.value)


def test_the_cli_applies_the_files_groups(tmp_path):
    text = SMALL.replace("project_id;cost;name", "project_id;cost;name;exclusive_group").replace(
        '1;40;"Parc; jardin"', '1;40;"Parc; jardin";k').replace(
        '2;60.0;Fontaine "bleue"', '2;60.0;Fontaine "bleue";k').replace(
        '3;"10,5";Bancs', '3;"10,5";Bancs;')
    path = tmp_path / "groups.pb"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(pb, ["tally", str(path), "--rule", "greedy"])
    assert result.exit_code == 0, result.output
    assert "incompatible with project 1, selected before it" in result.output


URSYNOW = "Poland_Warszawa_2021_Ursynow.pb"


def _official(name):
    return sorted(pid for pid, row in election(name).project_rows.items()
                  if row["selected"] in ("1", "2"))


@pytest.mark.parametrize("name", pabulib_params({URSYNOW}))
def test_ursynow_reproduces_the_official_selection_once_the_group_is_declared(name):
    assert election(name).meta["rule"] == "greedy-exclusive"
    assert "459, 1687, and 2150" in election(name).meta["comment"]
    plain = rules.run({"rule": "greedy"}, election(name).instance, profile(name))
    assert sorted(plain.selected) != _official(name)
    # The city retained 2150: its hierarchy, not the vote, settled the conflict.
    spec = {"rule": "greedy", "exclusive": [{"precedence": ["2150", "1687", "459"]}]}
    outcome = rules.run(spec, election(name).instance, profile(name))
    assert sorted(outcome.selected) == _official(name)
    for pid in ("1687", "459"):
        assert outcome.explanations[pid].reason == ("Not selected: incompatible with project "
                                                    "2150, selected before it.")


@pytest.mark.parametrize("name", pabulib_params({URSYNOW}))
def test_ursynow_in_vote_order_funds_the_most_voted_of_the_group(name):
    spec = {"rule": "greedy", "exclusive": [["459", "1687", "2150"]]}
    outcome = rules.run(spec, election(name).instance, profile(name))
    assert "1687" in outcome.selected  # 2,075 votes, the most of the three, and it fits
    assert {outcome.explanations[p].excluded_by for p in ("459", "2150")} == {"1687"}


POZNAN = "Poland_Poznan_2024_large.pb"


@pytest.mark.parametrize("name", pabulib_params({POZNAN}))
def test_poznan_reproduces_the_official_selection_and_marks(name):
    e = election(name)
    assert e.meta["rule"] == "greedy-custom" and "80%" in e.meta["comment"]
    outcome = rules.run({"rule": "greedy-reserve", "reserve_share": "0.8"}, e.instance,
                        profile(name))
    official = {pid: int(row["selected"]) for pid, row in e.project_rows.items()}
    assert outcome.pabulib_selected() == official
    assert "less than 80 % of its cost" in outcome.explanations["OD.10"].reason


@pytest.mark.parametrize("name", pabulib_params({POZNAN}))
def test_poznan_funds_from_the_reserve_when_the_money_left_covers_80_percent(name):
    # With 3,700,000, OD.8 (1,999,000) leaves 1,701,000: 85 % of OD.10 (2,000,000).
    e = election(name)
    instance = Instance(e.instance.projects, 3_700_000)
    prof = Profile(instance, profile(name).counts)
    outcome = rules.run({"rule": "greedy-reserve", "reserve_share": "0.8"}, instance, prof)
    assert outcome.selected == ["OD.8", "OD.10"]
    assert outcome.pabulib_selected()["OD.10"] == 2
    assert outcome.pabulib_selected()["OD.8"] == 1
    assert outcome.details["from_reserve"] == 299_000
    assert outcome.explanations["OD.10"].code == "selected-from-reserve"
    assert "the reserve pays the other 299,000" in outcome.explanations["OD.10"].reason
    assert outcome.explanations["OD.2"].code == "after-stop"
    # 90 % is not covered: OD.10 stops the selection unfunded
    strict = rules.run({"rule": "greedy-reserve", "reserve_share": "0.9"}, instance, prof)
    assert strict.selected == ["OD.8"]


def _greedy_by_definition(instance, prof, groups):
    """Greedy with exclusive groups, written from the definition, for comparison."""
    scores = prof.scores()
    left, selected, dropped = instance.budget, [], set()
    for pid in sorted(instance.ids, key=lambda p: (-scores[p], p)):
        if pid in dropped or instance.cost(pid) > left:
            continue
        left -= instance.cost(pid)
        selected.append(pid)
        dropped.update(*(g for g in groups if pid in g))
    return selected


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 12), min_size=2, max_size=7), st.integers(5, 40),
       st.lists(st.sets(st.integers(0, 6), max_size=7), min_size=1, max_size=8),
       st.lists(st.integers(0, 2), min_size=7, max_size=7))
def test_random_groups(costs, budget, ballots, labels):
    ids = [f"p{i}" for i in range(len(costs))]
    instance = Instance(tuple(Project(pid, c) for pid, c in zip(ids, costs)), budget)
    prof = Profile.from_ballots(instance, [{f"p{i}" for i in b if i < len(ids)} for b in ballots])
    groups = [g for g in ([pid for pid, label in zip(ids, labels) if label == k]
                          for k in (1, 2)) if len(g) >= 2]
    greedy = rules.run({"rule": "greedy", "exclusive": groups}, instance, prof)
    assert greedy.selected == _greedy_by_definition(instance, prof, groups)
    for rule in ("greedy-no-skip", "mes", "mes-add1", "mes-greedy"):
        outcome = rules.run({"rule": rule, "exclusive": groups}, instance, prof)
        for group in groups:
            assert len(set(group) & set(outcome.selected)) <= 1, (rule, group)
        for pid, why in outcome.explanations.items():
            if why.code == "incompatible":
                assert why.excluded_by in outcome.selected
                assert any({pid, why.excluded_by} <= set(g) for g in groups)
