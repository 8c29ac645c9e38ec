"""The whole API from its OpenAPI document, with a token of every staff role, against an
election that is open (roll imported, key set): no response is a 5xx, and every response
matches the documented status codes and schemas.

test_schemathesis.py walks each operation at length with an admin token on a draft
election; this walk gives each role's own operations (the officer's check-ins, the
trustee's ceremony steps, …) the same generated cases past the permission check, and every
other operation a few, which must all be documented 403s.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from tests.conftest import bearer
from tests.factories import advance, manifest_body, projects_body
from tests.web.test_schemathesis import CHECKS, OPERATIONS, ROLL, _aim_at_real_rows
from voting_service.domain import elections, voter_roll
from voting_service.domain.staff import ROLE_PERMISSIONS
from voting_service.store.db import transaction
from voting_service.store.models import STAFF_ROLES

OWN_EXAMPLES = 20     # per operation the role may call
OTHER_EXAMPLES = 4    # per operation it may not (403 expected)


def _seed_open_election(app, app_factory):
    import io

    keys = app.extensions["voting"]["settings"].key_dir
    with transaction(app_factory) as db:
        elections.create_election(db, "seed", manifest_body())
        elections.put_projects(db, "seed", "bp-test-2027", "gare", projects_body())
        election = elections.get_election(db, "bp-test-2027")
        voter_roll.import_roll(db, "seed", election, io.BytesIO(ROLL.encode()))
        advance(db, "bp-test-2027", "frozen", keys)
        advance(db, "bp-test-2027", "open", keys)


def _aim_bodies(case):
    """Check-ins and kiosk routes name the seeded polling point half of the time."""
    if isinstance(case.body, dict) and "polling_point" in case.body:
        # Assigned, not changed in place: schemathesis then re-checks whether a case
        # generated as invalid is still invalid (a too-long name replaced by a real one
        # is not).
        case.body = {**case.body, "polling_point": "mairie"}
    return case


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_role_gets_no_server_error(app, client, tokens, role):
    _seed_open_election(app, app.extensions["voting"]["sessions"])
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    allowed = ROLE_PERMISSIONS[role]
    statuses: dict[str, list[int]] = {}
    for path, method in OPERATIONS:
        operation = schema[path][method]
        permission = operation.definition.raw.get("x-permission")
        own = permission is None or permission in allowed or permission == "voter_session"
        strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE) | \
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
        seen = statuses.setdefault(f"{method.upper()} {path}", [])

        @given(case=st.tuples(strategy, st.booleans()).map(_aim_at_real_rows),
               aim=st.booleans())
        @settings(max_examples=OWN_EXAMPLES if own else OTHER_EXAMPLES, deadline=None,
                  database=None, suppress_health_check=list(HealthCheck))
        def run(case, aim):
            if aim:
                case = _aim_bodies(case)
            response = case.call(headers=bearer(tokens[role]))
            seen.append(response.status_code)
            assert response.status_code < 500, f"{role}: {response.text}"
            case.validate_response(response, checks=CHECKS)

        run()
    assert all(statuses.values())
    # The role's own operations were exercised beyond the permission check …
    beyond = [name for name, codes in statuses.items() if any(c != 403 for c in codes)]
    assert beyond, statuses
    if role == "officer":
        assert any(c not in (401, 403) for c in statuses["POST /api/v1/elections/{slug}/checkins"])


@pytest.mark.parametrize("start", ["2147483647", "2147483648", "9" * 30])
def test_board_paging_past_any_event_is_empty_not_a_500(app, client, start):
    """Found by the walk above on PostgreSQL: a start beyond the 32-bit event numbers."""
    _seed_open_election(app, app.extensions["voting"]["sessions"])
    response = client.get(f"/api/v1/elections/bp-test-2027/board/events?start={start}")
    assert response.status_code == 200
    assert response.get_json()["events"] == [] and response.get_json()["height"] >= 3
    first = client.get("/api/v1/elections/bp-test-2027/board/events?start=1&count=2")
    assert [e["seq"] for e in first.get_json()["events"]] == [1, 2]
