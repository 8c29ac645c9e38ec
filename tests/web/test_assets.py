"""The voter client bundle is served from Flask static under its content-hashed name, with
the SHA-384 that templates put in `integrity` (Subresource Integrity)."""

import base64
import hashlib

from voting_service.web import assets


def test_manifest_names_the_committed_bundle_with_its_sha384():
    entry = assets.manifest()["voter-client.js"]
    data = (assets.STATIC_JS / entry["file"]).read_bytes()
    digest = base64.b64encode(hashlib.sha384(data).digest()).decode()
    assert entry["integrity"] == f"sha384-{digest}"
    assert entry["file"].startswith("voter-client-") and entry["file"].endswith(".js")


def test_bundle_is_served_with_the_integrity_templates_get(app, client):
    with app.test_request_context():
        bundle = assets.asset("voter-client.js")
    response = client.get(bundle["url"])
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    digest = base64.b64encode(hashlib.sha384(response.data).digest()).decode()
    assert bundle["integrity"] == f"sha384-{digest}"


def test_template_global_and_unknown_bundle(app):
    with app.test_request_context():
        rendered = app.jinja_env.from_string(
            '{% set b = asset("voter-client.js") %}{{ b.url }} {{ b.integrity }}').render()
        assert rendered.startswith("/static/js/voter-client-") and " sha384-" in rendered
        try:
            assets.asset("nope.js")
        except assets.MissingAsset as error:
            assert "nope.js" in str(error)
        else:
            raise AssertionError("an unknown bundle must be refused")


def test_other_static_files_keep_the_default_cache(client):
    response = client.get("/static/site.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers.get("Cache-Control", "")
