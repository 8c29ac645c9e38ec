"""Groups of mutually exclusive projects: projects that cannot all be carried out (the same
site, the same street), declared per question in the rule spec as ``"exclusive"``.

A group is a list of project ids: in the rule's own order, funding one of them drops the
others. A group may instead be ``{"precedence": [ids, best first]}``, for cities whose rules
settle a conflict by their own hierarchy rather than by the vote: the group's members keep
the places the rule's order gives them, but fill them in the declared precedence (greedy
rules only; Method of Equal Shares has no order of places to fill).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .instance import Instance


class ExclusiveGroupsError(ValueError):
    """The declared groups are malformed or name projects the question does not have."""


def check_groups(groups: object) -> list[dict]:
    """Validate the shape of ``exclusive``: a list of groups, each as a dict
    ``{"projects": [ids], "precedence": bool}``."""
    if not isinstance(groups, list):
        raise ExclusiveGroupsError("exclusive must be a list of groups of project ids")
    checked, seen = [], set()
    for group in groups:
        ranked = isinstance(group, Mapping)
        if ranked:
            if set(group) != {"precedence"}:
                raise ExclusiveGroupsError("an exclusive group given as an object holds only "
                                           "'precedence', its project ids best first")
            group = group["precedence"]
        if not isinstance(group, list) or not all(isinstance(p, str) and p for p in group):
            raise ExclusiveGroupsError("an exclusive group is a list of project ids")
        if len(group) < 2 or len(set(group)) != len(group):
            raise ExclusiveGroupsError(f"exclusive group {group!r} needs at least two "
                                       f"distinct projects")
        twice = seen.intersection(group)
        if twice:
            raise ExclusiveGroupsError(f"project {sorted(twice)[0]!r} is in two exclusive "
                                       f"groups; merge them into one")
        seen.update(group)
        checked.append({"projects": list(group), "precedence": ranked})
    return checked


class Exclusions:
    """The checked groups of one question, and who excluded whom during a rule's run."""

    def __init__(self, instance: Instance, groups: Sequence[Mapping] = ()):
        self.group_of: dict[str, int] = {}
        self.excluded_by: dict[str, str] = {}
        self.groups = [list(g["projects"]) for g in groups]
        self.ranked = [bool(g["precedence"]) for g in groups]
        for index, group in enumerate(self.groups):
            for pid in group:
                if pid not in instance:
                    raise ExclusiveGroupsError(f"exclusive group names an unknown project "
                                               f"{pid!r}")
                self.group_of[pid] = index

    @property
    def has_precedence(self) -> bool:
        return any(self.ranked)

    def fund(self, pid: str) -> list[str]:
        """Record that ``pid`` is funded; return the projects this drops."""
        index = self.group_of.get(pid)
        if index is None:
            return []
        dropped = [p for p in self.groups[index] if p != pid and p not in self.excluded_by]
        for p in dropped:
            self.excluded_by[p] = pid
        return dropped

    def is_excluded(self, pid: str) -> bool:
        return pid in self.excluded_by

    def in_precedence(self, order: Iterable[str]) -> list[str]:
        """``order`` with the members of every ranked group refilling their own places in
        the group's precedence."""
        order = list(order)
        for index, group in enumerate(self.groups):
            if not self.ranked[index]:
                continue
            members = set(group)
            places = [i for i, pid in enumerate(order) if pid in members]
            present = [pid for pid in group if pid in {order[i] for i in places}]
            for place, pid in zip(places, present):
                order[place] = pid
        return order
