"""Shared fixtures of the PB tests: the real pabulib elections, parsed once per worker."""

from __future__ import annotations

import functools

import pytest

from voting_service.pb.pabulib import read_pabulib

from .oracle import PABULIB

MISSING = f"the pabulib data folder {PABULIB} is missing"


def pabulib_params(names=None):
    """pytest params for the real files (all, or the given names), skipped if data is absent."""
    if not PABULIB.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=MISSING), id="no-data")]
    files = sorted(p.name for p in PABULIB.glob("*.pb"))
    return [pytest.param(name, id=name.removesuffix(".pb")) for name in files
            if names is None or name in names]


@functools.lru_cache(maxsize=None)
def election(name: str):
    return read_pabulib(PABULIB / name)


@functools.lru_cache(maxsize=None)
def profile(name: str):
    return election(name).profile()


@functools.lru_cache(maxsize=None)
def pabutools_election(name: str):
    from .oracle import to_pabutools
    return to_pabutools(profile(name))
