"""The pure layers (crypto, pb, record) must never import the web or storage layers."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "voting_service"
FORBIDDEN_ROOTS = {"flask", "sqlalchemy", "alembic", "werkzeug", "jinja2", "psycopg"}
FORBIDDEN_INTERNAL = ("voting_service.web", "voting_service.store", "voting_service.domain",
                      "voting_service.cli", "voting_service.commands")
ALLOWED_INTERNAL = {
    "crypto": ("voting_service.crypto",),
    "pb": ("voting_service.pb",),
    "record": ("voting_service.record", "voting_service.crypto", "voting_service.pb"),
}


def _imports(path: pathlib.Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import stays inside the same package
                continue
            yield node.module or ""


@pytest.mark.parametrize("layer", sorted(ALLOWED_INTERNAL))
def test_pure_layer_imports(layer):
    offenders = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in _imports(path):
            root = name.split(".")[0]
            if root in FORBIDDEN_ROOTS:
                offenders.append(f"{path.name}: {name}")
            elif name.startswith("voting_service") and not name.startswith(ALLOWED_INTERNAL[layer]):
                offenders.append(f"{path.name}: {name}")
    assert offenders == [], f"{layer}/ must stay pure: {offenders}"


def test_layering_check_detects_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import Flask\nimport voting_service.store.models\n")
    names = list(_imports(bad))
    assert "flask" in names and "voting_service.store.models" in names
