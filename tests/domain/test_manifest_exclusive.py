"""A question's rule may declare exclusive projects; the manifest refuses malformed groups."""

import pytest

from tests.factories import manifest_body
from voting_service.domain import elections
from voting_service.domain.errors import InvalidInput
from voting_service.store.db import transaction


def _create(factory, rule):
    body = manifest_body()
    body["questions"][0]["rule"] = rule
    with transaction(factory) as db:
        election = elections.create_election(db, "test", body)
        return elections.manifest(election)["questions"][0]["rule"]


@pytest.mark.parametrize("rule", [
    {"rule": "greedy", "exclusive": [["P1", "P2"]]},
    {"rule": "greedy", "exclusive": [{"precedence": ["P2", "P1"]}]},
    {"rule": "mes-add1", "exclusive": [["P1", "P2"]]},
    {"rule": "greedy-reserve", "reserve_share": "0.8"},
])
def test_declared_groups_and_reserve_are_kept(factory, rule):
    assert _create(factory, rule) == rule


@pytest.mark.parametrize(("rule", "message"), [
    ({"rule": "greedy", "exclusive": [["P1", "P9"]]}, "unknown project 'P9'"),
    ({"rule": "greedy", "exclusive": [["P1"]]}, None),
    ({"rule": "greedy", "exclusive": [["P1", "P1"]]}, "at least two distinct projects"),
    ({"rule": "mes", "exclusive": [{"precedence": ["P2", "P1"]}]}, "greedy rules only"),
    ({"rule": "greedy-reserve"}, "needs a reserve_share"),
    ({"rule": "greedy-reserve", "reserve_share": "1.5"}, "at most 1"),
    ({"rule": "greedy", "reserve_share": "0.8"}, "takes no reserve_share"),
])
def test_malformed_groups_and_shares_are_refused(factory, rule, message):
    with pytest.raises(InvalidInput) as caught:
        _create(factory, rule)
    assert caught.value.code in ("invalid_rule", "invalid_input")
    if message:
        assert message in caught.value.message
