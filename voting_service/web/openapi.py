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


def openapi_document() -> dict:
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
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
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
            "/api/v1/elections/{slug}/checkins": {
                "post": {
                    "operationId": "checkIn", "x-permission": "checkin",
                    "summary": "Check a voter in at a polling point from their letter's QR",
                    "parameters": [SLUG_PARAM],
                    "requestBody": _body(CHECKIN_BODY),
                    "responses": {**_ok(CHECKIN_OK, "Checked in", 201),
                                  **_errors(*WRITE_ERRORS)},
                }
            },
        },
    }
    return doc
