"""Greedy selection by score: the most-voted project first, while the budget lasts.

The score of a project is its number of votes (approval and budget ballots) or its total
points (cumulative and ordinal ballots). With ``skip=True`` a project that does not fit the
remaining budget is passed over and the next one tried, so every project that still fits at
the end is funded; projects nobody voted for come last and are funded only with money left
over, as pabutools' greedy rule with cost satisfaction does. With ``skip=False`` selection
stops at the first project that does not fit. With a ``threshold``, projects whose score is
below it are never funded.
"""

from __future__ import annotations

from ..explain import (AFTER_STOP, BELOW_THRESHOLD, COMPLETION, DOES_NOT_FIT, SELECTED,
                       Explanation, Outcome, show)
from ..instance import Instance, Number
from ..profile import Profile, as_profile
from ..tiebreak import DEFAULT_TIE_BREAK, tie_break_key


def greedy(instance: Instance, ballots, *, tie_break: str = DEFAULT_TIE_BREAK,
           skip: bool = True, threshold: Number | None = None) -> Outcome:
    """Greedy by score (``greedy``, ``greedy-no-skip`` and ``greedy-threshold`` rules)."""
    profile = as_profile(instance, ballots)
    rule = "greedy" if threshold is None else "greedy-threshold"
    if not skip:
        rule = "greedy-no-skip"
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
    fill(instance, profile, eligible, selected, explanations, tie_break=tie_break,
         skip=skip, code=SELECTED)
    details = {} if threshold is None else {"threshold": threshold}
    return Outcome(rule, selected, instance.total_cost(selected), instance.budget,
                   {pid: explanations[pid] for pid in instance.ids}, details)


def fill(instance: Instance, profile: Profile, candidates: list[str], selected: list[str],
         explanations: dict[str, Explanation], *, tie_break: str, skip: bool = True,
         code: str = COMPLETION) -> None:
    """Add ``candidates`` to ``selected`` greedily by score, explaining each of them.

    Used on its own (greedy rules) and to complete an allocation another rule left
    unfinished (Method of Equal Shares followed by greedy completion).
    """
    scores = profile.scores()
    unit = "votes" if profile.is_approval else "points"
    key = tie_break_key(tie_break, instance)
    order = sorted(candidates, key=lambda pid: (-scores[pid], key(pid)))
    remaining = instance.budget - instance.total_cost(selected)
    stopped_at = None
    for pid in order:
        cost = instance.cost(pid)
        score = scores[pid]
        if stopped_at is not None:
            explanations[pid] = Explanation(
                pid, AFTER_STOP, score=score,
                reason=f"Not selected: selection stopped at project {stopped_at}, the first "
                       f"that did not fit the remaining budget.")
        elif cost <= remaining:
            remaining -= cost
            selected.append(pid)
            stage = "" if code == SELECTED else " of the greedy completion"
            explanations[pid] = Explanation(
                pid, code, round=len(selected), score=score,
                reason=f"Selected in round {len(selected)}{stage} with {show(score)} {unit}: "
                       f"it costs {show(cost)}, leaving {show(remaining)}.")
        else:
            explanations[pid] = Explanation(
                pid, DOES_NOT_FIT, score=score,
                reason=f"Not selected: it costs {show(cost)} but only {show(remaining)} "
                       f"remained when its turn came ({show(score)} {unit}).")
            if not skip:
                stopped_at = pid
