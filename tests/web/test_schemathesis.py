"""Property-based run over the whole API from its OpenAPI document: no 5xx, and every
response matches the documented schema and status codes.

Cases come from schemathesis' Hypothesis strategies (valid and invalid inputs, per
operation), driven by Hypothesis directly.
"""

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from tests.conftest import bearer
from tests.factories import manifest_body
from voting_service.web.openapi import openapi_document

# Positive data may still be refused for reasons a JSON Schema cannot say (an end before a
# start, an unknown district): that is a documented 4xx, so "positive data acceptance" and the
# auth probes (we always send a valid token) are left out.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]

ROLL = ("numero_electeur;nom;prenoms;date_naissance;adresse;code_postal;quartier\n"
        "V001;Martin;Camille;12/03/1980;3 rue des Lilas;45000;centre\n")


def _aim_at_real_rows(pair):
    """Half the cases address the seeded election and voter, so the generated bodies reach
    the code behind the 404s instead of stopping at them."""
    case, aim = pair
    if aim and case.path_parameters:
        if "slug" in case.path_parameters:
            case.path_parameters["slug"] = "bp-test-2027"
        if "number" in case.path_parameters:
            case.path_parameters["number"] = "V001"
        if "question" in case.path_parameters:
            case.path_parameters["question"] = "gare"
    return case


def _operations():
    from voting_service.web import create_app

    listing_app = create_app({"VOTING_MODE": "test", "VOTING_SECRET_KEY": "k" * 40,
                              "VOTING_DATABASE_URL": "sqlite://"})
    return [(path, method) for path, ops in openapi_document(listing_app)["paths"].items()
            for method in ops]


OPERATIONS = _operations()


@pytest.mark.parametrize("path, method", OPERATIONS, ids=[f"{m.upper()} {p}"
                                                          for p, m in OPERATIONS])
def test_api_conforms(app, client, tokens, path, method):
    client.post("/api/v1/elections", data=json.dumps(manifest_body()),
                content_type="application/json", headers=bearer(tokens["admin"]))
    client.post("/api/v1/elections/bp-test-2027/voters/import", data=ROLL.encode(),
                content_type="text/csv", headers=bearer(tokens["admin"]))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method]
    strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE) | \
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    seen = []

    @given(case=st.tuples(strategy, st.booleans()).map(_aim_at_real_rows))
    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call(headers=bearer(tokens["admin"]))
        seen.append(response.status_code)
        assert response.status_code < 500, response.text
        case.validate_response(response, checks=CHECKS)

    run()
    assert seen
