"""Election manifest and lifecycle: validation, freezing, guarded idempotent transitions."""

import threading
from datetime import datetime, timezone

import pytest

from tests.factories import advance, manifest_body, projects_body
from voting_service.domain import audit, elections
from voting_service.record.canonical import canonical_bytes, sha256_hex
from voting_service.domain.errors import Conflict, InvalidInput, NotFound
from voting_service.store.db import transaction
from voting_service.store.models import AuditEntry


def _create(factory, body=None):
    with transaction(factory) as db:
        return elections.create_election(db, "test", body or manifest_body()).slug


def _audit_count(factory):
    with transaction(factory) as db:
        return db.query(AuditEntry).count()


def test_create_and_read_manifest(factory):
    slug = _create(factory)
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        data = elections.manifest(election)
    assert election.status == "draft" and election.fingerprint is None
    assert data["starts_at"] == "2026-01-01T08:00:00Z"
    assert data["ends_at"] == "2099-01-31T17:00:00Z"  # normalised to UTC
    assert [q["id"] for q in data["questions"]] == ["ville", "gare"]
    assert data["questions"][0]["projects"][1]["category"] == "Mobilité"
    assert data["questions"][1]["district"] == "gare"


@pytest.mark.parametrize("mutate, code", [
    (lambda b: b.update(id="Bad Slug"), "invalid_input"),
    (lambda b: b.update(ends_at=b["starts_at"]), "invalid_window"),
    (lambda b: b.update(starts_at="demain"), "invalid_input"),  # too short to be a date
    (lambda b: b.update(starts_at="2027-13-45T10:00:00Z"), "invalid_datetime"),
    (lambda b: b.update(starts_at="2027-01-01T10:00:00"), "invalid_datetime"),
    (lambda b: b["questions"][0].update(budget=-5), "invalid_input"),
    (lambda b: b["questions"][0].update(budget="100"), "invalid_input"),
    (lambda b: b["questions"][0].update(budget=100_000.0), "invalid_input"),
    (lambda b: b.update(starts_at="0001-01-01T00:00:00+01:00"), "invalid_datetime"),
    (lambda b: b["questions"][0].update(district="nowhere"), "unknown_district"),
    (lambda b: b["questions"][0]["format"].update(min=5, max=2), "invalid_format"),
    (lambda b: b["questions"][0].update(format={"kind": "lottery"}), "invalid_input"),
    (lambda b: b["questions"][0].update(rule={"rule": "majority-judgement"}),
     "rule_format_mismatch"),
    (lambda b: b["questions"][0].update(rule={"rule": "greedy-threshold"}), "invalid_rule"),
    (lambda b: b["questions"][0]["projects"].append({"id": "P1", "title": "x", "cost": 1}),
     "duplicate_id"),
    (lambda b: b["questions"][0]["projects"][0].update(cost=0), "invalid_input"),
    (lambda b: b["questions"][1].update(id="ville"), "duplicate_id"),
    (lambda b: b.update(questions=[]), "invalid_input"),
    (lambda b: b.update(extra="field"), "invalid_input"),
])
def test_invalid_manifests_are_refused_and_change_nothing(factory, mutate, code):
    body = manifest_body()
    mutate(body)
    with pytest.raises(InvalidInput) as caught:
        _create(factory, body)
    assert caught.value.code == code
    assert caught.value.message
    with transaction(factory) as db:
        assert elections.list_elections(db) == []
    assert _audit_count(factory) == 0


def test_duplicate_election_is_a_conflict(factory):
    _create(factory)
    with pytest.raises(Conflict):
        _create(factory)


def test_put_projects_replaces_while_draft(factory):
    slug = _create(factory)
    with transaction(factory) as db:
        elections.put_projects(db, "study", slug, "gare", projects_body())
    with transaction(factory) as db:
        data = elections.manifest(elections.get_election(db, slug))
    assert [p["id"] for p in data["questions"][1]["projects"]] == ["G1", "G2"]
    assert data["questions"][1]["projects"][0]["external_ref"] == "ETUDE-17"
    # Putting again replaces, it does not add.
    with transaction(factory) as db:
        elections.put_projects(db, "study", slug, "gare",
                               {"projects": [{"id": "G1", "title": "Abri", "cost": 9_000}]})
    with transaction(factory) as db:
        data = elections.manifest(elections.get_election(db, slug))
    assert [(p["id"], p["cost"]) for p in data["questions"][1]["projects"]] == [("G1", 9_000)]


