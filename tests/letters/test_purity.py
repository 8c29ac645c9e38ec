"""letters/ stays pure: plain data in, PDF out. It imports no web or storage layer, and no
logging either, so that the letter codes it handles cannot end up in a log from here."""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "voting_service" / "letters"
FORBIDDEN_ROOTS = {"flask", "sqlalchemy", "alembic", "werkzeug", "jinja2", "psycopg", "logging"}


def test_letters_imports_neither_web_nor_storage_nor_logging():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            for name in names:
                if name.split(".")[0] in FORBIDDEN_ROOTS or (
                        name.startswith("voting_service") and not name.startswith("voting_service.letters")):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []
