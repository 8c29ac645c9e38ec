"""Explicit, selectable tie-breaking between projects that a rule values equally.

Every mode is a total order, so outcomes never depend on dictionary or set iteration order.

- ``lexicographic`` (the default): the project whose id comes first in Python string order
  wins, e.g. ``"10" < "9"``. This is the order pabutools uses by default, so outcomes match it.
- ``min-cost``: the cheaper project wins; equal costs fall back to lexicographic order.
- ``max-cost``: the more expensive project wins; equal costs fall back to lexicographic order.
"""

from __future__ import annotations

from collections.abc import Callable

from .instance import Instance

TIE_BREAKS = ("lexicographic", "min-cost", "max-cost")
DEFAULT_TIE_BREAK = "lexicographic"


def tie_break_key(mode: str, instance: Instance) -> Callable[[str], tuple]:
    """Sort key on project ids: among tied projects, the smallest key wins."""
    if mode == "lexicographic":
        return lambda pid: (pid,)
    if mode == "min-cost":
        return lambda pid: (instance.cost(pid), pid)
    if mode == "max-cost":
        return lambda pid: (-instance.cost(pid), pid)
    raise ValueError(f"unknown tie-break {mode!r}; expected one of {', '.join(TIE_BREAKS)}")
