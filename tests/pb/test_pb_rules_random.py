"""Thousands of small random elections: our rules select exactly what pabutools selects.

Instances are built to hit the edges: ties (few distinct costs and ballots), projects nobody
supports, projects costing nothing or more than the whole budget, single voters, empty
ballots and elections without voters.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voting_service.pb import rules
from voting_service.pb.instance import Instance, Project
from voting_service.pb.profile import Profile

from .oracle import COMPARED, reference, spec_name, to_pabutools

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def elections(draw, scored: bool):
    budget = draw(st.integers(1, 30))
    costs = draw(st.lists(st.sampled_from([0, 1, 2, 3, 5, 7, budget, budget + 1, 2 * budget]),
                          min_size=1, max_size=6))
    # ids whose string order differs from their numeric order exercise the tie-break
    ids = draw(st.permutations(["1", "2", "10", "9", "a", "B"]))[:len(costs)]
    instance = Instance(tuple(Project(pid, c) for pid, c in zip(ids, costs)), budget)
    if scored:
        ballot = st.dictionaries(st.sampled_from(ids[:len(costs)]), st.integers(0, 3), max_size=4)
    else:
        ballot = st.sets(st.sampled_from(ids[:len(costs)]), max_size=len(costs))
    patterns = draw(st.lists(ballot, min_size=1, max_size=4))
    voters = draw(st.lists(st.sampled_from(range(len(patterns))), min_size=0, max_size=9))
    return Profile.from_ballots(instance, [patterns[i] for i in voters])


def _check(spec, profile):
    ours = rules.run(spec, profile.instance, profile)
    p_instance, p_profile = to_pabutools(profile)
    theirs = reference(spec, p_instance, p_profile, profile.is_approval)
    assert sorted(ours.selected) == sorted(theirs), (spec_name(spec), profile.counts)
    assert ours.total_cost == profile.instance.total_cost(ours.selected)
    assert set(ours.explanations) == set(profile.instance.ids)


@pytest.mark.parametrize("spec", COMPARED, ids=spec_name)
@SETTINGS
@given(profile=elections(scored=False))
def test_random_approval(spec, profile):
    _check(spec, profile)


@pytest.mark.parametrize("spec", COMPARED, ids=spec_name)
@SETTINGS
@given(profile=elections(scored=True))
def test_random_points(spec, profile):
    _check(spec, profile)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.fractions(min_value=0, max_value=10, max_denominator=4), min_size=1, max_size=5),
       st.fractions(min_value=1, max_value=20, max_denominator=4),
       st.lists(st.sets(st.integers(0, 4), max_size=5), min_size=1, max_size=6))
def test_random_fractional_costs(costs, budget, ballots):
    instance = Instance(tuple(Project(f"p{i}", Fraction(c)) for i, c in enumerate(costs)), budget)
    profile = Profile.from_ballots(instance, [{f"p{i}" for i in b if i < len(costs)} for b in ballots])
    for spec in COMPARED:
        _check(spec, profile)