def test_put_projects_errors(factory):
    slug = _create(factory)
    with pytest.raises(NotFound):
        with transaction(factory) as db:
            elections.put_projects(db, "s", slug, "nope", projects_body())
    with pytest.raises(NotFound):
        with transaction(factory) as db:
            elections.put_projects(db, "s", "no-such-election", "gare", projects_body())
    bad = projects_body()
    bad["projects"][0]["district"] = "atlantis"
    with pytest.raises(InvalidInput):
        with transaction(factory) as db:
            elections.put_projects(db, "s", slug, "gare", bad)


def _freeze_ready(factory):
    slug = _create(factory)
    with transaction(factory) as db:
        elections.put_projects(db, "study", slug, "gare", projects_body())
    return slug


def test_freeze_fixes_manifest_and_fingerprint(factory):
    slug = _freeze_ready(factory)
    with transaction(factory) as db:
        result = advance(db, slug, "frozen", actor="admin")
        assert result.changed
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        expected = sha256_hex(canonical_bytes(elections.manifest(election)))
        assert election.fingerprint == expected
        assert election.manifest_canonical.encode() == canonical_bytes(
            elections.manifest(election))
    with pytest.raises(Conflict) as caught:
        with transaction(factory) as db:
            elections.put_projects(db, "study", slug, "gare", projects_body())
    assert caught.value.code == "manifest_frozen"


def test_freeze_refuses_a_question_without_projects(factory):
    slug = _create(factory)
    with pytest.raises(Conflict) as caught:
        with transaction(factory) as db:
            advance(db, slug, "frozen", actor="admin")
    assert caught.value.code == "no_projects"


def test_lifecycle_order_and_idempotence(factory):
    slug = _freeze_ready(factory)
    with pytest.raises(Conflict) as caught:
        with transaction(factory) as db:
            advance(db, slug, "open", actor="admin")
    assert caught.value.code == "illegal_transition"
    for target in ("frozen", "open", "closed"):
        with transaction(factory) as db:
            assert advance(db, slug, target, actor="admin").changed
        with transaction(factory) as db:  # again: a no-op, not an error
            assert not advance(db, slug, target, actor="admin").changed
    for target, code in (("tallied", "tally_missing"), ("frozen", "illegal_transition")):
        with pytest.raises(Conflict) as caught:
            with transaction(factory) as db:
                advance(db, slug, target, actor="admin")
        assert caught.value.code == code


def test_cannot_open_after_the_window(factory):
    slug = _freeze_ready(factory)
    with transaction(factory) as db:
        advance(db, slug, "frozen", actor="admin")
    with pytest.raises(Conflict) as caught:
        with transaction(factory) as db:
            advance(db, slug, "open", actor="admin",
                                 now=datetime(2100, 1, 1, tzinfo=timezone.utc))
    assert caught.value.code == "window_over"


def test_concurrent_transitions_exactly_one_wins(factory):
    slug = _freeze_ready(factory)
    before = _audit_count(factory)
    barrier = threading.Barrier(8)
    outcomes = []

    def attempt():
        barrier.wait()
        try:
            with transaction(factory) as db:
                outcomes.append(advance(db, slug, "frozen", actor="admin").changed)
        except Exception as error:  # noqa: BLE001 - recorded and asserted below
            outcomes.append(error)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [False] * 7 + [True]
    assert _audit_count(factory) == before + 1


