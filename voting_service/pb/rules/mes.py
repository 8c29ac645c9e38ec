"""Method of Equal Shares (MES), its one-unit budget-increment completion ("add1") and its
greedy completion, with exact arithmetic.

Every voter starts with an equal share of the budget. In each round, the project that its
supporters can pay for at the lowest price per unit of satisfaction (``rho``) is funded: each
supporter pays ``rho`` times their satisfaction, or everything they have left if that is less.
Satisfaction is ``points x cost`` (``satisfaction="cost"``) or ``points`` (``"cardinality"``),
points being 1 per approved project for approval ballots. Projects whose supporters cannot
afford them any more are dropped; the rule stops when no project is affordable.

Semantics follow pabutools 1.2.3 ``method_of_equal_shares`` exactly, including its edges:
projects nobody derives satisfaction from are never funded (under cost satisfaction this
includes free projects); free projects with satisfied supporters are funded before round 1;
ties in ``rho`` are broken by the selected tie-break.

Why it is fast: voters never matter individually, only through their ballot and their budget.
Identical ballots are merged, and the current budgets are kept as a small table of distinct
*levels*: every distinct ballot points to the level of its budget. A project's supporters are
then summarised, with one numpy ``bincount``, as (budget, number of voters) pairs; the exact
price follows from a short walk over those pairs in increasing budget order. All budgets are
integers over one common denominator, rescaled only when a price needs it, so comparisons
are exact integer comparisons. As in pabutools, a project is re-evaluated in a round only if
its price from an earlier round (a lower bound, since budgets only shrink) could still win.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd, lcm

import numpy as np

from ..explain import NO_SUPPORT, NOT_AFFORDABLE, SELECTED, Explanation, Outcome, show
from ..instance import Instance, Number
from ..profile import Profile, as_profile
from ..tiebreak import DEFAULT_TIE_BREAK, tie_break_key
from . import greedy as greedy_rule

SATISFACTIONS = ("cost", "cardinality")


@dataclass
class _Purchase:
    """One funded project: ``price`` is what a supporter paid per point (if they could)."""

    project_id: str
    round: int
    price: Fraction
    supporters: int
    paid_all_they_had: int


@dataclass
class _Run:
    """The result of one MES run for a given starting budget per voter."""

    purchases: list[_Purchase]
    free: list[str]
    unaffordable: dict[str, tuple[int, Fraction]] = field(default_factory=dict)

    @property
    def selected(self) -> list[str]:
        return self.free + [p.project_id for p in self.purchases]


@dataclass
class _Evaluation:
    rho: Fraction
    paying: Fraction  # money still owed by the supporters who can pay their full share (Den units)
    groups: list  # (budget, voters, points, group) in increasing budget-per-point order
    poor: int  # how many of ``groups`` pay everything they have
    inverse: np.ndarray | None  # row -> group index, for scored ballots


class _EqualShares:
    """Precomputed, reusable state of MES on one instance and profile."""

    def __init__(self, instance: Instance, profile: Profile, satisfaction: str, tie_break: str):
        if satisfaction not in SATISFACTIONS:
            raise ValueError(f"unknown satisfaction {satisfaction!r}; expected cost or cardinality")
        self.instance = instance
        self.tie_key = tie_break_key(tie_break, instance)
        # Costs become integers in units of 1/scale of the currency, points integers too
        # (MES is unchanged when all utilities are multiplied by the same constant).
        self.scale = lcm(1, *(Fraction(p.cost).denominator for p in instance.projects))
        self.cost = {p.id: int(p.cost * self.scale) for p in instance.projects}
        self.num_voters = profile.num_voters
        ballots = list(profile.counts.items())
        self.num_rows = len(ballots)
        lengths = np.fromiter((len(b) for b, _ in ballots), dtype=np.int64, count=len(ballots))
        position = {pid: i for i, pid in enumerate(instance.ids)}
        flat_project = np.fromiter((position[pid] for b, _ in ballots for pid, _ in b),
                                   dtype=np.int64, count=int(lengths.sum()))
        flat_row = np.repeat(np.arange(len(ballots), dtype=np.int64), lengths)
        raw_points = [s for b, _ in ballots for _, s in b]
        self.approval = all(s == 1 for s in raw_points)
        if all(isinstance(s, int) for s in raw_points):
            flat_points = np.array(raw_points, dtype=np.int64)
        else:
            point_scale = lcm(*(Fraction(s).denominator for s in raw_points))
            flat_points = np.array([int(s * point_scale) for s in raw_points], dtype=np.int64)
        mult = np.fromiter((c for _, c in ballots), dtype=np.int64, count=len(ballots))
        order = np.argsort(flat_project, kind="stable")
        bounds = np.searchsorted(flat_project[order], np.arange(len(instance) + 1))
        self.weight = {pid: (self.cost[pid] if satisfaction == "cost" else 1) for pid in instance.ids}
        self.rows, self.mult, self.points, self.total_points = {}, {}, {}, {}
        self.free, self.candidates, self.unsupported = [], [], []
        for i, pid in enumerate(instance.ids):
            r = flat_row[order[bounds[i]:bounds[i + 1]]]
            s = flat_points[order[bounds[i]:bounds[i + 1]]]
            total = int((mult[r] * s).sum()) if len(r) else 0
            if total * self.weight[pid] == 0:
                self.unsupported.append(pid)
            elif self.cost[pid] == 0:
                self.free.append(pid)
            else:
                self.candidates.append(pid)
                self.rows[pid], self.points[pid] = r, s
                self.mult[pid] = mult[r].astype(np.float64)  # bincount weights: exact below 2**53
                self.total_points[pid] = total
        self.supporters = {pid: int(m.sum()) for pid, m in self.mult.items()}

    def run(self, per_voter_budget: Fraction) -> _Run:
        """One run of MES where every voter starts with ``per_voter_budget`` (currency units)."""
        start = Fraction(per_voter_budget) * self.scale
        # Budget levels: level k holds level_num[k] / self.den * epoch_factor[level_epoch[k]]
        # (scaled currency), where epoch e counts the purchases made when the level was
        # created: rescaling the common denominator then only updates one factor per epoch.
        # Level 0 is the empty purse.
        self.den = start.denominator
        self.level_num, self.level_epoch, self.epoch_factor = [0, start.numerator], [0, 0], [1]
        self.level = np.ones(self.num_rows, dtype=np.int64)
        result = _Run([], list(self.free))
        remaining = set(self.candidates)
        bound = {}  # a lower bound on each project's price, as an exactly ordered key
        for p in remaining:
            rho = Fraction(self.cost[p], self.weight[p] * self.total_points[p])
            bound[p] = (float(rho), rho)
        rnd = 0
        while remaining:
            rnd += 1
            best, tied, evaluations = None, [], {}
            for pid in sorted(remaining, key=lambda p: (bound[p], self.tie_key(p))):
                if best is not None and bound[pid] > best:
                    break
                evaluation = self._evaluate(pid)
                if evaluation is None:
                    remaining.discard(pid)
                    result.unaffordable[pid] = (rnd, self._left(pid))
                    continue
                # (float(x), x) orders exactly like x: rounding to float is monotone.
                key = (float(evaluation.rho), evaluation.rho)
                bound[pid] = key
                evaluations[pid] = evaluation
                if best is None or key < best:
                    best, tied = key, [pid]
                elif key == best:
                    tied.append(pid)
            if not tied:
                break
            winner = min(tied, key=self.tie_key)
            remaining.discard(winner)
            result.purchases.append(self._buy(winner, rnd, evaluations[winner]))
        return result

    def _budgets(self, levels: list[int]) -> list[int]:
        """Exact budgets of ``levels`` as numerators over the common denominator self.den."""
        num, epoch, factor = self.level_num, self.level_epoch, self.epoch_factor
        return [num[k] * factor[epoch[k]] for k in levels]

    def _left(self, pid: str) -> Fraction:
        counts = np.bincount(self.level[self.rows[pid]], weights=self.mult[pid])
        levels = np.flatnonzero(counts)
        budgets = self._budgets(levels.tolist())
        total = sum(b * int(c) for b, c in zip(budgets, counts[levels].tolist()))
        return Fraction(total, self.den * self.scale)

    def _groups(self, pid: str):
        """Supporters of ``pid`` as (budget, voters, points, group) sorted by budget per point."""
        rows = self.rows[pid]
        if self.approval:
            counts = np.bincount(self.level[rows], weights=self.mult[pid])
            levels = np.flatnonzero(counts)
            groups = sorted(zip(self._budgets(levels.tolist()), counts[levels].astype(np.int64).tolist(),
                                [1] * len(levels), levels.tolist()))
            return groups, None
        points = self.points[pid]
        width = int(points.max()) + 1
        keys = self.level[rows] * width + points
        unique, inverse = np.unique(keys, return_inverse=True)
        counts = np.bincount(inverse, weights=self.mult[pid]).astype(np.int64).tolist()
        unique = unique.tolist()
        budgets = self._budgets([key // width for key in unique])
        groups = [(b, c, key % width, g)
                  for g, (b, key, c) in enumerate(zip(budgets, unique, counts))]
        groups.sort(key=lambda item: Fraction(item[0], item[2]))
        return groups, inverse

    def _evaluate(self, pid: str) -> _Evaluation | None:
        """The exact price per point of ``pid`` now, or None if its supporters cannot afford it."""
        groups, inverse = self._groups(pid)
        owed = self.cost[pid] * self.den
        points_left = self.total_points[pid]
        for poor, (budget, voters, points, _) in enumerate(groups):
            # Can this group pay its full share owed/points_left per point? Then so can the rest.
            if owed * points <= budget * points_left:
                rho = Fraction(owed, self.weight[pid] * points_left * self.den)
                return _Evaluation(rho, Fraction(owed, points_left), groups, poor, inverse)
            owed -= budget * voters
            points_left -= voters * points
        return None

    def _buy(self, pid: str, rnd: int, ev: _Evaluation) -> _Purchase:
        """Charge the supporters of ``pid`` and move them to new budget levels."""
        share = ev.paying  # per point, in units of 1/den
        price = share / self.den / self.scale  # per point, in currency units
        factor = share.denominator
        self.den *= factor  # so that every new budget is an integer over the new denominator
        self.epoch_factor = [f * factor for f in self.epoch_factor] + [1]
        current = len(self.epoch_factor) - 1
        pay = share.numerator  # per point, over the new denominator
        num, epoch = self.level_num, self.level_epoch
        new_level = {}
        for index, (budget, _, points, group) in enumerate(ev.groups):
            left = 0 if index < ev.poor else budget * factor - pay * points
            if left == 0:
                new_level[group] = 0
            else:
                new_level[group] = len(num)
                num.append(left)
                epoch.append(current)
        rows = self.rows[pid]
        if ev.inverse is None:
            mapping = np.arange(len(num), dtype=np.int64)
            mapping[list(new_level)] = list(new_level.values())
            self.level[rows] = mapping[self.level[rows]]
        else:
            mapping = np.zeros(len(ev.groups), dtype=np.int64)
            mapping[list(new_level)] = list(new_level.values())
            self.level[rows] = mapping[ev.inverse]
        paid_all = sum(voters for _, voters, _, _ in ev.groups[:ev.poor])
        return _Purchase(pid, rnd, price, self.supporters[pid], paid_all)

    def total_cost(self, selected) -> Number:
        return self.instance.total_cost(selected)

    def is_exhaustive(self, selected: list[str]) -> bool:
        """No candidate project could be added without exceeding the budget."""
        left = self.instance.budget - self.total_cost(selected)
        chosen = set(selected)
        return all(self.instance.cost(p) > left for p in self.candidates if p not in chosen)


def _outcome(rule: str, engine: _EqualShares, run: _Run, unit: str, details: dict) -> Outcome:
    instance = engine.instance
    explanations: dict[str, Explanation] = {}
    for pid in run.free:
        explanations[pid] = Explanation(
            pid, SELECTED, round=0, price_per_supporter=0,
            reason="Selected before round 1: it costs nothing and has supporters.")
    per = "per point" if not engine.approval else "each"
    for purchase in run.purchases:
        pid = purchase.project_id
        also = (f"; {purchase.paid_all_they_had:,} of them could not pay the full share and "
                f"paid all they had left" if purchase.paid_all_they_had else "")
        explanations[pid] = Explanation(
            pid, SELECTED, round=purchase.round, price_per_supporter=purchase.price,
            reason=f"Selected in round {purchase.round}: its {purchase.supporters:,} supporters "
                   f"shared its cost of {show(instance.cost(pid))}, paying {show(purchase.price)} "
                   f"{per}{also}.")
    for pid in engine.candidates:
        if pid in explanations:
            continue
        rnd, left = run.unaffordable.get(pid, (None, None))
        money = f" had {show(left)} left in total" if left is not None else " could not pay"
        explanations[pid] = Explanation(
            pid, NOT_AFFORDABLE, round=rnd,
            reason=f"Not selected: its {engine.supporters[pid]:,} supporters{money}, "
                   f"less than its cost of {show(instance.cost(pid))}.")
    for pid in engine.unsupported:
        why = ("no voter supports it" if engine.cost[pid] or unit == "cardinality"
               else "it costs nothing, so under cost satisfaction it satisfies no one")
        explanations[pid] = Explanation(pid, NO_SUPPORT, reason=f"Not selected: {why}.")
    selected = run.selected
    return Outcome(rule, selected, instance.total_cost(selected), instance.budget,
                   {pid: explanations[pid] for pid in instance.ids}, details)


def _no_voters(rule: str, instance: Instance) -> Outcome:
    explanations = {pid: Explanation(pid, NO_SUPPORT, reason="Not selected: nobody voted.")
                    for pid in instance.ids}
    return Outcome(rule, [], 0, instance.budget, explanations)


def equal_shares(instance: Instance, ballots, *, satisfaction: str = "cost",
                 tie_break: str = DEFAULT_TIE_BREAK) -> Outcome:
    """Method of Equal Shares: each voter starts with ``budget / number of voters``."""
    profile = as_profile(instance, ballots)
    if profile.num_voters == 0:
        return _no_voters("mes", instance)
    engine = _EqualShares(instance, profile, satisfaction, tie_break)
    share = Fraction(instance.budget) / profile.num_voters
    return _outcome("mes", engine, engine.run(share), satisfaction,
                    {"satisfaction": satisfaction, "budget_per_voter": share})


def equal_shares_add1(instance: Instance, ballots, *, satisfaction: str = "cost",
                      tie_break: str = DEFAULT_TIE_BREAK, increment: Number = 1) -> Outcome:
    """MES completed by raising every voter's starting budget by ``increment`` currency units
    at a time, rerunning MES each time: it stops with the first outcome that leaves no
    candidate project affordable within the real budget (exhaustive), or, as soon as an
    outcome would cost more than the real budget, with the outcome before it."""
    profile = as_profile(instance, ballots)
    if profile.num_voters == 0:
        return _no_voters("mes-add1", instance)
    engine = _EqualShares(instance, profile, satisfaction, tie_break)
    share = Fraction(instance.budget) / profile.num_voters
    previous, previous_share, runs = _Run([], list(engine.free)), share, 0
    while True:
        run = engine.run(share)
        runs += 1
        if engine.total_cost(run.selected) > instance.budget:
            run, share = previous, previous_share
            break
        if engine.is_exhaustive(run.selected):
            break
        previous, previous_share = run, share
        share += increment
    return _outcome("mes-add1", engine, run, satisfaction,
                    {"satisfaction": satisfaction, "budget_per_voter": share, "runs": runs})


def equal_shares_then_greedy(instance: Instance, ballots, *, satisfaction: str = "cost",
                             tie_break: str = DEFAULT_TIE_BREAK) -> Outcome:
    """MES, then the money left is spent greedily by score on the projects that still fit."""
    profile = as_profile(instance, ballots)
    outcome = equal_shares(instance, profile, satisfaction=satisfaction, tie_break=tie_break)
    selected = list(outcome.selected)
    explanations = dict(outcome.explanations)
    chosen = set(selected)
    rest = [pid for pid in instance.ids if pid not in chosen]
    greedy_rule.fill(instance, profile, rest, selected, explanations, tie_break=tie_break)
    for pid in rest:  # keep why MES passed over projects the completion could not fund either
        if not explanations[pid].selected and pid in outcome.explanations:
            first = outcome.explanations[pid]
            explanations[pid] = Explanation(pid, first.code, f"{first.reason} "
                                            f"{explanations[pid].reason}", first.round,
                                            score=explanations[pid].score)
    outcome.rule = "mes-greedy"
    outcome.selected = selected
    outcome.total_cost = instance.total_cost(selected)
    outcome.explanations = {pid: explanations[pid] for pid in instance.ids}
    return outcome
