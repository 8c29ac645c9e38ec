"""Method of Equal Shares (MES) and its greedy completion, with exact arithmetic; the engine
here also serves the budget-increment completion ("add1", in mes_add1.py).

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
from heapq import heapify, heappop, heappush
from math import lcm

import numpy as np

from ..exclusive import Exclusions
from ..explain import (INCOMPATIBLE, NO_SUPPORT, NOT_AFFORDABLE, SELECTED, Explanation, Outcome,
                       incompatible, show)
from ..instance import Instance, Number
from ..profile import Profile, as_profile
from ..tiebreak import DEFAULT_TIE_BREAK, tie_break_key
from . import SATISFACTIONS
from .greedy import fill as greedy_fill



@dataclass
class _Purchase:
    """One funded project: a supporter paid ``paid / per`` per point (if they could). The
    ratio is reduced to a Fraction only when asked for: add1 makes runs whose prices nobody
    reads, and on small elections reducing them was a visible part of the time."""

    project_id: str
    round: int
    paid: int
    per: int
    supporters: int
    paid_all_they_had: int

    @property
    def price(self) -> Fraction:
        return Fraction(self.paid, self.per)


@dataclass
class _Run:
    """The result of one MES run for a given starting budget per voter. ``unaffordable``
    maps a project to (round, what its supporters had left in total as a numerator and a
    denominator), reduced only for the explanations, as prices are."""

    purchases: list[_Purchase]
    free: list[str]
    unaffordable: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    excluded_by: dict[str, str] = field(default_factory=dict)
    # (winner, its exact price key) of every round: the ceilings of a run at a higher budget
    prices: list = field(default_factory=list)
    within: bool = True  # the run stayed within the ceilings it was given (see _Ceilings)
    plain: bool = True  # it was given no ceilings

    @property
    def selected(self) -> list[str]:
        return self.free + [p.project_id for p in self.purchases]


@dataclass
class _Evaluation:
    """A project's supporters at one moment, grouped by (budget level, points) and sorted by
    budget per point; the first ``poor`` groups cannot pay the full share and pay all they
    have. ``rho`` is None when the supporters cannot afford the project at all."""

    rho: Fraction | None
    share: Fraction | None  # paid per point by the other groups, over the common denominator
    left: int  # what the supporters have in total, over the common denominator (if unaffordable)
    levels: np.ndarray
    points: np.ndarray
    counts: np.ndarray
    poor: int
    row_group: np.ndarray | None  # scored ballots: the group of each supporting row

    def poor_key(self) -> bytes | None:
        """The groups that cannot pay the full share, as an order-free key (None when the
        project is unaffordable)."""
        if self.rho is None:
            return None
        pairs = np.stack([self.levels[:self.poor], self.points[:self.poor]])
        return pairs[:, np.lexsort(pairs[::-1])].tobytes()


# Relative error allowed between a float and the exact budget it approximates. Floats are
# correctly rounded from the exact values (error < 2**-52 relative), so this is generous.
_TOLERANCE = 1e-12


class _PriceQueue:
    """The projects still in play, by a lower bound on their price, then by the tie-break.

    A round evaluates projects in this order until the next bound exceeds the best price
    found. Only the few projects a round evaluates change bound, so they leave the heap when
    evaluated and return with their new bound at the end of the round (not before: it must
    not evaluate them twice); sorting every project every round took half of a run on
    Toulouse 2022. Projects that left play are dropped when they reach the top."""

    def __init__(self, bounds: dict, rank: dict[str, int]):
        self.rank = rank
        self.heap = [(bound, rank[pid], pid) for pid, bound in bounds.items()]
        heapify(self.heap)

    def pop_below(self, best, remaining: set[str]) -> str | None:
        """The next project of ``remaining`` whose bound does not exceed ``best`` (any
        project when ``best`` is None), or None."""
        heap = self.heap
        while heap:
            bound, _, pid = heap[0]
            if pid not in remaining:
                heappop(heap)
            elif best is not None and bound > best:
                return None
            else:
                heappop(heap)
                return pid
        return None

    def push(self, pid: str, bound) -> None:
        heappush(self.heap, (bound, self.rank[pid], pid))


class _Ceilings:
    """Checks that a run at a higher starting budget ``hi`` keeps, round by round, the winners
    of the run at ``lo`` with room to spare; then every budget between ``lo`` and ``hi`` funds
    the same projects in the same order (mes_add1.py relies on it).

    Why: a project's price only falls when any supporter has more money (they pay the lower
    of their budget and price x satisfaction, and the price is the least that covers the
    cost), and paying a lower price leaves each supporter more. So, by induction over
    rounds, while the winners are the same every voter's budget at a budget in between lies
    between their budgets in the ``lo`` and ``hi`` runs, and so does every price: each
    project's price is at least its price in the ``hi`` run, the winner's at most its price
    in the ``lo`` run (the ceiling), and a project unaffordable at ``hi`` is so below. The
    winner is therefore the same in between when every other project's ``hi`` price is
    above the ceiling, or equal to it and behind the winner in the tie-break. A round
    evaluates projects up to the ceiling (not only up to the best price) to check this."""

    def __init__(self, prices: list, rank: dict[str, int]):
        self.prices, self.rank, self.held = prices, rank, True

    def limit(self, rnd: int, best):
        """Evaluate projects whose bound does not exceed this (best: the lowest price yet)."""
        if not self.held or rnd > len(self.prices):
            return best
        ceiling = self.prices[rnd - 1][1]
        return best if best is not None and ceiling < best else ceiling

    def check(self, rnd: int, winner: str | None, keys: dict) -> None:
        """``keys``: the price key of every project evaluated and affordable in round rnd."""
        if not self.held:
            return
        if rnd > len(self.prices):  # the lo run stopped here: so must this one
            self.held = winner is None
            return
        expected, ceiling = self.prices[rnd - 1]
        rank = self.rank[expected]
        self.held = winner == expected and all(
            key > ceiling or (key == ceiling and self.rank[pid] > rank)
            for pid, key in keys.items() if pid != winner)


class _EqualShares:
    """Precomputed, reusable state of MES on one instance and profile."""

    def __init__(self, instance: Instance, profile: Profile, satisfaction: str, tie_break: str,
                 exclusive=()):
        if satisfaction not in SATISFACTIONS:
            raise ValueError(f"unknown satisfaction {satisfaction!r}; expected cost or cardinality")
        self.instance = instance
        self.exclusive = exclusive
        Exclusions(instance, exclusive)  # refuses groups naming unknown projects
        self.tie_key = tie_break_key(tie_break, instance)
        self.tie_rank = {pid: i for i, pid in enumerate(sorted(instance.ids, key=self.tie_key))}
        # Costs become integers in units of 1/scale of the currency, points integers too
        # (MES is unchanged when all utilities are multiplied by the same constant).
        self.scale = lcm(1, *(Fraction(p.cost).denominator for p in instance.projects))
        self.cost = {p.id: int(p.cost * self.scale) for p in instance.projects}
        if max(instance.budget * self.scale, *self.cost.values()) >= 10 ** 300:
            raise ValueError("the costs are too precise for the Method of Equal Shares: over "
                             "their common denominator, amounts exceed 300 digits")
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
        if not all(isinstance(s, int) for s in raw_points):
            point_scale = lcm(*(Fraction(s).denominator for s in raw_points))
            raw_points = [int(s * point_scale) for s in raw_points]
        # Totals of points are summed in 64-bit integers: refuse what could overflow them.
        if raw_points and max(raw_points) * profile.num_voters >= 2 ** 62:
            raise ValueError("the points are too large (or too precise) for the Method of "
                             "Equal Shares: their totals would exceed 2**62")
        flat_points = np.array(raw_points, dtype=np.int64)
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

    def run(self, per_voter_budget: Fraction, trace: list | None = None,
            ceilings: list | None = None) -> _Run:
        """One run of MES where every voter starts with ``per_voter_budget`` (currency units).

        With a ``trace`` list, appends one entry per round: the winner and, for every project
        evaluated in the round, which groups could not pay the full share (or None when the
        project became unaffordable). Two runs with equal traces made the same exact decisions
        (see mes_add1.py). With ``ceilings``, the ``prices`` of a run at a lower budget,
        ``within`` of the result says whether this run kept that run's winners with room to
        spare (_Ceilings). The winners are the same either way, but such a run evaluates
        more projects, so its records of unaffordable projects can differ."""
        start = Fraction(per_voter_budget) * self.scale
        # Budget levels: level k holds level_num[k] * epoch_factor[level_epoch[k]] / self.den
        # (scaled currency): rescaling the common denominator after a purchase only updates
        # one factor per purchase. level_float[k] is that value correctly rounded, used to
        # order and screen groups quickly; every decision is then confirmed exactly.
        # Level 0 is the empty purse.
        # Exact values are Python ints held in numpy object arrays, so that elementwise work
        # runs in numpy's loops rather than in the interpreter.
        self.den = start.denominator
        self.num_levels = 2
        self.level_num = np.zeros(1024, dtype=object)
        self.level_num[1] = start.numerator
        self.level_epoch = np.zeros(1024, dtype=np.int64)
        self.epoch_factor = np.array([1], dtype=object)
        self.level_float = np.zeros(1024)
        self.level_float[1] = start.numerator / start.denominator
        self.level = np.ones(self.num_rows, dtype=np.int64)
        # Funding a project drops the others of its exclusive group (free ones included).
        exclusions = Exclusions(self.instance, self.exclusive)
        result = _Run([], [])
        for pid in self.free:
            if not exclusions.is_excluded(pid):
                result.free.append(pid)
                exclusions.fund(pid)
        remaining = set(self.candidates) - set(exclusions.excluded_by)
        bound = {}  # a lower bound on each project's price, as an exactly ordered key
        for p in remaining:
            rho = Fraction(self.cost[p], self.weight[p] * self.total_points[p])
            bound[p] = (float(rho), rho)
        queue = _PriceQueue(bound, self.tie_rank)
        check = None if ceilings is None else _Ceilings(ceilings, self.tie_rank)
        rnd = 0
        while remaining:
            rnd += 1
            best, tied, evaluations, seen = None, [], {}, {}
            while (pid := queue.pop_below(best if check is None else check.limit(rnd, best),
                                          remaining)) is not None:
                evaluation = self._evaluate(pid)
                if trace is not None:
                    seen[pid] = evaluation.poor_key()
                if evaluation.rho is None:
                    remaining.discard(pid)
                    result.unaffordable[pid] = (rnd, evaluation.left, self.den * self.scale)
                    continue
                # (float(x), x) orders exactly like x: rounding to float is monotone.
                key = (float(evaluation.rho), evaluation.rho)
                bound[pid] = key
                evaluations[pid] = evaluation
                if best is None or key < best:
                    best, tied = key, [pid]
                elif key == best:
                    tied.append(pid)
            winner = min(tied, key=self.tie_key) if tied else None
            if check is not None:
                check.check(rnd, winner, {pid: bound[pid] for pid in evaluations})
            if trace is not None:
                trace.append((winner, sorted(seen.items())))
            if winner is None:
                break
            for pid in evaluations:
                if pid != winner:
                    queue.push(pid, bound[pid])
            remaining.discard(winner)
            remaining.difference_update(exclusions.fund(winner))
            result.purchases.append(self._buy(winner, rnd, evaluations[winner]))
            result.prices.append((winner, bound[winner]))
        if check is not None:
            check.check(rnd + 1, None, {})  # ran out of projects: so must the lo run have
            result.within, result.plain = check.held, False
        result.excluded_by = exclusions.excluded_by
        return result

    def _exact(self, levels: np.ndarray) -> np.ndarray:
        """Exact budgets of ``levels`` (Python ints), over the common denominator self.den."""
        return self.level_num[levels] * self.epoch_factor[self.level_epoch[levels]]

    def _groups(self, pid: str):
        """Supporters of ``pid`` grouped by (level, points), sorted by float budget per point:
        (levels, points, voters, budget per point, group of each row or None)."""
        rows = self.rows[pid]
        if self.approval:
            counts = np.bincount(self.level[rows], weights=self.mult[pid])
            levels = np.flatnonzero(counts)
            ratio = self.level_float[levels]
            order = np.argsort(ratio, kind="stable")
            levels = levels[order]
            return levels, np.ones(len(levels), dtype=np.int64), \
                counts[levels].astype(np.int64), ratio[order], None
        points = self.points[pid]
        width = int(points.max()) + 1
        unique, inverse = np.unique(self.level[rows] * width + points, return_inverse=True)
        counts = np.bincount(inverse, weights=self.mult[pid]).astype(np.int64)
        levels, pts = unique // width, unique % width
        ratio = self.level_float[levels] / pts
        order = np.argsort(ratio, kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return levels[order], pts[order], counts[order], ratio[order], rank[inverse.ravel()]

    def _evaluate(self, pid: str) -> _Evaluation:
        """The exact price per unit of satisfaction of ``pid`` now (None if unaffordable)."""
        levels, points, counts, ratio, row_group = self._groups(pid)
        total_points = self.total_points[pid]
        # A float walk proposes which groups cannot pay the full share...
        paid = self.level_float[levels] * counts
        weight = (points * counts).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = (self.cost[pid] - (np.cumsum(paid) - paid)) / (total_points - (np.cumsum(weight) - weight))
        rich = ratio >= share
        poor = int(np.argmax(rich)) if rich.any() else len(levels)
        # ... and exact arithmetic confirms it, or redoes the walk exactly.
        evaluation = self._confirm(pid, levels, points, counts, ratio, poor, row_group)
        if evaluation is None:
            evaluation = self._exact_walk(pid, levels, points, counts, row_group)
        return evaluation

    def _settle(self, pid, levels, points, counts, poor):
        """(owed, points left) over self.den once the first ``poor`` groups paid all they have."""
        paid = (self._exact(levels[:poor]) * counts[:poor].astype(object)).sum()
        owed = self.cost[pid] * self.den - int(paid)
        return owed, self.total_points[pid] - int((points[:poor] * counts[:poor]).sum())

    def _confirm(self, pid, levels, points, counts, ratio, poor, row_group):
        owed, points_left = self._settle(pid, levels, points, counts, poor)
        if poor == len(levels):
            if owed > 0:
                return _Evaluation(None, None, self.cost[pid] * self.den - owed, levels, points,
                                   counts, poor, row_group)
            return None
        # The poor groups must all have less than the share, the others at least the share.
        # Only groups whose float is within the tolerance of the boundary can be misordered.
        if poor:
            edge = ratio[poor - 1]
            first = int(np.searchsorted(ratio[:poor], edge - abs(edge) * _TOLERANCE, side="left"))
            budgets = self._exact(levels[first:poor])
            if (budgets * points_left >= owed * points[first:poor].astype(object)).any():
                return None
        edge = ratio[poor]
        last = poor + int(np.searchsorted(ratio[poor:], edge + abs(edge) * _TOLERANCE, side="right"))
        budgets = self._exact(levels[poor:last])
        if (budgets * points_left < owed * points[poor:last].astype(object)).any():
            return None
        return self._priced(pid, owed, points_left, levels, points, counts, poor, row_group)

    def _priced(self, pid, owed, points_left, levels, points, counts, poor, row_group):
        rho = Fraction(owed, self.weight[pid] * points_left * self.den)
        return _Evaluation(rho, Fraction(owed, points_left), 0, levels, points, counts, poor,
                           row_group)

    def _exact_walk(self, pid, levels, points, counts, row_group) -> _Evaluation:
        """The walk of the definition, in exact arithmetic (when floats cannot decide)."""
        budgets = self._exact(levels).tolist()
        pts = points.tolist()
        order = sorted(range(len(budgets)), key=lambda i: Fraction(budgets[i], pts[i]))
        if row_group is not None:
            rank = np.empty(len(order), dtype=np.int64)
            rank[np.array(order, dtype=np.int64)] = np.arange(len(order))
            row_group = rank[row_group]
        index = np.array(order, dtype=np.int64)
        levels, points, counts = levels[index], points[index], counts[index]
        owed, points_left = self.cost[pid] * self.den, self.total_points[pid]
        for poor, i in enumerate(order):
            if owed * pts[i] <= budgets[i] * points_left:
                return self._priced(pid, owed, points_left, levels, points, counts, poor,
                                    row_group)
            owed -= budgets[i] * int(counts[poor])
            points_left -= int(counts[poor]) * pts[i]
        return _Evaluation(None, None, self.cost[pid] * self.den - owed, levels, points, counts,
                           len(order), row_group)

    def _buy(self, pid: str, rnd: int, ev: _Evaluation) -> _Purchase:
        """Charge the supporters of ``pid`` and move them to new budget levels."""
        # per point, in currency units
        paid, per = ev.share.numerator, ev.share.denominator * self.den * self.scale
        budgets = self._exact(ev.levels[ev.poor:])
        factor, pay = ev.share.denominator, ev.share.numerator
        self.den *= factor  # every new budget is an integer over the new denominator
        self.epoch_factor = np.append(self.epoch_factor * factor, np.array([1], dtype=object))
        left = budgets * factor - pay * ev.points[ev.poor:].astype(object)
        # New levels are numbered in (old level, points) order, not in budget order, so that
        # a level's number depends only on the decisions that made it (add1 compares them).
        rich_levels, rich_points = ev.levels[ev.poor:], ev.points[ev.poor:]
        rank = np.empty(len(left), dtype=np.int64)
        rank[np.lexsort((rich_points, rich_levels))] = np.arange(len(left))
        first = self.num_levels
        end = self.num_levels = first + len(left)
        if end > len(self.level_float):
            size = max(2 * len(self.level_float), end)
            self.level_num = np.concatenate([self.level_num, np.zeros(size, dtype=object)])
            self.level_epoch = np.concatenate([self.level_epoch, np.zeros(size, dtype=np.int64)])
            self.level_float = np.concatenate([self.level_float, np.zeros(size)])
        self.level_num[first + rank] = left
        self.level_epoch[first:end] = len(self.epoch_factor) - 1
        self.level_float[first + rank] = (left / self.den).astype(np.float64)
        moved = np.zeros(len(ev.levels), dtype=np.int64)
        moved[ev.poor:] = first + rank
        rows = self.rows[pid]
        if ev.row_group is None:
            mapping = np.arange(end, dtype=np.int64)
            mapping[ev.levels] = moved
            self.level[rows] = mapping[self.level[rows]]
        else:
            self.level[rows] = moved[ev.row_group]
        paid_all = int(ev.counts[:ev.poor].sum())
        return _Purchase(pid, rnd, paid, per, self.supporters[pid], paid_all)

    def total_cost(self, selected) -> Number:
        return self.instance.total_cost(selected)

    def is_exhaustive(self, selected: list[str], cost: Number | None = None) -> bool:
        """No candidate project could be added without exceeding the budget (or funding two
        projects of an exclusive group); ``cost``, when given, is that of ``selected``."""
        left = self.instance.budget - (self.total_cost(selected) if cost is None else cost)
        exclusions = Exclusions(self.instance, self.exclusive)
        for pid in selected:
            exclusions.fund(pid)
        chosen = set(selected)
        return all(self.instance.cost(p) > left for p in self.candidates
                   if p not in chosen and not exclusions.is_excluded(p))


def _outcome(rule: str, engine: _EqualShares, run: _Run, unit: str, details: dict) -> Outcome:
    instance = engine.instance
    explanations: dict[str, Explanation] = {}
    for pid in run.free:
        explanations[pid] = Explanation(
            pid, SELECTED, round=0, price_per_supporter=0,
            reason="Selected before round 1: it costs nothing and has supporters.")
    per = "per point" if not engine.approval else "each"
    for purchase in run.purchases:
        pid, price = purchase.project_id, purchase.price
        also = (f"; {purchase.paid_all_they_had:,} of them could not pay the full share and "
                f"paid all they had left" if purchase.paid_all_they_had else "")
        explanations[pid] = Explanation(
            pid, SELECTED, round=purchase.round, price_per_supporter=price,
            reason=f"Selected in round {purchase.round}: its {purchase.supporters:,} supporters "
                   f"shared its cost of {show(instance.cost(pid))}, paying {show(price)} "
                   f"{per}{also}.")
    for pid in engine.candidates + engine.free:
        if pid in explanations:
            continue
        if pid in run.excluded_by and pid not in run.unaffordable:
            explanations[pid] = incompatible(pid, run.excluded_by[pid])
            continue
        rnd, left, per = run.unaffordable.get(pid, (None, None, None))
        money = (f" had {show(Fraction(left, per))} left in total" if left is not None
                 else " could not pay")
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
                 tie_break: str = DEFAULT_TIE_BREAK, exclusive=()) -> Outcome:
    """Method of Equal Shares: each voter starts with ``budget / number of voters``;
    ``exclusive`` holds checked exclusive groups."""
    profile = as_profile(instance, ballots)
    if profile.num_voters == 0:
        return _no_voters("mes", instance)
    from .mes_small import make_engine  # which imports this module

    engine = make_engine(instance, profile, satisfaction, tie_break, exclusive)
    share = Fraction(instance.budget) / profile.num_voters
    return _outcome("mes", engine, engine.run(share), satisfaction,
                    {"satisfaction": satisfaction, "budget_per_voter": share})


def equal_shares_then_greedy(instance: Instance, ballots, *, satisfaction: str = "cost",
                             tie_break: str = DEFAULT_TIE_BREAK, exclusive=()) -> Outcome:
    """MES, then the money left is spent greedily by score on the projects that still fit."""
    profile = as_profile(instance, ballots)
    outcome = equal_shares(instance, profile, satisfaction=satisfaction, tie_break=tie_break,
                           exclusive=exclusive)
    selected = list(outcome.selected)
    explanations = dict(outcome.explanations)
    exclusions = Exclusions(instance, exclusive)
    for pid in selected:
        exclusions.fund(pid)
    chosen = set(selected)
    rest = [pid for pid in instance.ids if pid not in chosen]
    greedy_fill(instance, profile, rest, selected, explanations, tie_break=tie_break,
                exclusions=exclusions)
    for pid in rest:  # keep why MES passed over projects the completion could not fund either
        if explanations[pid].code == INCOMPATIBLE:
            continue  # excluded, whatever MES found: that alone explains it
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
