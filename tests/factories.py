"""Valid request bodies to start from; tests derive broken ones from them."""

from __future__ import annotations

import copy


def manifest_body(slug: str = "bp-test-2027", **overrides) -> dict:
    body = {
        "id": slug,
        "title": "Budget participatif test",
        "city": "Villeneuve-Essai",
        "starts_at": "2026-01-01T08:00:00Z",
        "ends_at": "2099-01-31T18:00:00+01:00",
        "districts": [{"id": "centre", "name": "Centre"}, {"id": "gare", "name": "Gare"}],
        "polling_points": [{"id": "mairie", "name": "Mairie", "address": "Place de la Mairie"}],
        "questions": [
            {
                "id": "ville", "title": "Toute la ville", "district": None, "budget": 100_000,
                "currency": "EUR", "format": {"kind": "approval", "min": 0, "max": 3},
                "rule": {"rule": "mes", "satisfaction": "cost"},
                "projects": [
                    {"id": "P1", "title": "Parc", "cost": 60_000},
                    {"id": "P2", "title": "Pistes", "cost": 30_000, "category": "Mobilité"},
                ],
            },
            {
                "id": "gare", "title": "Quartier de la gare", "district": "gare",
                "budget": 20_000, "format": {"kind": "budget", "cap": None},
                "rule": {"rule": "greedy"}, "projects": [],
            },
        ],
    }
    body.update(overrides)
    return copy.deepcopy(body)


def projects_body() -> dict:
    return {"projects": [
        {"id": "G1", "title": "Abri vélos", "cost": 8_000, "district": "gare",
         "external_ref": "ETUDE-17"},
        {"id": "G2", "title": "Fresque", "cost": 5_000, "summary": "Sur le mur du tunnel"},
    ]}


# --- lifecycle helpers -----------------------------------------------------------------------

_TEST_KEYS = None


def shared_key_dir():
    """One key folder per test process, for tests that do not look at the keys."""
    global _TEST_KEYS
    if _TEST_KEYS is None:
        import tempfile
        from pathlib import Path

        _TEST_KEYS = Path(tempfile.mkdtemp(prefix="vs-keys-"))
    return _TEST_KEYS


def election_key_for(fingerprint: str) -> dict:
    """A 1-of-1 election key (tests that do not decrypt)."""
    from voting_service.crypto.recipes import run_key_ceremony

    return run_key_ceremony(1, 1, bytes.fromhex(fingerprint))[0].to_json()


def advance(db, slug: str, target: str, key_dir=None, actor: str = "t", **kwargs):
    """elections.transition, giving the election a test key before it opens."""
    from voting_service.domain import elections

    key_dir = key_dir or shared_key_dir()
    if target == "open":
        election = elections.get_election(db, slug)
        if election.status == "frozen" and election.election_key is None:
            elections.set_election_key(db, actor, slug, election_key_for(election.fingerprint))
    if target == "closed":  # test elections end in 2099: closing them is always early
        kwargs = {"force": True, "reason": "test: closing before the end", **kwargs}
    return elections.transition(db, actor, slug, target, key_dir=key_dir, **kwargs)
