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

    @property
    def selected(self) -> bool:
        return self.code in (SELECTED, COMPLETION)

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
        return data


@dataclass
class Outcome:
    """The funded projects, in the order the rule selected them, with explanations."""

    rule: str
    selected: list[str]
    total_cost: Number
    budget: Number
    explanations: dict[str, Explanation]
    details: dict = field(default_factory=dict)

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
