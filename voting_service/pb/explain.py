"""Outcomes of PB rules and the per-project explanations published with them.

Every project of the question gets one explanation: why it was selected (in which round, at
what price per supporter) or why not. ``code`` is a stable machine code; ``reason`` is the
English sentence shown to people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from .instance import Number

# Machine codes of explanations.
SELECTED = "selected"
COMPLETION = "selected-in-completion"
DOES_NOT_FIT = "does-not-fit"
BELOW_THRESHOLD = "below-threshold"
AFTER_STOP = "after-stop"
NOT_AFFORDABLE = "not-affordable"
NO_SUPPORT = "no-support"
INCOMPATIBLE = "incompatible"  # an exclusive project of the same group was funded first
FROM_RESERVE = "selected-from-reserve"  # pabulib marks it `selected` = 2


def json_number(value: Number | None):
    """Whole numbers as JSON integers; other exact fractions as ``"numerator/denominator"``."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    raise TypeError(f"not an exact number: {value!r}")


def show(value: Number) -> str:
    """Human-readable number: exact when whole, else rounded to two decimals."""
    if isinstance(value, int) or value.denominator == 1:
        return f"{int(value):,}"
    return f"{float(value):,.2f}"


@dataclass(frozen=True)
class Explanation:
    project_id: str
    code: str
    reason: str
    round: int | None = None
    price_per_supporter: Number | None = None
    score: Number | None = None
    excluded_by: str | None = None

    @property
    def selected(self) -> bool:
        return self.code in (SELECTED, COMPLETION, FROM_RESERVE)

    def to_json(self) -> dict:
        data = {
            "kind": self.code,
            "selected": self.selected,
            "round": self.round,
            "score": json_number(self.score),
            "price_per_supporter": json_number(self.price_per_supporter),
            "reason": self.reason,
        }
        if self.price_per_supporter is not None:
            data["price_per_supporter_approx"] = round(float(self.price_per_supporter), 2)
        if self.excluded_by is not None:
            data["excluded_by"] = self.excluded_by
        return data


def incompatible(project_id: str, funded: str, score: Number | None = None) -> Explanation:
    """Why a project of an exclusive group was dropped: ``funded``, of the same group."""
    return Explanation(project_id, INCOMPATIBLE, score=score, excluded_by=funded,
                       reason=f"Not selected: incompatible with project {funded}, selected "
                              f"before it.")


@dataclass
class Outcome:
    """The funded projects, in the order the rule selected them, with explanations."""

    rule: str
    selected: list[str]
    total_cost: Number
    budget: Number
    explanations: dict[str, Explanation]
    details: dict = field(default_factory=dict)

    def pabulib_selected(self) -> dict[str, int]:
        """The ``selected`` column of pabulib: 1 funded, 2 funded from a reserve, 0 not."""
        return {pid: (2 if e.code == FROM_RESERVE else 1) if e.selected else 0
                for pid, e in self.explanations.items()}

    def to_json(self) -> dict:
        """A JSON-serialisable dict (exact fractions are written as strings)."""
        return {
            "rule": self.rule,
            "selected": list(self.selected),
            "total_cost": json_number(self.total_cost),
            "budget": json_number(self.budget),
            "explanations": {pid: e.to_json() for pid, e in self.explanations.items()},
            "details": {k: json_number(v) if isinstance(v, Fraction) else v
                        for k, v in self.details.items()},
        }
