"""Fixtures of the crypto tests."""

import pytest

from voting_service.crypto.rng import SeededRng


@pytest.fixture
def rng():
    return SeededRng(b"tests")
