"""pabutools as the reference for our PB rules (tests and benchmark only)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from pabutools.election import (Additive_Cardinal_Sat, ApprovalBallot, ApprovalProfile,
                                Cardinality_Sat, Cost_Sat, CumulativeBallot, CumulativeProfile,
                                Instance, Project)
from pabutools.election.satisfaction.additivesatisfaction import AdditiveSatisfaction
from pabutools.fractions import frac
from pabutools.rules import (completion_by_rule_combination, greedy_utilitarian_welfare,
                             method_of_equal_shares)

from voting_service.pb import rules
from voting_service.pb.profile import Profile

PABULIB = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "pabulib").resolve()

#: Rules both sides implement, as (our rule spec, pabutools call name).
COMPARED = [
    {"rule": "greedy"},
    {"rule": "mes", "satisfaction": "cost"},
    {"rule": "mes", "satisfaction": "cardinality"},
    {"rule": "mes-add1", "satisfaction": "cost"},
    {"rule": "mes-greedy", "satisfaction": "cost"},
]


def spec_name(spec: dict) -> str:
    return spec["rule"] + (f"/{spec['satisfaction']}" if "satisfaction" in spec else "")


class Points_Cost_Sat(AdditiveSatisfaction):
    """Satisfaction points x cost on scored ballots: our cost satisfaction for points."""

    def __init__(self, instance, profile, ballot):
        super().__init__(instance, profile, ballot,
                         lambda inst, prof, b, project, pre: b.get(project, 0) * project.cost)


def to_pabutools(profile: Profile):
    """Our instance and profile as a pabutools instance and profile."""
    instance = Instance(budget_limit=frac(Fraction(profile.instance.budget).numerator,
                                          Fraction(profile.instance.budget).denominator))
    projects = {}
    for p in profile.instance.projects:
        c = Fraction(p.cost)
        projects[p.id] = Project(p.id, frac(c.numerator, c.denominator))
        instance.add(projects[p.id])
    if profile.is_approval:
        ballots = []
        for ballot, count in profile.counts.items():
            ballots += [ApprovalBallot(projects[pid] for pid, _ in ballot) for _ in range(count)]
        return instance, ApprovalProfile(ballots, instance=instance)
    ballots = []
    for ballot, count in profile.counts.items():
        for _ in range(count):
            ballots.append(CumulativeBallot({projects[pid]: frac(Fraction(s).numerator,
                                                                Fraction(s).denominator)
                                             for pid, s in ballot}))
    return instance, CumulativeProfile(ballots, instance=instance)


def reference(spec: dict, instance, profile, approval: bool) -> list[str]:
    """Run pabutools' version of ``spec``; project ids in selection order."""
    cost_sat = Cost_Sat if approval else Points_Cost_Sat
    card_sat = Cardinality_Sat if approval else Additive_Cardinal_Sat
    sat = card_sat if spec.get("satisfaction") == "cardinality" else cost_sat
    rule = spec["rule"]
    if rule == "greedy":
        result = greedy_utilitarian_welfare(instance, profile, sat_class=cost_sat)
    elif rule == "mes":
        result = method_of_equal_shares(instance, profile, sat_class=sat)
    elif rule == "mes-add1":
        result = method_of_equal_shares(instance, profile, sat_class=sat, voter_budget_increment=1)
    elif rule == "mes-greedy":
        result = completion_by_rule_combination(
            instance, profile, [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": sat}, {"sat_class": cost_sat}])
    else:
        raise ValueError(rule)
    return [p.name for p in result]


def ours(spec: dict, profile: Profile) -> list[str]:
    return rules.run(spec, profile.instance, profile).selected
