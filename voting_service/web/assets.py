"""The built JavaScript bundles (voting_service/web/js → web/static/js): their hashed file
names and Subresource Integrity hashes, read from the manifest the build writes.

Templates call ``asset("voter-client.js")`` and get ``{"url", "integrity"}``, e.g.

    {% set client = asset("voter-client.js") %}
    <script type="module" src="{{ client.url }}" integrity="{{ client.integrity }}"
            crossorigin="anonymous"></script>

Bundle names carry a content hash, so a bundle never changes under its URL: it is served
with a year-long immutable cache. The manifest is read once per process (a deployment
replaces the package, and the process with it).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from flask import Flask, request, url_for

STATIC_JS = Path(__file__).resolve().parent / "static" / "js"
MANIFEST = STATIC_JS / "manifest.json"
_HASHED = re.compile(r"^/static/js/[A-Za-z0-9_-]+-[A-Z0-9]{8}\.js$")


class MissingAsset(LookupError):
    """A template asked for a bundle the build did not produce."""


@lru_cache(maxsize=1)
def manifest() -> dict[str, dict[str, str]]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def asset(name: str) -> dict[str, str]:
    entry = manifest().get(name)
    if entry is None:
        raise MissingAsset(f"no bundle {name!r} in {MANIFEST} (run npm run build in web/js)")
    return {"url": url_for("static", filename=f"js/{entry['file']}"),
            "integrity": entry["integrity"]}


def register(app: Flask) -> None:
    app.jinja_env.globals["asset"] = asset

    @app.after_request
    def _immutable_bundles(response):
        if response.status_code == 200 and _HASHED.match(request.path):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
