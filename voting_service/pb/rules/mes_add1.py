"""Method of Equal Shares completed by raising the voters' starting budget ("add1").

Every voter's starting budget is raised by ``increment`` currency units at a time (one unit by
default), rerunning MES each time: the rule stops with the first outcome that leaves no
candidate project affordable within the real budget (exhaustive), or, as soon as an outcome
would cost more than the real budget, with the outcome before it. This is pabutools 1.2.3
``method_of_equal_shares(..., voter_budget_increment=1)``, step for step.

Why it does not run MES at every step: while the same decisions are taken, everything MES
computes is an affine function of the starting budget ``b``. A voter's budget starts at ``b``;
a project's price is (cost - what the supporters who cannot pay the full share have) / (the
others' satisfaction), affine as long as the same supporters are short; what a supporter has
left after paying is affine again. Every decision compares two such functions (is a group
short of the share, can the supporters afford the project, which price is lowest, is a
project's price from an earlier round, a lower bound, above the best one). Two affine functions
compare the same way at both ends of an interval only if they do throughout it. So when the
runs at two steps take exactly the same decisions (their traces are equal: the same winner
in each round, and for every project evaluated in it, the same short groups or the same
verdict "unaffordable"), every step between them takes them too and selects the same
projects.

Equal traces are rare where some group of supporters switches between paying its share and
paying all it has at almost every step, even where the winners stay the same for dozens of
steps (Budapest 2024). A second certificate covers that: the run at the higher
step is given the lower run's winning prices as ceilings and checks that, in every round, it
has the same winner and every other project costs more than the ceiling (mes._Ceilings:
prices only fall as budgets grow, so every budget in between has the same winners). Either
certificate lets the scan skip the steps in between.

The scan gallops: it tries 1, 2, 4, ... steps ahead while a certificate holds. A probe that
has none is a fence (something may change before it): the scan bisects towards the fence
until the fence is the next step, whose run is then the real outcome there, and gallops on
from it. Where nothing can be skipped, this is the step-by-step scan, with no extra run.
"""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

from ..explain import Outcome
from ..instance import Instance, Number
from ..profile import as_profile
from ..tiebreak import DEFAULT_TIE_BREAK
from .mes import _EqualShares, _no_voters, _outcome, _Run
from .mes_small import make_engine


def equal_shares_add1(instance: Instance, ballots, *, satisfaction: str = "cost",
                      tie_break: str = DEFAULT_TIE_BREAK, increment: Number = 1,
                      exclusive=()) -> Outcome:
    """MES with add1 completion; ``details["runs"]`` counts the MES runs made."""
    profile = as_profile(instance, ballots)
    if profile.num_voters == 0:
        return _no_voters("mes-add1", instance)
    scan = _Scan(make_engine(instance, profile, satisfaction, tie_break, exclusive),
                 Fraction(instance.budget) / profile.num_voters, Fraction(increment))
    run, step = scan.first_stop()
    if not run.plain:
        # A run checked against ceilings evaluates more projects and may find one
        # unaffordable in an earlier round: the explanations come from a plain run.
        run = scan.engine.run(scan.share(step))
        scan.runs += 1
    return _outcome("mes-add1", scan.engine, run, satisfaction, {
        "satisfaction": satisfaction, "budget_per_voter": scan.share(step),
        "runs": scan.runs})


# Past a fence, galloping restarts at an eighth of the jump it had reached: on Budapest 2024
# the steps that can change something come every few dozen steps (8 beat 1, 2, 4 and 16).
RESTART = 8


class _Probe(NamedTuple):
    step: int
    run: _Run
    trace: list
    verdict: str  # "over" (costs more than the budget), "exhaustive" or "continue"
    same: bool  # every step from the anchor's to this one selects what the anchor selects


class _Scan:
    def __init__(self, engine: _EqualShares, start: Fraction, increment: Fraction):
        self.engine, self.start, self.increment = engine, start, increment
        # start + step * increment over one denominator: a single Fraction per step, where
        # Fraction's mixed arithmetic costs several (a visible share on small elections).
        self._den = start.denominator * increment.denominator
        self._first = start.numerator * increment.denominator
        self._per_step = increment.numerator * start.denominator
        self.runs = 0

    def share(self, step: int) -> Fraction:
        return Fraction(self._first + step * self._per_step, self._den)

    def probe(self, step: int, anchor: _Probe | None = None) -> _Probe:
        """The run at ``step``, and whether the steps from ``anchor`` (a lower step) to it
        are known to select the same projects: by equal traces, or by the ceilings."""
        trace: list = []
        run = self.engine.run(self.share(step), trace,
                              None if anchor is None else anchor.run.prices)
        self.runs += 1
        cost = self.engine.total_cost(run.selected)
        if cost > self.engine.instance.budget:
            verdict = "over"
        elif self.engine.is_exhaustive(run.selected, cost):
            verdict = "exhaustive"
        else:
            verdict = "continue"
        same = anchor is not None and (run.within or trace == anchor.trace)
        return _Probe(step, run, trace, verdict, same)

    def first_stop(self) -> tuple[_Run, int]:
        """The outcome of the step-by-step scan and the step it stops at."""
        low = self.probe(0)
        if low.verdict == "over":  # even the real budget overshoots: nothing but free projects
            return _Run([], list(self.engine.free)), 0
        # Gallop while the steps are known to select the same; when a probe cannot tell,
        # it is a fence: something may change between low and it. Bisect towards the fence
        # until it is the next step, whose run is then the real next outcome.
        jump, fence = 1, None
        while low.verdict == "continue":
            if fence is not None and fence.step == low.step + 1:
                if fence.verdict == "over":  # the next step overshoots: low is the outcome
                    break
                low, fence, jump = fence, None, max(1, jump // RESTART)
                continue
            if fence is None:
                high = self.probe(low.step + jump, low)
            else:
                high = self.probe((low.step + fence.step) // 2, low)
            if high.same:  # every step up to high continues, as low does
                low = high
                if fence is None:
                    jump *= 2
            else:
                fence = high
        return low.run, low.step
