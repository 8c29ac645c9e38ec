"""A participatory-budgeting question: its projects, their costs, and the budget.

Costs and budgets are exact numbers: ``int`` when whole, ``Fraction`` otherwise (pabulib
files sometimes write costs as ``4000.0`` or with a decimal comma). Floats are refused, so no
rounding can ever change which projects are funded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

Number = int | Fraction


# Amounts, points and thresholds are kept below 10**MAX_DIGITS, with at most MAX_DIGITS digits
# after the decimal point (and denominators below 10**MAX_DIGITS): far beyond any real budget,
# yet every value stays within the range of the floats the rules use to screen comparisons
# before confirming them exactly, and "1e999999999" cannot make us build a billion-digit int.
MAX_DIGITS = 24


def exact_number(value: object, *, what: str = "value") -> Number:
    """Return ``value`` as an exact ``int`` or ``Fraction``; raise ``ValueError`` otherwise.

    Accepts ints, Fractions, Decimals and decimal strings such as ``"4000.0"``, ``"12,5"`` or
    ``"1/3"``. Floats and booleans are refused: their binary rounding is not exact. So are
    numbers of 10**MAX_DIGITS or more, or with more than MAX_DIGITS decimals.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"{what} must be an exact number, not {value!r}")
    if isinstance(value, int):
        if abs(value) >= 10 ** MAX_DIGITS:
            raise ValueError(f"{what} is too large: it has {len(str(abs(value)))} digits, "
                             f"at most {MAX_DIGITS} are accepted")
        return value
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return exact_number(value.numerator, what=what)
        if value.denominator >= 10 ** MAX_DIGITS:
            raise ValueError(f"{what} is too precise: its denominator has more than "
                             f"{MAX_DIGITS} digits")
        exact_number(int(value), what=what)  # refuses a too large whole part
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{what} must be a finite number, not {value!r}")
        if value and value.adjusted() >= MAX_DIGITS:
            raise ValueError(f"{what} is too large: it has more than {MAX_DIGITS} digits "
                             f"before the decimal point")
        _, digits, exponent = value.as_tuple()
        zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
        if exponent + zeros < -MAX_DIGITS and any(digits):
            raise ValueError(f"{what} has more than {MAX_DIGITS} digits after the decimal point")
        return exact_number(Fraction(value), what=what)
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        try:
            number = Fraction(text) if "/" in text else Decimal(text)
        except (InvalidOperation, ValueError, ZeroDivisionError):
            shown = value if len(value) <= 40 else value[:40] + "..."
            raise ValueError(f"{what} is not a number: {shown!r}") from None
        return exact_number(number, what=what)
    raise ValueError(f"{what} must be an exact number, not {type(value).__name__}")


@dataclass(frozen=True)
class Project:
    """A costed project that voters can support. ``id`` is a string, as in pabulib files."""

    id: str
    cost: Number
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"project id must be a non-empty string, not {self.id!r}")
        cost = exact_number(self.cost, what=f"cost of project {self.id!r}")
        if cost < 0:
            raise ValueError(f"cost of project {self.id!r} is negative: {cost}")
        object.__setattr__(self, "cost", cost)


@dataclass(frozen=True)
class Instance:
    """The projects of one question (in their published order) and the budget to share."""

    projects: tuple[Project, ...]
    budget: Number
    _index: dict[str, int] = field(init=False, repr=False, compare=False)
    _ids: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        projects = tuple(self.projects)
        object.__setattr__(self, "projects", projects)
        budget = exact_number(self.budget, what="budget")
        if budget < 0:
            raise ValueError(f"budget is negative: {budget}")
        object.__setattr__(self, "budget", budget)
        index: dict[str, int] = {}
        for position, project in enumerate(projects):
            if project.id in index:
                raise ValueError(f"duplicate project id {project.id!r}")
            index[project.id] = position
        object.__setattr__(self, "_index", index)
        # Kept, not rebuilt per call: the rules read it several times per tally.
        object.__setattr__(self, "_ids", tuple(index))

    @property
    def ids(self) -> tuple[str, ...]:
        return self._ids

    def __contains__(self, project_id: object) -> bool:
        return project_id in self._index

    def __len__(self) -> int:
        return len(self.projects)

    def position(self, project_id: str) -> int:
        """Index of the project in the published order; ``KeyError`` if unknown."""
        return self._index[project_id]

    def project(self, project_id: str) -> Project:
        return self.projects[self._index[project_id]]

    def cost(self, project_id: str) -> Number:
        return self.projects[self._index[project_id]].cost

    def total_cost(self, project_ids) -> Number:
        projects, index = self.projects, self._index
        return sum([projects[index[pid]].cost for pid in project_ids])
