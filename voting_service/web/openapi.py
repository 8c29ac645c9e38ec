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


def _errors(*statuses: int) -> dict:
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    text = {400: "Malformed request", 401: "No valid API token", 403: "Token lacks permission",
            404: "Unknown election or question", 409: "Not possible in the current state",
            413: "Body too large", 415: "Body is not JSON", 422: "Body fails validation"}
    return {str(s): {"description": text[s], **ref} for s in statuses}


def _ok(schema: dict, description: str, status: int = 200) -> dict:
    return {str(status): {"description": description,
                          "content": {"application/json": {"schema": schema}}}}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


SLUG_PARAM = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
QUESTION_PARAM = {"name": "question", "in": "path", "required": True,
                  "schema": {"type": "string"}}
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
        },
    }
    return doc
