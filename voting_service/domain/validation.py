"""Request validation against the JSON Schemas, with one clear message per failure."""

from __future__ import annotations

from datetime import datetime, timezone

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import best_match

from .errors import InvalidInput

# JSON Schema counts 1.0 as an integer; amounts and counts here must be true integers
# (floats have no canonical encoding and would break digests), so the checker is strict.
_STRICT_TYPES = Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
)
StrictValidator = validators.extend(Draft202012Validator, type_checker=_STRICT_TYPES)

_validators: dict[int, Draft202012Validator] = {}


def _nul_path(value, path=()):
    """The path of the first string holding a NUL character (no database stores one)."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return path + (key,)
        found = _nul_path(item, path + (key,))
        if found is not None:
            return found
    return None


def check(schema: dict, value, what: str = "body") -> None:
    validator = _validators.get(id(schema))
    if validator is None:
        validator = _validators[id(schema)] = StrictValidator(schema)
    nul = _nul_path(value)
    if nul is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in nul)
        raise InvalidInput(f"{what}{where}: NUL characters are not allowed", "invalid_input")
    error = best_match(validator.iter_errors(value))
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        raise InvalidInput(f"{what}{where}: {_short(error.message)}", "invalid_input",
                           {"path": list(error.absolute_path)})


def _short(message: str) -> str:
    return message if len(message) <= 300 else message[:297] + "..."


def parse_datetime(text: str, field: str) -> datetime:
    """An ISO 8601 timestamp with an explicit offset, returned in UTC."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if value.tzinfo is None:
            raise InvalidInput(f"{field}: a time zone offset is required (e.g. Z or +01:00)",
                               "invalid_datetime")
        value = value.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise InvalidInput(f"{field}: not an ISO 8601 date-time ({text!r})", "invalid_datetime")
    if not 2000 <= value.year <= 2999:
        raise InvalidInput(f"{field}: the year must be between 2000 and 2999", "invalid_datetime")
    return value


def iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
