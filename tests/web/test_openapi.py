"""The OpenAPI document is valid 3.1, covers every API route and agrees with the code."""

from openapi_spec_validator import validate

from voting_service.web.openapi import openapi_document


def _template(rule: str) -> str:
    return rule.replace("<", "{").replace(">", "}")


def test_document_is_valid_openapi_31(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_route_is_documented_with_its_permission(app):
    paths = openapi_document(app)["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = _template(rule.rule)
        assert path in paths, path
        view = app.view_functions[rule.endpoint]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = paths[path][method.lower()]
            assert operation["x-permission"] == view.permission, (path, method)
    documented = {(p, m) for p, ops in paths.items() for m in ops}
    routed = {(_template(r.rule), m.lower())
              for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")
              for m in r.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed
