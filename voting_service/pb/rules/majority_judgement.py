"""Majority judgement ranking, then greedy selection down the ranking while the budget lasts.

Every voter grades every project; a project a ballot leaves out gets grade value 0, the worst.
Grade values are ordered, higher is better (for a grades ballot, the best grade has the
highest value; for points ballots the points are the grades).

A project's majority grade is the lower median of its grades (with an even number of
voters, the worse of the two middle grades). Projects with equal majority grades are
ordered by their majority-value sequences (Balinski and Laraki): remove one instance of the
majority grade and take the majority grade of what is left, again and again; the first
difference decides. Projects with identical sequences are ordered by the tie-break.
Selection then walks down the ranking and funds every project that fits the remaining budget.
"""

from __future__ import annotations

from functools import cmp_to_key

import numpy as np

from ..explain import DOES_NOT_FIT, SELECTED, Explanation, Outcome, show
from ..instance import Instance
from ..profile import Profile, as_profile
from ..tiebreak import DEFAULT_TIE_BREAK, tie_break_key


def removal_order(n: int) -> np.ndarray:
    """Positions, in a list of n grades sorted worst to best, in the order in which repeated
    lower medians are taken. The taken positions always form one block around the middle,
    so what is left is ``[0, low]`` plus ``[high, n)``."""
    order = np.empty(n, dtype=np.int64)
    low, high = (n - 1) // 2, (n - 1) // 2 + 1
    for i in range(n):
        left = (low + 1) + (n - high)
        median = (left - 1) // 2  # lower median, as a rank among what is left
        if median == low:
            order[i], low = low, low - 1
        else:  # median is the first of the upper part
            order[i], high = high, high + 1
    return order


def majority_sequences(profile: Profile) -> dict[str, np.ndarray]:
    """The majority-value sequence of every project."""
    n = profile.num_voters
    grades = {pid: [] for pid in profile.instance.ids}
    for ballot, count in profile.counts.items():
        for pid, value in ballot:
            grades[pid].append((value, count))
    order = removal_order(n)
    sequences = {}
    for pid, pairs in grades.items():
        values = np.array([v for v, _ in pairs], dtype=object if pairs and
                          not all(isinstance(v, int) for v, _ in pairs) else np.int64)
        counts = np.array([c for _, c in pairs], dtype=np.int64)
        given = int(counts.sum())
        ordered = np.concatenate([np.zeros(n - given, dtype=values.dtype),
                                  np.repeat(values, counts)])
        ordered.sort()
        sequences[pid] = ordered[order] if n else ordered
    return sequences


def _plain(value):
    """A numpy integer as a Python int (exact fractions are already Python objects)."""
    return value.item() if isinstance(value, np.generic) else value


def majority_judgement(instance: Instance, ballots, *, tie_break: str = DEFAULT_TIE_BREAK,
                       grade_names: list[str] | None = None) -> Outcome:
    """Rank by majority judgement, then fund greedily down the ranking (skipping misfits)."""
    profile = as_profile(instance, ballots)
    sequences = majority_sequences(profile)
    key = tie_break_key(tie_break, instance)

    def compare(a: str, b: str) -> int:
        differ = np.flatnonzero(sequences[a] != sequences[b])
        if len(differ):
            i = differ[0]
            return -1 if sequences[a][i] > sequences[b][i] else 1
        return -1 if key(a) < key(b) else (1 if key(a) > key(b) else 0)

    ranking = sorted(instance.ids, key=cmp_to_key(compare))

    def grade(pid: str) -> str:
        if not profile.num_voters:
            return "none (no voters)"
        value = sequences[pid][0]
        if grade_names:
            return repr(grade_names[len(grade_names) - 1 - int(value)])
        return show(value)

    remaining = instance.budget
    selected: list[str] = []
    explanations = {}
    for rank, pid in enumerate(ranking, start=1):
        cost = instance.cost(pid)
        median = _plain(sequences[pid][0]) if profile.num_voters else None
        if cost <= remaining:
            remaining -= cost
            selected.append(pid)
            explanations[pid] = Explanation(
                pid, SELECTED, round=len(selected), score=median,
                reason=f"Selected: ranked {rank} with majority grade {grade(pid)}; it costs "
                       f"{show(cost)}, leaving {show(remaining)}.")
        else:
            explanations[pid] = Explanation(
                pid, DOES_NOT_FIT, score=median,
                reason=f"Not selected: ranked {rank} with majority grade {grade(pid)}, it costs "
                       f"{show(cost)} but only {show(remaining)} remained.")
    return Outcome("majority-judgement", selected, instance.total_cost(selected),
                   instance.budget, {pid: explanations[pid] for pid in instance.ids},
                   {"ranking": ranking})
