"""Method of Equal Shares on small profiles, in plain Python with exact integers.

The numpy engine of mes.py pays a fixed cost per array operation, which dominates on
elections of up to a few hundred distinct ballots, where pabutools could be faster than
it. Below SMALL distinct ballots this engine runs instead: the same rule, decision for
decision (tests run both on the same elections), on one budget per distinct ballot (voters
casting the same ballot always hold the same budget), with every price computed exactly.
Its decision trace for add1 names the short supporters by ballot.
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd, lcm

from ..exclusive import Exclusions
from ..instance import Instance
from ..profile import Profile
from ..tiebreak import tie_break_key
from . import SATISFACTIONS
from .mes import _Ceilings, _EqualShares, _PriceQueue, _Purchase, _Run

# Distinct ballots below which the plain engine is faster than the numpy one (measured on
# the pabulib files: faster up to about 800 ballots, 1.5x slower at 1,200, 5x at 8,000).
SMALL = 1000


def make_engine(instance: Instance, profile: Profile, satisfaction: str, tie_break: str,
                exclusive=()) -> _EqualShares:
    """The faster engine for this profile."""
    if len(profile.counts) < SMALL:
        return _SmallEqualShares(instance, profile, satisfaction, tie_break, exclusive)
    return _EqualShares(instance, profile, satisfaction, tie_break, exclusive)


class _Ratio:
    """The exact ratio p / q (q > 0), compared by its float first: exact, since rounding is
    monotone, and cheaper than Fraction, which reduces every value it creates."""

    __slots__ = ("value", "p", "q")

    def __init__(self, p: int, q: int):
        self.value, self.p, self.q = p / q, p, q

    def __eq__(self, other):
        return self.value == other.value and self.p * other.q == other.p * self.q

    def __lt__(self, other):
        if self.value != other.value:
            return self.value < other.value
        return self.p * other.q < other.p * self.q

    def __gt__(self, other):
        return other < self


class _SmallEqualShares(_EqualShares):
    # Not calling _EqualShares.__init__, which builds the numpy arrays; what the shared
    # methods (total_cost, is_exhaustive) and the explanations read is set here. As there,
    # costs and points are scaled to integers and budgets are integers over one common
    # denominator: Python's Fraction arithmetic would be slower than the numpy engine.
    def __init__(self, instance: Instance, profile: Profile, satisfaction: str, tie_break: str,
                 exclusive=()):
        if satisfaction not in SATISFACTIONS:
            raise ValueError(f"unknown satisfaction {satisfaction!r}; expected cost or cardinality")
        self.instance, self.exclusive = instance, exclusive
        Exclusions(instance, exclusive)  # refuses groups naming unknown projects
        self.tie_key = tie_break_key(tie_break, instance)
        self.tie_rank = {pid: i for i, pid in enumerate(sorted(instance.ids, key=self.tie_key))}
        self.scale = lcm(1, *(p.cost.denominator for p in instance.projects))  # ints have one
        self.cost = {p.id: int(p.cost * self.scale) if self.scale > 1 else p.cost
                     for p in instance.projects}
        self.weight = {pid: (self.cost[pid] if satisfaction == "cost" else 1)
                       for pid in instance.ids}
        self.mult = list(profile.counts.values())
        raw = [points for ballot in profile.counts for _, points in ballot]
        self.approval = all(points == 1 for points in raw)
        point_scale = lcm(1, *(points.denominator for points in raw))
        points_of: dict[str, list[tuple[int, int]]] = {pid: [] for pid in instance.ids}
        for row, ballot in enumerate(profile.counts):
            for pid, points in ballot:
                points_of[pid].append((row, int(points * point_scale) if point_scale > 1
                                         else points))
        # Budgets per point compare exactly as integers once multiplied by this.
        self.common = lcm(1, *(points for pairs in points_of.values() for _, points in pairs))
        self.free, self.candidates, self.unsupported = [], [], []
        self.points, self.supporters, self.total_points = {}, {}, {}
        for pid in instance.ids:
            total = sum(points * self.mult[row] for row, points in points_of[pid])
            if total * self.weight[pid] == 0:
                self.unsupported.append(pid)
            elif self.cost[pid] == 0:
                self.free.append(pid)
            else:
                self.candidates.append(pid)
                self.points[pid], self.total_points[pid] = points_of[pid], total
                self.supporters[pid] = sum(self.mult[row] for row, _ in points_of[pid])

    def run(self, per_voter_budget: Fraction, trace: list | None = None,
            ceilings: list | None = None) -> _Run:
        # In lowest terms with gcd (not a Fraction product, slower on small elections).
        num = per_voter_budget.numerator * self.scale
        common = gcd(num, per_voter_budget.denominator)
        budget = [num // common] * len(self.mult)
        den = per_voter_budget.denominator // common
        exclusions = Exclusions(self.instance, self.exclusive)
        result = _Run([], [])
        for pid in self.free:
            if not exclusions.is_excluded(pid):
                result.free.append(pid)
                exclusions.fund(pid)
        remaining = set(self.candidates) - set(exclusions.excluded_by)
        # As in the numpy engine: a project's price from an earlier round is a lower bound
        # of its price now, so it is re-evaluated only if it could still win (the same
        # projects are evaluated, and explained, by both engines).
        bound = {pid: _Ratio(self.cost[pid], self.weight[pid] * self.total_points[pid])
                 for pid in remaining}
        queue = _PriceQueue(bound, self.tie_rank)
        check = None if ceilings is None else _Ceilings(ceilings, self.tie_rank)
        rnd = 0
        while remaining:
            rnd += 1
            best, tied, evaluations, seen = None, [], {}, {}
            while (pid := queue.pop_below(best if check is None else check.limit(rnd, best),
                                          remaining)) is not None:
                owed, points_left, poor = self._price(pid, budget, den)
                if poor is None:
                    remaining.discard(pid)
                    left = sum(budget[row] * self.mult[row] for row, _ in self.points[pid])
                    result.unaffordable[pid] = (rnd, left, den * self.scale)
                    seen[pid] = None
                    continue
                seen[pid] = tuple(sorted(poor))
                rho = bound[pid] = _Ratio(owed, self.weight[pid] * points_left * den)
                evaluations[pid] = (owed, points_left, poor)
                if best is None or rho < best:
                    best, tied = rho, [pid]
                elif rho == best:
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
            owed, points_left, poor = evaluations[winner]
            remaining.discard(winner)
            remaining.difference_update(exclusions.fund(winner))
            # Paid per point, over den, in lowest terms (so that den grows no more than
            # needed; gcd rather than Fraction, which costs more on small elections).
            common = gcd(owed, points_left)
            pay, factor = owed // common, points_left // common
            result.purchases.append(_Purchase(winner, rnd, pay, factor * den * self.scale,
                                              self.supporters[winner],
                                              sum(self.mult[row] for row in poor)))
            result.prices.append((winner, bound[winner]))
            budget = [b * factor for b in budget]
            for row, points in self.points[winner]:
                budget[row] = 0 if row in poor else budget[row] - pay * points
            den *= factor
        if check is not None:
            check.check(rnd + 1, None, {})  # ran out of projects: so must the lo run have
            result.within, result.plain = check.held, False
        result.excluded_by = exclusions.excluded_by
        return result

    def _price(self, pid: str, budget: list[int], den: int):
        """(owed, points left, ballots paying all they have) once the supporters who cannot
        pay the full share have paid; ballots None when they cannot afford the project."""
        owed, points_left, poor = self.cost[pid] * den, self.total_points[pid], set()
        common = self.common
        for row, points in sorted(self.points[pid],
                                  key=lambda rp: budget[rp[0]] * (common // rp[1])):
            if owed * points <= budget[row] * points_left:
                return owed, points_left, poor
            owed -= budget[row] * self.mult[row]
            points_left -= points * self.mult[row]
            poor.add(row)
        return owed, points_left, None
