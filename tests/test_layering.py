"""Layering: the pure layers (crypto, pb, record, letters, and the credential authority's
code) import neither the web nor the storage layer; dependencies point down only:
web/cli → domain → store."""

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
    # Letters handle the codes: no logging either, so a code cannot reach a log from there.
    "letters": ("voting_service.letters",),
    # Runs on the authority's own machine, which holds no database (tests/authority/).
    "authority": ("voting_service.authority", "voting_service.crypto", "voting_service.record",
                  "voting_service.letters"),
}
EXTRA_FORBIDDEN = {"letters": {"logging"}}
# The app factory and the unit of work set up the database sessions; nothing else in web/
# may reach the store.
WEB_STORE_EXCEPTIONS = {"__init__.py", "db.py"}


def _package_of(path: pathlib.Path, root: pathlib.Path = PACKAGE.parent) -> str:
    """The dotted package a module file belongs to (a package's own __init__ included)."""
    parts = list(path.resolve().relative_to(root.resolve()).with_suffix("").parts)
    return ".".join(parts[:-1])


def _imports(path: pathlib.Path, package: str | None = None):
    """Absolute names of every module imported by ``path``; relative imports are resolved
    against ``package`` (by default, the package the file lives in)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if not node.level:
                yield node.module or ""
                continue
            parts = (package if package is not None else _package_of(path)).split(".")
            if node.level - 1 >= len(parts):
                yield "<relative import beyond the top-level package>"
                continue
            base = ".".join(parts[:len(parts) - (node.level - 1)])
            if node.module:
                yield f"{base}.{node.module}"
            else:  # from . import x / from .. import x: x may be a module
                for alias in node.names:
                    yield f"{base}.{alias.name}"


@pytest.mark.parametrize("layer", sorted(ALLOWED_INTERNAL))
def test_pure_layer_imports(layer):
    offenders = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in _imports(path):
            root = name.split(".")[0]
            if root in FORBIDDEN_ROOTS or root in EXTRA_FORBIDDEN.get(layer, ()):
                offenders.append(f"{path.name}: {name}")
            elif name.startswith("<") or (name.startswith("voting_service")
                                          and not name.startswith(ALLOWED_INTERNAL[layer])):
                offenders.append(f"{path.name}: {name}")
    assert offenders == [], f"{layer}/ must stay pure: {offenders}"


def test_layering_check_detects_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import Flask\nimport voting_service.store.models\n")
    names = list(_imports(bad))
    assert "flask" in names and "voting_service.store.models" in names


def test_layering_check_resolves_relative_imports(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from ..store import models\nfrom .. import web\nfrom . import group\n"
                   "from .errors import CryptoError\nfrom .... import too_far\n")
    names = list(_imports(bad, package="voting_service.crypto"))
    assert names == ["voting_service.store", "voting_service.web",
                     "voting_service.crypto.group", "voting_service.crypto.errors",
                     "<relative import beyond the top-level package>"]
    assert _package_of(PACKAGE / "crypto" / "dkg.py") == "voting_service.crypto"
    assert _package_of(PACKAGE / "crypto" / "__init__.py") == "voting_service.crypto"
    # The real modules' relative imports are resolved and checked too.
    assert "voting_service.crypto.group" in set(_imports(PACKAGE / "crypto" / "dkg.py"))


def _offenders(layer: str, forbidden: tuple[str, ...], exceptions=frozenset()):
    found = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        if path.name in exceptions:
            continue
        for name in _imports(path):
            if name.startswith(forbidden) or name.split(".")[0] in forbidden:
                found.append(f"{path.name}: {name}")
    return found


def test_web_reaches_the_store_only_through_the_domain():
    assert _offenders("web", ("voting_service.store", "sqlalchemy"),
                      WEB_STORE_EXCEPTIONS) == []


def test_domain_knows_nothing_of_the_web():
    assert _offenders("domain", ("voting_service.web", "voting_service.cli",
                                 "voting_service.commands", "flask", "werkzeug")) == []


def test_store_imports_no_upper_layer():
    assert _offenders("store", ("voting_service.web", "voting_service.domain",
                                "voting_service.cli", "voting_service.commands",
                                "flask")) == []
