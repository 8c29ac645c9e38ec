"""The ballots of one question, aggregated: each distinct ballot once, with its number of voters.

A ballot is reduced to the points it gives each project: 1 per approved project for approval
and budget ballots, the points themselves for cumulative ballots, the points earned by each
rank for ordinal ballots, and the grade value (higher is better, 0 the worst grade) for
majority judgement. Projects a ballot gives 0 points are left out, so an empty ballot is simply
``()``: it still counts as a voter (Method of Equal Shares shares the budget among all voters).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import chain
from operator import itemgetter

from .instance import Instance, Number, exact_number

#: A ballot in canonical form: ``(project_id, points)`` pairs, points > 0, sorted by id.
ScoredBallot = tuple[tuple[str, Number], ...]


class Profile:
    """Distinct scored ballots with their multiplicities, checked against an instance."""

    def __init__(self, instance: Instance, counts: Mapping[ScoredBallot, int]):
        self.instance = instance
        self.counts: dict[ScoredBallot, int] = {}
        for ballot, count in counts.items():
            if count < 0:
                raise ValueError("a ballot multiplicity cannot be negative")
            if count:
                self.counts[ballot] = self.counts.get(ballot, 0) + count
        self.num_voters = sum(self.counts.values())

    @classmethod
    def from_ballots(cls, instance: Instance, ballots: Iterable[object]) -> Profile:
        """Aggregate ballots given as ``{project_id: points}`` mappings or as collections of
        approved project ids. Unknown projects and negative points raise ``ValueError``."""
        raw = Counter(_hashable(ballot) for ballot in ballots)
        counts: Counter[ScoredBallot] = Counter()
        for ballot, count in raw.items():
            counts[canonical_ballot(instance, ballot)] += count
        return cls(instance, counts)

    @functools.cached_property
    def is_approval(self) -> bool:
        """True when every ballot gives 0 or 1 point to each project."""
        return set(map(itemgetter(1), chain.from_iterable(self.counts))) <= {1}

    def scores(self) -> dict[str, Number]:
        """Total points of every project (its number of votes for approval ballots)."""
        return dict(self._totals[0])

    def supporters(self) -> dict[str, int]:
        """Number of voters giving each project a positive number of points."""
        return dict(self._totals[1])

    @functools.cached_property
    def _totals(self) -> tuple[dict[str, Number], dict[str, int]]:
        supporters: dict[str, int] = {pid: 0 for pid in self.instance.ids}
        # Ballots cast once (most of them in large files) are counted in C.
        once = Counter(map(itemgetter(0), chain.from_iterable(
            ballot for ballot, count in self.counts.items() if count == 1)))
        for pid, count in once.items():
            supporters[pid] = count
        for ballot, count in self.counts.items():
            if count != 1:
                for pid, _ in ballot:
                    supporters[pid] += count
        if self.is_approval:
            return dict(supporters), supporters
        scores: dict[str, Number] = {pid: 0 for pid in self.instance.ids}
        for ballot, count in self.counts.items():
            for pid, points in ballot:
                scores[pid] += points * count
        return scores, supporters


def _hashable(ballot: object):
    if isinstance(ballot, Mapping):
        return tuple(sorted(ballot.items()))
    if isinstance(ballot, (str, bytes)):
        raise ValueError(f"a ballot must be a mapping or a collection of project ids, not {ballot!r}")
    return frozenset(ballot)


def canonical_ballot(instance: Instance, ballot) -> ScoredBallot:
    """Turn a hashable ballot (sorted mapping items or a frozenset of ids) into canonical form."""
    pairs = ballot if isinstance(ballot, tuple) else ((pid, 1) for pid in ballot)
    result = []
    for pid, points in pairs:
        if pid not in instance:
            raise ValueError(f"ballot names an unknown project {pid!r}")
        points = exact_number(points, what=f"points for project {pid!r}")
        if points < 0:
            raise ValueError(f"ballot gives negative points to project {pid!r}")
        if points:
            result.append((pid, points))
    result.sort()
    return tuple(result)


def as_profile(instance: Instance, ballots) -> Profile:
    """Accept a ready ``Profile`` or any iterable of ballots (see ``Profile.from_ballots``)."""
    if isinstance(ballots, Profile):
        if ballots.instance is not instance and ballots.instance.ids != instance.ids:
            raise ValueError("the profile was built for another set of projects")
        return ballots
    return Profile.from_ballots(instance, (_points_of(b) for b in ballots))


def _points_of(ballot):
    points = getattr(ballot, "points", None)  # a decoded ValidBallot knows its points
    return points() if callable(points) else ballot
