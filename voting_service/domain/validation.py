"""Request validation against the JSON Schemas, with one clear message per failure."""

from __future__ import annotations

import re
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


MAX_DEPTH = 32   # a manifest nests 7 deep; anything far deeper is an attack on the parser
_SURROGATE = re.compile("[\ud800-\udfff]")
# Bidi controls reorder what a reader sees (a title can display differently from what is
# stored and signed) and zero-width characters make two different texts look the same: a
# roll name or a ballot text must read exactly as it is stored.
INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def _where(what: str, path: tuple) -> str:
    return what + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _strings(value, what: str):
    """Every string of a parsed JSON value, keys included, with its path, in document order.

    Iterative, not recursive: a body nested thousands deep must get an answer, not exhaust
    the interpreter's stack (here or later in the schema validator)."""
    stack = [(value, (), 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            yield path, item
            continue
        if isinstance(item, dict):
            children = list(item.items())
        elif isinstance(item, list):
            children = list(enumerate(item))
        else:
            continue
        if depth > MAX_DEPTH:
            raise InvalidInput(f"{what}: nested more than {MAX_DEPTH} levels deep",
                               "json_too_deep").with_status(400)
        for key, child in reversed(children):
            stack.append((child, path + (key,), depth + 1))
        for key, _child in children:
            if isinstance(key, str):
                yield path + (key,), key


def check_json_text(value, what: str = "body") -> None:
    """A parsed JSON body every layer below can handle: bounded depth, and no lone UTF-16
    surrogate (JSON's \\uXXXX escapes allow one; it is not text, and no database or encoder
    accepts it)."""
    for path, text in _strings(value, what):
        if _SURROGATE.search(text):
            raise InvalidInput(f"{_where(what, path)}: a lone UTF-16 surrogate is not text",
                               "invalid_unicode").with_status(400)


def _check_texts(value, what: str) -> None:
    """Strings a manifest may not hold: the API's body reader already refused surrogates and
    depth, but manifests also come from files (`voting-service elections create`)."""
    check_json_text(value, what)
    for path, text in _strings(value, what):
        if "\x00" in text:
            raise InvalidInput(f"{_where(what, path)}: NUL characters are not allowed",
                               "invalid_input")
        invisible = INVISIBLE.search(text)
        if invisible:
            raise InvalidInput(f"{_where(what, path)} : caractère invisible ou de contrôle du "
                               f"sens d’écriture refusé (U+{ord(invisible.group()):04X})",
                               "invisible_character", {"path": list(path)})


def check(schema: dict, value, what: str = "body") -> None:
    validator = _validators.get(id(schema))
    if validator is None:
        validator = _validators[id(schema)] = StrictValidator(schema)
    _check_texts(value, what)
    error = best_match(validator.iter_errors(value))
    if error is not None:
        where = _where(what, tuple(error.absolute_path))
        raise InvalidInput(f"{where}: {_short(error.message)}", "invalid_input",
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
