"""The OpenAPI 3.1 description of API v1, built from the same JSON Schemas the domain
validates with, so the document cannot drift from what the server accepts."""

from __future__ import annotations

import copy

from .. import __version__
from ..domain import manifest_schema as ms

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}

STATUS_NAMES = ["draft", "frozen", "open", "closed", "tallied", "certified"]
FINGERPRINT = {"oneOf": [{"type": "string", "pattern": "^[0-9a-f]{64}$"}, {"type": "null"}]}

SUMMARY = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "city": {"type": "string"},
        "status": {"enum": STATUS_NAMES},
        "fingerprint": FINGERPRINT,
    },
    "required": ["id", "title", "city", "status", "fingerprint"],
}

MANIFEST_VIEW = {
    "type": "object",
    "properties": {
        "status": {"enum": STATUS_NAMES},
        "fingerprint": FINGERPRINT,
        "manifest": {
            "type": "object",
            "properties": {
                "version": {"const": 1},
                "id": {"type": "string"},
                "title": {"type": "string"},
                "city": {"type": "string"},
                "starts_at": {"type": "string"},
                "ends_at": {"type": "string"},
                "districts": {"type": "array"},
                "polling_points": {"type": "array"},
                "questions": {"type": "array"},
            },
            "required": ["version", "id", "title", "city", "starts_at", "ends_at",
                         "districts", "polling_points", "questions"],
        },
    },
    "required": ["status", "fingerprint", "manifest"],
}

STATUS_VIEW = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "status": {"enum": STATUS_NAMES},
        "fingerprint": FINGERPRINT,
        "starts_at": {"type": "string"},
        "ends_at": {"type": "string"},
        "accepting_ballots": {"type": "boolean"},
        "next": {"type": "array", "items": {"enum": STATUS_NAMES}},
        "changed": {"type": "boolean"},
        "closed_at": {"type": "string"},
        "closing_reason": {"type": "string", "description": "Why the vote was closed "
                                                           "before ends_at"},
    },
    "required": ["id", "status", "fingerprint", "starts_at", "ends_at", "accepting_ballots",
                 "next"],
}


IMPORT_REPORT = {
    "type": "object",
    "properties": {
        "imported": {"type": "integer"}, "updated": {"type": "integer"},
        "unchanged": {"type": "integer"},
        "rejected": {"type": "array", "items": {
            "type": "object",
            "properties": {"line": {"type": "integer"}, "reason": {"type": "string"}},
            "required": ["line", "reason"]}},
    },
    "required": ["imported", "updated", "unchanged", "rejected"],
}

