"""PB rules, one module each, and ``run`` which applies the rule spec stored in a manifest.

A rule spec is a dict such as ``{"rule": "mes", "satisfaction": "cost",
"tie_break": "lexicographic"}``; ``"threshold"`` is required by ``greedy-threshold``;
``"reserve_share"`` (e.g. ``"0.8"``) by ``greedy-reserve``; ``"grades"`` (names, best first)
only labels the explanations of ``majority-judgement``. ``"exclusive"`` declares groups of
mutually exclusive projects (``exclusive.py``) for every rule but majority judgement.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from ..exclusive import Exclusions, ExclusiveGroupsError, check_groups
from ..explain import Outcome
from ..instance import Instance, exact_number
from ..tiebreak import DEFAULT_TIE_BREAK, TIE_BREAKS
from .greedy import greedy

# The equal-shares and majority-judgement modules load numpy: they are imported when a rule
# needs them, so that a greedy tally (and the CLI) starts without it.
SATISFACTIONS = ("cost", "cardinality")
_LAZY = {"equal_shares": "mes", "equal_shares_then_greedy": "mes",
         "equal_shares_add1": "mes_add1", "majority_judgement": "majority_judgement"}

RULES = ("greedy", "greedy-no-skip", "greedy-threshold", "greedy-reserve", "mes", "mes-add1",
         "mes-greedy", "majority-judgement")
_KEYS = {"rule", "satisfaction", "threshold", "tie_break", "grades", "exclusive",
         "reserve_share"}


class RuleSpecError(ValueError):
    """The rule spec is not one this module can apply."""


def check_rule_spec(spec: Mapping) -> dict:
    """Validate a rule spec and return it with defaults filled in."""
    if not isinstance(spec, Mapping):
        raise RuleSpecError("the rule spec must be a JSON object")
    unknown = set(spec) - _KEYS
    if unknown:
        raise RuleSpecError(f"unknown rule spec keys: {', '.join(sorted(unknown))}")
    rule = spec.get("rule")
    if rule not in RULES:
        raise RuleSpecError(f"unknown rule {rule!r}; expected one of {', '.join(RULES)}")
    tie_break = spec.get("tie_break", DEFAULT_TIE_BREAK)
    if tie_break not in TIE_BREAKS:
        raise RuleSpecError(f"unknown tie_break {tie_break!r}; expected one of {', '.join(TIE_BREAKS)}")
    satisfaction = spec.get("satisfaction", "cost")
    if satisfaction not in SATISFACTIONS:
        raise RuleSpecError(f"unknown satisfaction {satisfaction!r}; expected cost or cardinality")
    checked = {"rule": rule, "tie_break": tie_break, "satisfaction": satisfaction}
    if rule == "greedy-threshold":
        if "threshold" not in spec:
            raise RuleSpecError("greedy-threshold needs a threshold")
        try:
            threshold = exact_number(spec["threshold"], what="threshold")
        except ValueError as error:
            raise RuleSpecError(str(error)) from None
        if threshold < 0:
            raise RuleSpecError("the threshold cannot be negative")
        checked["threshold"] = threshold
    elif "threshold" in spec:
        raise RuleSpecError(f"rule {rule!r} takes no threshold")
    if rule == "greedy-reserve":
        if "reserve_share" not in spec:
            raise RuleSpecError("greedy-reserve needs a reserve_share, e.g. \"0.8\"")
        try:
            share = exact_number(spec["reserve_share"], what="reserve_share")
        except ValueError as error:
            raise RuleSpecError(str(error)) from None
        if not 0 < share <= 1:
            raise RuleSpecError("the reserve_share must be above 0 and at most 1")
        checked["reserve_share"] = share
    elif "reserve_share" in spec:
        raise RuleSpecError(f"rule {rule!r} takes no reserve_share")
    if "exclusive" in spec:
        if rule == "majority-judgement":
            raise RuleSpecError("majority-judgement takes no exclusive groups")
        try:
            groups = check_groups(spec["exclusive"])
        except ExclusiveGroupsError as error:
            raise RuleSpecError(str(error)) from None
        if rule.startswith("mes") and any(g["precedence"] for g in groups):
            raise RuleSpecError("a precedence among exclusive projects applies to the greedy "
                                "rules only")
        checked["exclusive"] = groups
    if "grades" in spec:
        grades = spec["grades"]
        if rule != "majority-judgement":
            raise RuleSpecError(f"rule {rule!r} takes no grades")
        if not isinstance(grades, list) or not all(isinstance(g, str) for g in grades):
            raise RuleSpecError("grades must be a list of grade names, best first")
        checked["grades"] = grades
    return checked


def run(rule_spec: Mapping, instance: Instance, ballots) -> Outcome:
    """Apply the rule described by ``rule_spec`` to the ballots of one question.

    ``ballots`` is a ``Profile``, or an iterable of decoded ballots, ``{project: points}``
    mappings or collections of approved project ids.
    """
    spec = check_rule_spec(rule_spec)
    rule, tie_break, satisfaction = spec["rule"], spec["tie_break"], spec["satisfaction"]
    exclusive = spec.get("exclusive", [])
    try:
        Exclusions(instance, exclusive)
    except ExclusiveGroupsError as error:
        raise RuleSpecError(str(error)) from None
    if rule == "majority-judgement":
        return _rule("majority_judgement")(instance, ballots, tie_break=tie_break,
                                           grade_names=spec.get("grades"))
    if rule.startswith("greedy"):
        return greedy(instance, ballots, tie_break=tie_break, skip=rule != "greedy-no-skip",
                      threshold=spec.get("threshold"), reserve_share=spec.get("reserve_share"),
                      exclusive=exclusive)
    mes_rule = _rule({"mes": "equal_shares", "mes-add1": "equal_shares_add1",
                      "mes-greedy": "equal_shares_then_greedy"}[rule])
    return mes_rule(instance, ballots, satisfaction=satisfaction, tie_break=tie_break,
                    exclusive=exclusive)


_LOADED: dict = {}


def _rule(name: str):
    # (not through globals(): importing a submodule binds its name in this package, and
    # majority_judgement is both a module and its rule function)
    if name not in _LOADED:
        _LOADED[name] = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    return _LOADED[name]


def __getattr__(name: str):  # equal_shares... as before, without importing numpy up front
    if name not in _LAZY or name == "majority_judgement":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _rule(name)


# The other rule functions live in their modules (mes, mes_add1, majority_judgement).
__all__ = ["RULES", "SATISFACTIONS", "RuleSpecError", "check_rule_spec", "run", "greedy"]
