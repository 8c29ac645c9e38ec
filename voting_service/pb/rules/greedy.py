"""Greedy selection by score: the most-voted project first, while the budget lasts.

The score of a project is its number of votes (approval and budget ballots) or its total
points (cumulative and ordinal ballots). With ``skip=True`` a project that does not fit the
remaining budget is passed over and the next one tried, so every project that still fits at
the end is funded; projects nobody voted for come last and are funded only with money left
over, as pabutools' greedy rule with cost satisfaction does. With ``skip=False`` selection
stops at the first project that does not fit. With a ``threshold``, projects whose score is
below it are never funded.

Exclusive groups (``exclusive.py``): a project whose group already has a funded project is
passed over, named with the project that excluded it; it never stops the selection.

Reserve completion (``reserve_share``, Poznań's rule): selection stops at the first project
that does not fit, as with ``skip=False``, but that project is still funded, from a reserve
outside the budget, when the money left covers at least ``reserve_share`` of its cost. Such
a project is marked as funded from the reserve (pabulib ``selected`` value 2).
"""

from __future__ import annotations

from ..exclusive import Exclusions
from ..explain import (AFTER_STOP, BELOW_THRESHOLD, COMPLETION, DOES_NOT_FIT, FROM_RESERVE,
                       SELECTED, Explanation, Outcome, incompatible, show)
from ..instance import Instance, Number
from ..profile import Profile, as_profile
from ..tiebreak import DEFAULT_TIE_BREAK, tie_break_key


def greedy(instance: Instance, ballots, *, tie_break: str = DEFAULT_TIE_BREAK,
           skip: bool = True, threshold: Number | None = None, exclusive=(),
           reserve_share: Number | None = None) -> Outcome:
    """Greedy by score (``greedy``, ``greedy-no-skip``, ``greedy-threshold`` and
    ``greedy-reserve`` rules); ``exclusive`` holds checked exclusive groups."""
    profile = as_profile(instance, ballots)
    exclusions = Exclusions(instance, exclusive)
    if reserve_share is not None:
        rule, skip = "greedy-reserve", False
    elif threshold is not None:
        rule = "greedy-threshold"
    else:
        rule = "greedy" if skip else "greedy-no-skip"
    explanations: dict[str, Explanation] = {}
    selected: list[str] = []
    scores = profile.scores()
    unit = "votes" if profile.is_approval else "points"
    eligible = []
    for pid in instance.ids:
        if threshold is not None and scores[pid] < threshold:
            explanations[pid] = Explanation(
                pid, BELOW_THRESHOLD, round=None, score=scores[pid],
                reason=f"Not selected: its {show(scores[pid])} {unit} are below the "
                       f"threshold of {show(threshold)}.")
        else:
            eligible.append(pid)
    details: dict = {}
    fill(instance, profile, eligible, selected, explanations, tie_break=tie_break,
         skip=skip, code=SELECTED, exclusions=exclusions, reserve_share=reserve_share,
         details=details)
    if threshold is not None:
        details["threshold"] = threshold
    return Outcome(rule, selected, instance.total_cost(selected), instance.budget,
                   {pid: explanations[pid] for pid in instance.ids}, details)


def fill(instance: Instance, profile: Profile, candidates: list[str], selected: list[str],
         explanations: dict[str, Explanation], *, tie_break: str, skip: bool = True,
         code: str = COMPLETION, exclusions: Exclusions | None = None,
         reserve_share: Number | None = None, details: dict | None = None) -> None:
    """Add ``candidates`` to ``selected`` greedily by score, explaining each of them.

    Used on its own (greedy rules) and to complete an allocation another rule left
    unfinished (Method of Equal Shares followed by greedy completion); ``exclusions`` then
    already knows which projects that rule's selection excluded.
    """
    exclusions = exclusions or Exclusions(instance)
    scores = profile.scores()
    unit = "votes" if profile.is_approval else "points"
    key = tie_break_key(tie_break, instance)
    order = exclusions.in_precedence(sorted(candidates, key=lambda pid: (-scores[pid], key(pid))))
    remaining = instance.budget - instance.total_cost(selected)
    stopped_at = None
    for pid in order:
        cost = instance.cost(pid)
        score = scores[pid]
        if exclusions.is_excluded(pid):
            explanations[pid] = incompatible(pid, exclusions.excluded_by[pid], score)
        elif stopped_at is not None:
            explanations[pid] = Explanation(
                pid, AFTER_STOP, score=score,
                reason=f"Not selected: selection stopped at project {stopped_at}, the first "
                       f"that did not fit the remaining budget.")
        elif cost <= remaining:
            remaining -= cost
            selected.append(pid)
            exclusions.fund(pid)
            stage = "" if code == SELECTED else " of the greedy completion"
            explanations[pid] = Explanation(
                pid, code, round=len(selected), score=score,
                reason=f"Selected in round {len(selected)}{stage} with {show(score)} {unit}: "
                       f"it costs {show(cost)}, leaving {show(remaining)}.")
        elif reserve_share is not None and remaining >= reserve_share * cost:
            selected.append(pid)
            exclusions.fund(pid)
            details["from_reserve"] = cost - remaining
            explanations[pid] = Explanation(
                pid, FROM_RESERVE, round=len(selected), score=score,
                reason=f"Selected in round {len(selected)} with {show(score)} {unit}, funded "
                       f"from the reserve: it costs {show(cost)}, more than the {show(remaining)} "
                       f"left, but that covers at least {show_share(reserve_share)} of its "
                       f"cost; the reserve pays the other {show(cost - remaining)}.")
            remaining, stopped_at = 0, pid
        else:
            explanations[pid] = Explanation(
                pid, DOES_NOT_FIT, score=score,
                reason=f"Not selected: it costs {show(cost)} but only {show(remaining)} "
                       f"remained when its turn came ({show(score)} {unit})"
                       + (f", less than {show_share(reserve_share)} of its cost."
                          if reserve_share is not None else "."))
            if not skip:
                stopped_at = pid


def show_share(share: Number) -> str:
    percent = share * 100
    return f"{show(percent)} %" if percent == int(percent) else f"{float(percent):.2f} %"