ELIGIBILITY = {
    "type": "object",
    "properties": {
        "voter_number": {"type": "string"}, "eligible": {"type": "boolean"},
        "reason": {"type": "string"},
        "questions": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["voter_number", "eligible", "reason", "questions"],
}

CREDENTIALS = {
    "type": "object",
    "properties": {
        "election": {"type": "string"}, "fingerprint": FINGERPRINT,
        "questions": {"type": "object", "additionalProperties": {
            "type": "array", "items": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}},
        "revoked": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["election", "fingerprint", "questions", "revoked"],
}

LOGIN_BODY = {
    "type": "object",
    "properties": {
        "voter_number": {"type": "string", "minLength": 1, "maxLength": 32},
        "login_token": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
        "birth_date": {"type": "string", "format": "date"},
    },
    "required": ["voter_number", "login_token"],
}

LOGIN_OK = {
    "type": "object",
    "properties": {"session_token": {"type": "string"}, "expires_at": {"type": "string"},
                   "questions": {"type": "array", "items": {"type": "string"}}},
    "required": ["session_token", "expires_at", "questions"],
}

OVERRIDE_BODY = {
    "type": "object",
    "properties": {"decision": {"enum": ["include", "exclude", "none"]},
                   "reason": {"type": "string", "maxLength": 250}},
    "required": ["decision"],
}

CHECKIN_BODY = {
    "type": "object",
    "properties": {"qr_payload": {"type": "string", "minLength": 1, "maxLength": 300},
                   "polling_point": {"type": "string", "minLength": 1, "maxLength": 64}},
    "required": ["qr_payload", "polling_point"],
}

CHECKIN_OK = {
    "type": "object",
    "properties": {"voter_number": {"type": "string"}, "state": {"type": "string"},
                   "polling_point": {"type": "string"}, "at": {"type": "string"}},
    "required": ["voter_number", "state", "polling_point", "at"],
}


HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
SIGNED_HEAD = {
    "type": "object",
    "properties": {"height": {"type": "integer"}, "hash": HEX64, "key": HEX64,
                   "signature": {"type": "string"}, "signed_at": {"type": "string"},
                   "signer": {"type": "string"}},
    "required": ["height", "hash", "key", "signature", "signed_at", "signer"],
}
BALLOT = {"type": "object", "description": "A ballot v2 (docs/protocol.md §10)"}
CAST_BODY = {"type": "object", "properties": {
    "ballots": {"type": "array", "items": BALLOT, "minItems": 1, "maxItems": 16}},
    "required": ["ballots"]}
KIOSK_CAST_BODY = {"type": "object", "properties": {
    "kiosk": {"type": "string", "minLength": 1, "maxLength": 64},
    "ballots": {"type": "array", "items": BALLOT, "minItems": 1, "maxItems": 16}},
    "required": ["kiosk", "ballots"]}
RECEIPT = {
    "type": "object",
    "properties": {"election": {"type": "string"},
                   "trackers": {"type": "object", "additionalProperties": HEX64},
                   "positions": {"type": "object", "additionalProperties": {"type": "integer"}},
                   "head": SIGNED_HEAD, "replayed": {"type": "boolean"}},
    "required": ["election", "trackers", "positions", "head", "replayed"],
}
SPOIL_BODY = {"type": "object", "properties": {
    "ballot": BALLOT,
    "opening": {"type": "object", "properties": {
        "randomness": {"type": "array", "items": HEX64}}, "required": ["randomness"]}},
    "required": ["ballot", "opening"]}
SPOILED = {"type": "object", "properties": {
    "tracker": HEX64, "position": {"type": "integer"}, "plaintext": {"type": "string"},
    "replayed": {"type": "boolean"}}, "required": ["tracker", "position", "plaintext"]}
KIOSK = {"type": "object", "properties": {
    "kiosk": {"type": "string"}, "label": {"type": "string"},
    "polling_point": {"type": "string"}, "public_key": HEX64,
    "status": {"enum": ["active", "revoked"]}, "enrolled_at": {"type": "string"}},
    "required": ["kiosk", "label", "polling_point", "public_key", "status", "enrolled_at"]}
KIOSK_LIST = {"type": "object", "properties": {"kiosks": {"type": "array", "items": KIOSK}},
              "required": ["kiosks"]}
KIOSK_BODY = {"type": "object", "properties": {
    "polling_point": {"type": "string", "minLength": 1, "maxLength": 64},
    "public_key": HEX64, "label": {"type": "string", "maxLength": 200}},
    "required": ["polling_point", "public_key"]}
REVOKE_BODY = {"type": "object", "properties": {
    "reason": {"type": "string", "minLength": 1, "maxLength": 300}}, "required": ["reason"]}
ELECTION_KEY_BODY = {"type": "object", "properties": {
    "election_key": {"type": "object", "properties": {
        "public_key": HEX64, "threshold": {"type": "integer", "minimum": 1},
        "verification_keys": {"type": "array", "items": HEX64}},
        "required": ["public_key", "threshold", "verification_keys"]}},
    "required": ["election_key"]}
CHECKIN_OK["properties"].update({"checkin": HEX64, "credential": HEX64,
                                 "questions": {"type": "array", "items": {"type": "string"}}})
CHECKIN_OK["required"] += ["checkin", "credential", "questions"]
BOARD = {"type": "object", "properties": {
    "election": {"type": "string"}, "status": {"enum": STATUS_NAMES},
    "fingerprint": FINGERPRINT, "height": {"type": "integer"},
    "head_hash": {"oneOf": [HEX64, {"type": "null"}]},
    "signed_head": {"oneOf": [SIGNED_HEAD, {"type": "null"}]},
    "counts": {"type": "object"}, "turnout": {"type": "object"}},
    "required": ["election", "status", "fingerprint", "height", "counts", "turnout"]}
EVENTS = {"type": "object", "properties": {
    "events": {"type": "array", "items": {"type": "object"}}, "height": {"type": "integer"}},
    "required": ["events", "height"]}
PAGE_QUERY = ({"name": "start", "in": "query", "schema": {"type": "integer", "minimum": 1}},
              {"name": "count", "in": "query",
               "schema": {"type": "integer", "minimum": 1, "maximum": 500}})


def _errors(*statuses: int) -> dict:
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    text = {400: "Malformed request", 401: "Not authenticated", 403: "Token lacks permission",
            404: "Unknown election, question or voter",
            409: "Not possible in the current state",
            413: "Body too large", 415: "Unsupported body type", 422: "Body fails validation",
            429: "Too many attempts"}
    return {str(s): {"description": text[s], **ref} for s in statuses}


def _ok(schema: dict, description: str, status: int = 200) -> dict:
    return {str(status): {"description": description,
                          "content": {"application/json": {"schema": schema}}}}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


SLUG_PARAM = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
QUESTION_PARAM = {"name": "question", "in": "path", "required": True,
                  "schema": {"type": "string"}}
NUMBER_PARAM = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
READ_ERRORS = (401, 403, 404)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422)


def operation(operation_id: str, summary: str, *, request: dict | None = None,
              response: dict | None = None, status: int = 200, also: tuple[int, ...] = (),
              errors: tuple[int, ...] = WRITE_ERRORS, query: tuple[dict, ...] = (),
              security: str = "bearer"):
    """Declare a route's OpenAPI operation next to it; its permission comes from
    ``requires``/``public``. ``security`` is "bearer", "voter" (a voter session) or "none"."""

    def decorate(view):
        view.openapi = {"operationId": operation_id, "summary": summary,
                        "request": request, "response": response or {"type": "object"},
                        "status": status, "also": also, "errors": errors, "query": query,
                        "security": security}
        return view

    return decorate


def _declared(app) -> dict:
    """Paths of the routes that declare their operation with ``operation``."""
    paths: dict = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        spec = getattr(view, "openapi", None)
        if spec is None or not rule.endpoint.startswith("api."):
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in rule.arguments]
        op = {"operationId": spec["operationId"], "summary": spec["summary"],
              "x-permission": view.permission,
              "parameters": sorted(params, key=lambda p: p["name"]) + list(spec["query"]),
              "responses": {**_ok(spec["response"], spec["summary"], spec["status"]),
                            **{k: v for extra in spec["also"]
                               for k, v in _ok(spec["response"], spec["summary"], extra).items()},
                            **_errors(*spec["errors"])}}
        if spec["security"] == "none":
            op["security"] = []
        elif spec["security"] == "voter":
            op["security"] = [{"voter": []}]
        if spec["request"] is not None:
            op["requestBody"] = _body(spec["request"])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = copy.deepcopy(op)
    return paths