def test_concurrent_freeze_and_project_change_never_mix(factory):
    """A manifest never changes under a freeze: either the put lands before (and is in the
    fingerprint) or it is refused."""
    slug = _freeze_ready(factory)
    barrier = threading.Barrier(2)
    results = {}

    def freeze():
        barrier.wait()
        with transaction(factory) as db:
            results["freeze"] = advance(db, slug, "frozen", actor="admin").changed

    def put():
        barrier.wait()
        try:
            with transaction(factory) as db:
                elections.put_projects(db, "study", slug, "gare",
                                       {"projects": [{"id": "G9", "title": "X", "cost": 1}]})
            results["put"] = "ok"
        except Conflict:
            results["put"] = "refused"

    threads = [threading.Thread(target=freeze), threading.Thread(target=put)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        assert election.fingerprint == sha256_hex(canonical_bytes(elections.manifest(election)))
        ids = [p.key for p in election.questions[1].projects]
    assert results["freeze"] is True
    assert (ids == ["G9"]) == (results["put"] == "ok")


def test_every_change_is_audited(factory):
    slug = _freeze_ready(factory)
    with transaction(factory) as db:
        advance(db, slug, "frozen", actor="admin")
    with transaction(factory) as db:
        actions = [e.action for e in db.query(AuditEntry).order_by(AuditEntry.seq)]
        assert actions == ["election.create", "election.put_projects", "election.frozen"]
        assert audit.verify(db).ok


def test_freeze_checks_formats_with_the_pb_layer(factory):
    body = manifest_body()
    body["questions"][0]["format"] = {"kind": "approval", "min": 0, "max": 0}
    slug = _create(factory, body)
    with transaction(factory) as db:
        elections.put_projects(db, "study", slug, "gare", projects_body())
    with pytest.raises(Conflict) as caught:
        with transaction(factory) as db:
            advance(db, slug, "frozen", actor="admin")
    assert caught.value.code == "format_unsatisfiable" and "ville" in caught.value.message
    with transaction(factory) as db:
        assert elections.get_election(db, slug).status == "draft"


def test_rule_specs_are_checked_by_the_pb_layer(factory):
    body = manifest_body()
    body["questions"][0]["rule"] = {"rule": "greedy", "threshold": 5}
    with pytest.raises(InvalidInput) as caught:
        _create(factory, body)
    assert caught.value.code == "invalid_rule" and "takes no threshold" in caught.value.message


@pytest.mark.parametrize("place, path", [
    (lambda b: b, "body.title"),
    (lambda b: b["questions"][0], "body.questions[0].title"),
    (lambda b: b["questions"][0]["projects"][1], "body.questions[0].projects[1].title"),
    (lambda b: b["polling_points"][0], "body.polling_points[0].name"),
])
def test_invisible_characters_in_manifest_texts_are_refused_with_the_path(factory, place,
                                                                          path):
    before = _audit_count(factory)
    key = "name" if path.endswith("name") else "title"
    for char in ("\u202a", "\u202e", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c",
                 "\u200b", "\u200d", "\u2060", "\ufeff"):
        body = manifest_body()
        field = place(body)
        field[key] = field[key][:3] + char + field[key][3:]
        with pytest.raises(InvalidInput) as caught:
            _create(factory, body)
        assert caught.value.code == "invisible_character"
        assert caught.value.message == (f"{path} : caractère invisible ou de contrôle du sens "
                                        f"d’écriture refusé (U+{ord(char):04X})")
    assert _audit_count(factory) == before
    with transaction(factory) as db:
        assert elections.list_elections(db) == []


def test_invisible_characters_in_project_summaries_are_refused(factory):
    slug = _create(factory)
    body = projects_body()
    body["projects"][1]["summary"] = "Sur le mur\u2066 du tunnel"
    with transaction(factory) as db:
        with pytest.raises(InvalidInput, match=r"body\.projects\[1\]\.summary : caractère"):
            elections.put_projects(db, "test", slug, "gare", body)
    with transaction(factory) as db:
        assert elections.get_election(db, slug).questions[1].projects == []


def test_manifest_texts_in_any_script_are_kept(factory):
    slug = _create(factory, manifest_body(title="Budget participatif – Łódź, Đà Nẵng, بيروت"))
    with transaction(factory) as db:
        assert elections.get_election(db, slug).title == \
            "Budget participatif – Łódź, Đà Nẵng, بيروت"
