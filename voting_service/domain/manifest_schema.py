"""JSON Schemas (draft 2020-12) of the manifest pieces that clients send.

One source: the domain validates requests with them and the OpenAPI document embeds them.
"""

from __future__ import annotations

KEY = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"}
SLUG = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{2,63}$"}
TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
AMOUNT = {"type": "integer", "minimum": 1, "maximum": 10**15}
COUNT = {"type": "integer", "minimum": 0, "maximum": 10_000}
DATETIME = {"type": "string", "format": "date-time", "minLength": 10, "maxLength": 40}

VOTE_FORMAT = {
    "oneOf": [
        {
            "type": "object",
            "properties": {
                "kind": {"const": "approval"},
                "min": COUNT,
                "max": {"oneOf": [COUNT, {"type": "null"}]},
            },
            "required": ["kind"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "kind": {"const": "budget"},
                "cap": {"oneOf": [AMOUNT, {"type": "null"}]},
                "min": COUNT,
            },
            "required": ["kind"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "kind": {"const": "cumulative"},
                "max_per_project": {"type": "integer", "minimum": 1, "maximum": 255},
                "max_total": {"type": "integer", "minimum": 1, "maximum": 65535},
            },
            "required": ["kind", "max_per_project", "max_total"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "kind": {"const": "ordinal"},
                "k": {"type": "integer", "minimum": 1, "maximum": 255},
                "points": {"type": "array", "items": {"type": "integer", "minimum": 0,
                                                      "maximum": 65535},
                           "minItems": 1, "maxItems": 255},
                "min": COUNT,
            },
            "required": ["kind", "k", "points"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "kind": {"const": "grades"},
                "grades": {"type": "array", "items": TEXT, "minItems": 2, "maxItems": 16},
                "default": {"type": "integer", "minimum": 0, "maximum": 15},
            },
            "required": ["kind", "grades"],
            "additionalProperties": False,
        },
    ]
}

RULE_NAMES = ("greedy", "greedy-no-skip", "greedy-threshold", "greedy-reserve", "mes", "mes-add1",
              "mes-greedy", "majority-judgement")

# Groups of projects that cannot all be carried out; the PB layer checks the rest.
EXCLUSIVE_GROUP = {"oneOf": [
    {"type": "array", "items": KEY, "minItems": 2, "maxItems": 200},
    {"type": "object", "properties": {"precedence": {"type": "array", "items": KEY,
                                                      "minItems": 2, "maxItems": 200}},
     "required": ["precedence"], "additionalProperties": False},
]}

RULE = {
    "type": "object",
    "properties": {
        "rule": {"enum": list(RULE_NAMES)},
        "satisfaction": {"enum": ["cost", "cardinality"]},
        "threshold": {"type": "integer", "minimum": 0, "maximum": 10**12},
        "tie_break": {"enum": ["lexicographic", "min-cost", "max-cost"]},
        "exclusive": {"type": "array", "items": EXCLUSIVE_GROUP, "maxItems": 500},
        "reserve_share": {"type": "string", "maxLength": 20},
    },
    "required": ["rule"],
    "additionalProperties": False,
}

PROJECT = {
    "type": "object",
    "properties": {
        "id": KEY,
        "title": TEXT,
        "summary": {"type": "string", "maxLength": 5000},
        "cost": AMOUNT,
        "category": {"type": "string", "maxLength": 100},
        "district": {"oneOf": [KEY, {"type": "null"}]},
        "external_ref": {"type": "string", "maxLength": 200},
    },
    "required": ["id", "title", "cost"],
    "additionalProperties": False,
}

PROJECTS_BODY = {
    "type": "object",
    "properties": {"projects": {"type": "array", "items": PROJECT, "maxItems": 1000}},
    "required": ["projects"],
    "additionalProperties": False,
}

QUESTION = {
    "type": "object",
    "properties": {
        "id": KEY,
        "title": TEXT,
        "district": {"oneOf": [KEY, {"type": "null"}]},
        "budget": AMOUNT,
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "format": VOTE_FORMAT,
        "rule": RULE,
        "projects": {"type": "array", "items": PROJECT, "maxItems": 1000},
    },
    "required": ["id", "title", "budget", "format", "rule"],
    "additionalProperties": False,
}

ELECTION_CREATE = {
    "type": "object",
    "properties": {
        "id": SLUG,
        "title": TEXT,
        "city": {"type": "string", "minLength": 1, "maxLength": 120},
        "starts_at": DATETIME,
        "ends_at": DATETIME,
        "retention_days": {"type": "integer", "minimum": 1, "maximum": 3650},
        "districts": {
            "type": "array",
            "maxItems": 200,
            "items": {
                "type": "object",
                "properties": {"id": KEY, "name": TEXT},
                "required": ["id", "name"],
                "additionalProperties": False,
            },
        },
        "polling_points": {
            "type": "array",
            "maxItems": 500,
            "items": {
                "type": "object",
                "properties": {"id": KEY, "name": TEXT,
                               "address": {"type": "string", "maxLength": 300}},
                "required": ["id", "name"],
                "additionalProperties": False,
            },
        },
        "questions": {"type": "array", "items": QUESTION, "minItems": 1, "maxItems": 50},
    },
    "required": ["id", "title", "city", "starts_at", "ends_at", "questions"],
    "additionalProperties": False,
}

TRANSITION_BODY = {
    "type": "object",
    "properties": {
        "to": {"enum": ["frozen", "open", "closed", "tallied", "certified"]},
        # Closing before the published end of the vote: both are required.
        "force": {"type": "boolean"},
        "reason": {"type": "string", "minLength": 1, "maxLength": 500},
    },
    "required": ["to"],
    "additionalProperties": False,
}