def openapi_document(app=None) -> dict:
    """The whole document; routes declared with ``operation`` are read from ``app`` (the
    current application by default)."""
    if app is None:
        from flask import current_app

        app = current_app._get_current_object()
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "voting_service integration API",
            "version": f"1 ({__version__})",
            "description": "JSON API through which the other steps of the participatory "
                           "budgeting cycle create elections, push costed projects, follow "
                           "the lifecycle and fetch results. Every error is "
                           '{"error": {"code", "message"}} with a 4xx status.',
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "voter": {"type": "apiKey", "in": "header", "name": "Authorization",
                          "description": "Voter <session token> from POST …/voter-sessions"},
            },
            "schemas": {"Error": ERROR},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi", "security": [], "x-permission": None,
                    "summary": "This document",
                    "responses": _ok({"type": "object"}, "The OpenAPI document"),
                }
            },
            "/api/v1/elections": {
                "get": {
                    "operationId": "listElections", "x-permission": "elections:read",
                    "summary": "List elections",
                    "responses": {
                        **_ok({"type": "object",
                               "properties": {"elections": {"type": "array", "items": SUMMARY}},
                               "required": ["elections"]}, "Elections"),
                        **_errors(401, 403),
                    },
                },
                "post": {
                    "operationId": "createElection", "x-permission": "elections:write",
                    "summary": "Create an election (draft) from its manifest",
                    "requestBody": _body(copy.deepcopy(ms.ELECTION_CREATE)),
                    "responses": {**_ok(MANIFEST_VIEW, "Created", 201),
                                  **_errors(*WRITE_ERRORS)},
                },
            },
            "/api/v1/elections/{slug}": {
                "get": {
                    "operationId": "getElection", "x-permission": "elections:read",
                    "summary": "The manifest, its status and fingerprint",
                    "parameters": [SLUG_PARAM],
                    "responses": {**_ok(MANIFEST_VIEW, "Manifest"), **_errors(*READ_ERRORS)},
                }
            },
            "/api/v1/elections/{slug}/questions/{question}/projects": {
                "put": {
                    "operationId": "putProjects", "x-permission": "elections:write",
                    "summary": "Replace a question's costed projects (draft only)",
                    "parameters": [SLUG_PARAM, QUESTION_PARAM],
                    "requestBody": _body(copy.deepcopy(ms.PROJECTS_BODY)),
                    "responses": {**_ok(MANIFEST_VIEW, "Manifest"), **_errors(*WRITE_ERRORS)},
                }
            },
            "/api/v1/elections/{slug}/status": {
                "get": {
                    "operationId": "getStatus", "x-permission": "elections:read",
                    "summary": "Lifecycle status",
                    "parameters": [SLUG_PARAM],
                    "responses": {**_ok(STATUS_VIEW, "Status"), **_errors(*READ_ERRORS)},
                }
            },
            "/api/v1/elections/{slug}/transitions": {
                "post": {
                    "operationId": "transition", "x-permission": "elections:transition",
                    "summary": "Move the election to its next state (idempotent)",
                    "parameters": [SLUG_PARAM],
                    "requestBody": _body(copy.deepcopy(ms.TRANSITION_BODY)),
                    "responses": {**_ok(STATUS_VIEW, "Status after the transition"),
                                  **_errors(*WRITE_ERRORS)},
                }
            },
            "/api/v1/elections/{slug}/voters/import": {
                "post": {
                    "operationId": "importVoters", "x-permission": "voters:write",
                    "summary": "Import or update the voter roll (CSV, header numero_electeur;"
                               "nom;prenoms;date_naissance;adresse;code_postal;quartier)",
                    "parameters": [SLUG_PARAM, {"name": "all_or_nothing", "in": "query",
                                                "schema": {"enum": ["true", "false"]}}],
                    "requestBody": {"required": True, "content": {
                        "text/csv": {"schema": {"type": "string"}},
                        "multipart/form-data": {"schema": {
                            "type": "object",
                            "properties": {
                                "roll": {"type": "string", "format": "binary"},
                                "districts": {"type": "string", "format": "binary",
                                              "description": "code_postal;quartier lines"},
                            },
                            "required": ["roll"],
                        }},
                    }},
                    "responses": {**_ok(IMPORT_REPORT, "Import report"),
                                  **_errors(*WRITE_ERRORS)},
                }
            },
            "/api/v1/elections/{slug}/voters/{number}": {
                "get": {
                    "operationId": "getVoterEligibility", "x-permission": "voters:read",
                    "summary": "A person's eligibility decision and questions",
                    "parameters": [SLUG_PARAM, NUMBER_PARAM],
                    "responses": {**_ok(ELIGIBILITY, "Decision"), **_errors(*READ_ERRORS)},
                }
            },
            "/api/v1/elections/{slug}/voters/{number}/override": {
                "post": {
                    "operationId": "overrideVoter", "x-permission": "voters:write",
                    "summary": "Include or exclude a person by hand, with a reason",
                    "parameters": [SLUG_PARAM, NUMBER_PARAM],
                    "requestBody": _body(OVERRIDE_BODY),
                    "responses": {**_ok(ELIGIBILITY, "Decision"), **_errors(*WRITE_ERRORS)},
                }
            },
            "/api/v1/elections/{slug}/voters/{number}/unlock": {
                "post": {
                    "operationId": "unlockVoter", "x-permission": "voters:unlock",
                    "summary": "Lift the login delays on a voter number, from every address",
                    "parameters": [SLUG_PARAM, NUMBER_PARAM],
                    "responses": {**_ok({"type": "object",
                                         "properties": {"voter_number": {"type": "string"},
                                                        "unlocked": {"type": "boolean"}},
                                         "required": ["voter_number", "unlocked"]},
                                        "Done"),
                                  **_errors(*READ_ERRORS)},
                }
            },
            "/api/v1/elections/{slug}/credentials": {
                "get": {
                    "operationId": "publicCredentials", "x-permission": None, "security": [],
                    "summary": "Public credentials per question (anyone may count them)",
                    "parameters": [SLUG_PARAM],
                    "responses": {**_ok(CREDENTIALS, "Credentials"), **_errors(404)},
                }
            },
            "/api/v1/elections/{slug}/voter-sessions": {
                "post": {
                    "operationId": "voterLogin", "x-permission": None, "security": [],
                    "summary": "Voter login with the token derived from the letter code",
                    "parameters": [SLUG_PARAM],
                    "requestBody": _body(LOGIN_BODY),
                    "responses": {**_ok(LOGIN_OK, "Session opened", 201),
                                  **_errors(400, 401, 404, 413, 415, 422, 429)},
                }
            },
        },
    }
    doc["paths"].update(_declared(app))
    return doc
