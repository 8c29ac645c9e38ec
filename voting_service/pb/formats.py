"""Ballot formats of a question, parsed from the manifest's vote-format spec, with their limits.

A format knows its projects (in the manifest's order, which fixes the binary layout), checks
a voter's choice against its limits, and turns a valid choice into points for the rules.
Choices are given as:

- ``approval`` and ``budget``: a collection of approved project ids;
- ``cumulative``: a mapping ``{project_id: points}``;
- ``ordinal``: a sequence of project ids, best first;
- ``grades``: a mapping ``{project_id: grade index}`` (0 is the best grade); a project left
  out gets the spec's ``default`` grade, and without a default every project must be graded.

The binary plaintext layout of each format is in ``encoding.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .instance import Instance, Number, Project, exact_number

# Reason codes of invalid ballots (stable, machine-readable).
WRONG_LENGTH = "wrong-length"
NON_CANONICAL = "non-canonical-padding"
UNKNOWN_PROJECT = "unknown-project"
DUPLICATE_PROJECT = "duplicate-project"
TOO_FEW = "too-few"
TOO_MANY = "too-many"
OVER_CAP = "over-cap"
BAD_POINTS = "bad-points"
OVER_TOTAL = "over-total"
DUPLICATE_RANK = "duplicate-rank"
RANK_GAP = "rank-gap"
TOO_FEW_RANKS = "too-few-ranks"
TOO_MANY_RANKS = "too-many-ranks"
BAD_GRADE = "bad-grade"
MISSING_GRADE = "missing-grade"
NOT_A_CHOICE = "not-a-choice"


class FormatError(ValueError):
    """The vote-format spec of a question is invalid."""


class InvalidChoiceError(ValueError):
    """Raised by ``encode`` for a choice the format does not allow."""

    def __init__(self, invalid: InvalidBallot):
        self.invalid = invalid
        super().__init__(f"{invalid.reason_code}: {invalid.message}")


@dataclass(frozen=True)
class InvalidBallot:
    reason_code: str
    message: str


@dataclass(frozen=True)
class ValidBallot:
    """A checked choice in canonical form (see each format's ``normalise``)."""

    kind: str
    choice: tuple
    scored: tuple[tuple[str, int], ...]

    def points(self) -> dict[str, int]:
        """Points per project for the rules (projects given 0 points are left out)."""
        return {pid: p for pid, p in self.scored if p}

    @property
    def is_blank(self) -> bool:
        return not self.choice


@dataclass(frozen=True)
class BallotFormat:
    kind: str
    projects: tuple[str, ...]

    def _position(self) -> dict[str, int]:
        return {pid: i for i, pid in enumerate(self.projects)}

    @property
    def width_bytes(self) -> int:
        from .encoding import width_bytes
        return width_bytes(self)

    def validate(self, choice) -> ValidBallot | InvalidBallot:
        """Check a choice; return it in canonical form or say precisely why it is invalid."""
        raise NotImplementedError

    def encode(self, choice) -> bytes:
        from .encoding import encode
        return encode(self, choice)

    def decode_and_validate(self, data: bytes) -> ValidBallot | InvalidBallot:
        from .encoding import decode_and_validate
        return decode_and_validate(self, data)

    def _approved(self, choice) -> tuple[str, ...] | InvalidBallot:
        if isinstance(choice, (str, bytes, Mapping)) or not hasattr(choice, "__iter__"):
            return InvalidBallot(NOT_A_CHOICE, "an approval choice is a collection of project ids")
        items = list(choice)
        position = self._position()
        for pid in items:
            if pid not in position:
                return InvalidBallot(UNKNOWN_PROJECT, f"unknown project {pid!r}")
        if len(set(items)) != len(items):
            return InvalidBallot(DUPLICATE_PROJECT, "a project is approved twice")
        return tuple(sorted(items, key=position.__getitem__))


@dataclass(frozen=True)
class ApprovalFormat(BallotFormat):
    min: int = 0
    max: int | None = None

    def validate(self, choice):
        approved = self._approved(choice)
        if isinstance(approved, InvalidBallot):
            return approved
        if len(approved) < self.min:
            return InvalidBallot(TOO_FEW, f"{len(approved)} projects approved, at least {self.min} required")
        if self.max is not None and len(approved) > self.max:
            return InvalidBallot(TOO_MANY, f"{len(approved)} projects approved, at most {self.max} allowed")
        return ValidBallot(self.kind, approved, tuple((pid, 1) for pid in approved))


@dataclass(frozen=True)
class BudgetFormat(BallotFormat):
    costs: tuple[Number, ...] = ()
    cap: Number = 0
    min: int = 0

    def validate(self, choice):
        approved = self._approved(choice)
        if isinstance(approved, InvalidBallot):
            return approved
        if len(approved) < self.min:
            return InvalidBallot(TOO_FEW, f"{len(approved)} projects approved, at least {self.min} required")
        position = self._position()
        total = sum((self.costs[position[pid]] for pid in approved), 0)
        if total > self.cap:
            return InvalidBallot(OVER_CAP, f"the chosen projects cost {total}, over the cap of {self.cap}")
        return ValidBallot(self.kind, approved, tuple((pid, 1) for pid in approved))


@dataclass(frozen=True)
class CumulativeFormat(BallotFormat):
    max_per_project: int = 1
    max_total: int = 1

    def validate(self, choice):
        if not isinstance(choice, Mapping):
            return InvalidBallot(NOT_A_CHOICE, "a cumulative choice maps project ids to points")
        position = self._position()
        for pid, points in choice.items():
            if pid not in position:
                return InvalidBallot(UNKNOWN_PROJECT, f"unknown project {pid!r}")
            if isinstance(points, bool) or not isinstance(points, int) or points < 0:
                return InvalidBallot(BAD_POINTS, f"points for {pid!r} must be a whole number >= 0")
            if points > self.max_per_project:
                return InvalidBallot(BAD_POINTS, f"{points} points for {pid!r}, at most "
                                                 f"{self.max_per_project} per project")
        total = sum(choice.values())
        if total > self.max_total:
            return InvalidBallot(OVER_TOTAL, f"{total} points given, at most {self.max_total} in total")
        given = tuple(sorted(((pid, p) for pid, p in choice.items() if p),
                             key=lambda item: position[item[0]]))
        return ValidBallot(self.kind, given, given)


@dataclass(frozen=True)
class OrdinalFormat(BallotFormat):
    k: int = 1
    rank_points: tuple[int, ...] = (1,)
    min: int = 0

    def validate(self, choice):
        if isinstance(choice, (str, bytes, Mapping)) or not isinstance(choice, Sequence):
            return InvalidBallot(NOT_A_CHOICE, "an ordinal choice is a sequence of project ids, best first")
        position = self._position()
        for pid in choice:
            if pid not in position:
                return InvalidBallot(UNKNOWN_PROJECT, f"unknown project {pid!r}")
        if len(set(choice)) != len(choice):
            return InvalidBallot(DUPLICATE_RANK, "a project is ranked twice")
        if len(choice) > self.k:
            return InvalidBallot(TOO_MANY_RANKS, f"{len(choice)} projects ranked, at most {self.k}")
        if len(choice) < self.min:
            return InvalidBallot(TOO_FEW_RANKS, f"{len(choice)} projects ranked, at least {self.min} required")
        ranked = tuple(choice)
        return ValidBallot(self.kind, ranked, tuple(zip(ranked, self.rank_points)))


@dataclass(frozen=True)
class GradesFormat(BallotFormat):
    grades: tuple[str, ...] = ()
    default: int | None = None

    def validate(self, choice):
        if not isinstance(choice, Mapping):
            return InvalidBallot(NOT_A_CHOICE, "a grades choice maps project ids to grade indexes")
        position = self._position()
        for pid, grade in choice.items():
            if pid not in position:
                return InvalidBallot(UNKNOWN_PROJECT, f"unknown project {pid!r}")
            if isinstance(grade, bool) or not isinstance(grade, int) or not 0 <= grade < len(self.grades):
                return InvalidBallot(BAD_GRADE, f"grade for {pid!r} must be an index below {len(self.grades)}")
        graded = []
        for pid in self.projects:
            grade = choice.get(pid, self.default)
            if grade is None:
                return InvalidBallot(MISSING_GRADE, f"project {pid!r} is not graded")
            graded.append((pid, grade))
        worst = len(self.grades) - 1
        explicit = tuple((pid, choice[pid]) for pid in self.projects if pid in choice)
        return ValidBallot(self.kind, explicit, tuple((pid, worst - g) for pid, g in graded))


_SPEC_KEYS = {
    "approval": {"min", "max"},
    "budget": {"cap", "min"},
    "cumulative": {"max_per_project", "max_total"},
    "ordinal": {"k", "points", "min"},
    "grades": {"grades", "default"},
}


def _whole(spec: Mapping, key: str, *, low: int, high: int | None = None,
           default: object = ..., nullable: bool = False):
    if key not in spec:
        if default is ...:
            raise FormatError(f"{spec['kind']} format needs {key!r}")
        return default
    value = spec[key]
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FormatError(f"{key!r} must be a whole number, not {value!r}")
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise FormatError(f"{key!r} must be {bounds}, not {value}")
    return value


def parse_format(spec: Mapping, projects, budget: Number) -> BallotFormat:
    """Build the ballot format of a question from its manifest spec.

    ``projects`` are the question's projects in manifest order (``Project`` objects or an
    ``Instance``); ``budget`` is the question budget (the default cap of budget ballots).
    Raises ``FormatError`` naming the problem.
    """
    if isinstance(projects, Instance):
        projects = projects.projects
    projects = tuple(projects)
    if not projects or not all(isinstance(p, Project) for p in projects):
        raise FormatError("a question needs at least one project")
    ids = tuple(p.id for p in projects)
    if len(set(ids)) != len(ids):
        raise FormatError("project ids must be unique")
    if not isinstance(spec, Mapping):
        raise FormatError("the vote format must be a JSON object")
    kind = spec.get("kind")
    if kind not in _SPEC_KEYS:
        raise FormatError(f"unknown ballot kind {kind!r}; expected one of {', '.join(_SPEC_KEYS)}")
    unknown = set(spec) - _SPEC_KEYS[kind] - {"kind"}
    if unknown:
        raise FormatError(f"unknown keys for a {kind} format: {', '.join(sorted(unknown))}")
    m = len(ids)
    if kind == "approval":
        low = _whole(spec, "min", low=0, high=m, default=0)
        high = _whole(spec, "max", low=max(low, 1), high=None, default=None, nullable=True)
        return ApprovalFormat(kind, ids, low, None if high is None or high >= m else high)
    if kind == "budget":
        cap = spec.get("cap")
        try:
            cap = exact_number(budget if cap is None else cap, what="cap")
        except ValueError as error:
            raise FormatError(str(error)) from None
        if cap < 0:
            raise FormatError("'cap' cannot be negative")
        low = _whole(spec, "min", low=0, high=m, default=0)
        return BudgetFormat(kind, ids, tuple(p.cost for p in projects), cap, low)
    if kind == "cumulative":
        per = _whole(spec, "max_per_project", low=1, high=255)
        total = _whole(spec, "max_total", low=1)
        return CumulativeFormat(kind, ids, per, total)
    if kind == "ordinal":
        k = _whole(spec, "k", low=1, high=m)
        points = spec.get("points")
        if (not isinstance(points, list) or len(points) != k
                or not all(isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in points)):
            raise FormatError(f"'points' must list {k} whole numbers >= 0, one per rank")
        if any(a < b for a, b in zip(points, points[1:])):
            raise FormatError("'points' must not increase from one rank to the next")
        low = _whole(spec, "min", low=0, high=k, default=0)
        return OrdinalFormat(kind, ids, k, tuple(points), low)
    grades = spec.get("grades")
    if (not isinstance(grades, list) or not 2 <= len(grades) <= 255
            or not all(isinstance(g, str) and g for g in grades) or len(set(grades)) != len(grades)):
        raise FormatError("'grades' must list 2 to 255 distinct grade names, best first")
    default = _whole(spec, "default", low=0, high=len(grades) - 1, default=None, nullable=True)
    return GradesFormat(kind, ids, tuple(grades), default)
