"""Elections: manifest, lifecycle and the study step's projects.

Lifecycle: draft → frozen → open → closed → tallied → certified. Every change takes the
election row's lock first (SELECT ... FOR UPDATE on PostgreSQL; BEGIN IMMEDIATE on SQLite), so a
manifest can never change under a concurrent freeze and of two concurrent transitions exactly
one happens. Asking for the state the election is already in is a no-op, not an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..pb.formats import FormatError, parse_format
from ..pb.instance import Project as PbProject
from ..pb.rules import RuleSpecError, check_rule_spec
from ..crypto.dkg import ElectionKey
from ..crypto.errors import CryptoError
from ..record.verify import CheckFailed, policy_counts
from ..store.models import Credential, District, Election, PollingPoint, Project, Question
from ..store.types import utcnow
from . import audit, manifest_schema, record
from ..record.canonical import canonical_bytes, sha256_hex
from .errors import Conflict, InvalidInput, NotFound
from .validation import check, iso, parse_datetime

MANIFEST_VERSION = 1

# target state → the state it may be reached from
TRANSITIONS = {
    "frozen": "draft",
    "open": "frozen",
    "closed": "open",
    "tallied": "closed",
    "certified": "tallied",
}


def list_elections(session: Session, public_only: bool = False) -> list[Election]:
    query = select(Election).order_by(Election.starts_at.desc(), Election.slug)
    if public_only:
        query = query.where(Election.status != "draft")
    return list(session.execute(query).scalars())


@dataclass(frozen=True)
class ElectionSummary:
    """An election as lists show it (pages, API, CLI)."""

    slug: str
    title: str
    city: str
    status: str
    starts_at: datetime
    ends_at: datetime
    fingerprint: str | None

    def to_json(self) -> dict:
        return {"id": self.slug, "title": self.title, "city": self.city,
                "status": self.status, "fingerprint": self.fingerprint}


def summaries(session: Session, public_only: bool = False) -> list[ElectionSummary]:
    return [ElectionSummary(e.slug, e.title, e.city, e.status, e.starts_at, e.ends_at,
                            e.fingerprint) for e in list_elections(session, public_only)]


SLUG_RE = re.compile(manifest_schema.SLUG["pattern"])


def require_slug(slug: Any) -> str:
    """A well-formed election id, or NotFound (as for an unknown one)."""
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        raise NotFound(f"no election {str(slug)[:70]!r}", "election_not_found")
    return slug


def get_election(session: Session, slug: str, lock: bool = False,
                 full: bool = True) -> Election:
    """The election row; ``full`` also loads its questions, projects, districts and polling
    points (the hot casting path reads none of them, and needs ``full=False``)."""
    require_slug(slug)
    query = select(Election).where(Election.slug == slug)
    if full:
        query = query.options(
            selectinload(Election.questions).selectinload(Question.projects),
            selectinload(Election.districts),
            selectinload(Election.polling_points),
        )
    if lock:
        query = query.with_for_update()
    election = session.execute(query).scalar_one_or_none()
    if election is None:
        raise NotFound(f"no election {slug!r}", "election_not_found")
    return election


def _unique(items: list[dict], what: str) -> None:
    seen = set()
    for item in items:
        if item["id"] in seen:
            raise InvalidInput(f"{what}: duplicate id {item['id']!r}", "duplicate_id")
        seen.add(item["id"])


def _check_question(question: dict, district_keys: set[str]) -> None:
    where = f"questions[{question['id']}]"
    district = question.get("district")
    if district is not None and district not in district_keys:
        raise InvalidInput(f"{where}.district: unknown district {district!r}", "unknown_district")
    vote_format, rule = question["format"], question["rule"]
    kind = vote_format["kind"]
    if kind == "approval" and vote_format.get("max") is not None:
        if vote_format.get("min", 0) > vote_format["max"]:
            raise InvalidInput(f"{where}.format: min is above max", "invalid_format")
    if kind == "ordinal":
        points = vote_format["points"]
        if len(points) != vote_format["k"]:
            raise InvalidInput(f"{where}.format: points must give one value per rank (k)",
                               "invalid_format")
        if any(a < b for a, b in zip(points, points[1:])):
            raise InvalidInput(f"{where}.format: a better rank cannot earn fewer points",
                               "invalid_format")
        if vote_format.get("min", 0) > vote_format["k"]:
            raise InvalidInput(f"{where}.format: min is above k", "invalid_format")
    if kind == "cumulative" and vote_format["max_per_project"] > vote_format["max_total"]:
        raise InvalidInput(f"{where}.format: max_per_project is above max_total",
                           "invalid_format")
    if kind == "grades" and vote_format.get("default", 0) >= len(vote_format["grades"]):
        raise InvalidInput(f"{where}.format: default names no grade", "invalid_format")
    try:  # the PB layer owns what a rule spec may say
        check_rule_spec(rule)
    except RuleSpecError as error:
        raise InvalidInput(f"{where}.rule: {error}", "invalid_rule")
    name = rule["rule"]
    if (name == "majority-judgement") != (kind == "grades"):
        raise InvalidInput(f"{where}.rule: majority-judgement goes with the grades format, "
                           "and only with it", "rule_format_mismatch")
    if name == "greedy-threshold" and "threshold" not in rule:
        raise InvalidInput(f"{where}.rule: greedy-threshold needs a threshold", "invalid_rule")
    if "satisfaction" in rule and not name.startswith("mes"):
        raise InvalidInput(f"{where}.rule: satisfaction applies to the mes rules only",
                           "invalid_rule")
    if "projects" in question:
        _check_projects(question["projects"], district_keys, where)
        known = {project["id"] for project in question["projects"]}
        for group in rule.get("exclusive", []):
            for pid in group["precedence"] if isinstance(group, dict) else group:
                if pid not in known:
                    raise InvalidInput(f"{where}.rule.exclusive: unknown project {pid!r}",
                                       "invalid_rule")


def _check_projects(projects: list[dict], district_keys: set[str], where: str) -> None:
    _unique(projects, f"{where}.projects")
    for project in projects:
        district = project.get("district")
        if district is not None and district not in district_keys:
            raise InvalidInput(f"{where}.projects[{project['id']}].district: unknown district "
                               f"{district!r}", "unknown_district")


def _project_row(data: dict, position: int) -> Project:
    return Project(key=data["id"], title=data["title"], summary=data.get("summary", ""),
                   cost=data["cost"], category=data.get("category", ""),
                   district_key=data.get("district"), external_ref=data.get("external_ref", ""),
                   position=position)


def create_election(session: Session, actor: str, body) -> Election:
    check(manifest_schema.ELECTION_CREATE, body)
    starts_at = parse_datetime(body["starts_at"], "starts_at")
    ends_at = parse_datetime(body["ends_at"], "ends_at")
    if ends_at <= starts_at:
        raise InvalidInput("ends_at must come after starts_at", "invalid_window")
    districts = body.get("districts", [])
    points = body.get("polling_points", [])
    _unique(districts, "districts")
    _unique(points, "polling_points")
    _unique(body["questions"], "questions")
    district_keys = {d["id"] for d in districts}
    for question in body["questions"]:
        _check_question(question, district_keys)
    if session.execute(select(Election.id).where(Election.slug == body["id"])).first():
        raise Conflict(f"election {body['id']!r} already exists", "election_exists")

    election = Election(slug=body["id"], title=body["title"], city=body["city"],
                        starts_at=starts_at, ends_at=ends_at,
                        retention_days=body.get("retention_days", 365))
    by_key = {}
    for i, d in enumerate(districts):
        by_key[d["id"]] = District(key=d["id"], name=d["name"], position=i)
        election.districts.append(by_key[d["id"]])
    for i, p in enumerate(points):
        election.polling_points.append(PollingPoint(key=p["id"], name=p["name"],
                                                    address=p.get("address", ""), position=i))
    for i, q in enumerate(body["questions"]):
        question = Question(key=q["id"], title=q["title"], budget=q["budget"],
                            currency=q.get("currency", "EUR"), vote_format=q["format"],
                            rule=q["rule"], position=i,
                            district=by_key[q["district"]] if q.get("district") else None)
        question.projects = [_project_row(p, j) for j, p in enumerate(q.get("projects", []))]
        election.questions.append(question)
    session.add(election)
    session.flush()
    audit.append(session, actor, "election.create", f"election:{election.slug}", body)
    return election


def put_projects(session: Session, actor: str, slug: str, question_key: str, body) -> Question:
    """Replace a question's projects (the study step pushes costed projects while draft)."""
    check(manifest_schema.PROJECTS_BODY, body)
    election = get_election(session, slug, lock=True)
    if election.status != "draft":
        raise Conflict(f"election {slug!r} is {election.status}: its projects can no longer "
                       "change", "manifest_frozen")
    question = next((q for q in election.questions if q.key == question_key), None)
    if question is None:
        raise NotFound(f"election {slug!r} has no question {question_key!r}",
                       "question_not_found")
    _check_projects(body["projects"], {d.key for d in election.districts},
                    f"questions[{question_key}]")
    question.projects.clear()
    session.flush()  # the unique (question, key) constraint must see the old rows gone
    question.projects.extend(_project_row(p, j) for j, p in enumerate(body["projects"]))
    election.updated_at = utcnow()
    session.flush()
    audit.append(session, actor, "election.put_projects",
                 f"election:{slug}/question:{question_key}", body)
    return question


def manifest(election: Election) -> dict:
    """The manifest as published: what the fingerprint covers once frozen."""
    districts = {d.id: d.key for d in election.districts}
    return {
        "version": MANIFEST_VERSION,
        "id": election.slug,
        "title": election.title,
        "city": election.city,
        "starts_at": iso(election.starts_at),
        "ends_at": iso(election.ends_at),
        "districts": [{"id": d.key, "name": d.name} for d in election.districts],
        "polling_points": [{"id": p.key, "name": p.name, "address": p.address}
                           for p in election.polling_points],
        "questions": [
            {
                "id": q.key,
                "title": q.title,
                "district": districts.get(q.district_id),
                "budget": q.budget,
                "currency": q.currency,
                "format": q.vote_format,
                "rule": q.rule,
                "projects": [
                    {"id": p.key, "title": p.title, "summary": p.summary, "cost": p.cost,
                     "category": p.category, "district": p.district_key,
                     "external_ref": p.external_ref}
                    for p in q.projects
                ],
            }
            for q in election.questions
        ],
    }


def published_view(election: Election) -> dict:
    """The manifest with its lifecycle status and fingerprint, as the API and CLI show it."""
    return {"status": election.status, "fingerprint": election.fingerprint,
            "manifest": manifest(election)}


def _freeze_checks(election: Election) -> None:
    """Freezing needs every question's ballot format to be buildable on its projects (the
    same check the ballot encoding and the tally will rely on)."""
    for question in election.questions:
        count = len(question.projects)
        if count == 0:
            raise Conflict(f"question {question.key!r} has no project yet", "no_projects")
        vote_format = question.vote_format
        if vote_format.get("min", 0) > count:
            raise Conflict(f"question {question.key!r}: its format asks for at least "
                           f"{vote_format['min']} choices among {count} projects",
                           "format_unsatisfiable")
        projects = [PbProject(p.key, p.cost, p.title) for p in question.projects]
        try:
            parse_format(vote_format, projects, question.budget)
        except FormatError as error:
            raise Conflict(f"question {question.key!r}: {error}", "format_unsatisfiable")


def _guard(election: Election, target: str, now: datetime) -> None:
    if target == "frozen":
        _freeze_checks(election)
    elif target == "open" and now >= election.ends_at:
        raise Conflict("the voting window is over: the election cannot open",
                       "window_over")
    elif target == "open" and election.election_key is None:
        raise Conflict("the trustees' election key is missing: run the key ceremony first",
                       "election_key_missing")
    elif target == "tallied":
        raise Conflict("no tally result exists yet: the tally ceremony produces it",
                       "tally_missing")
    elif target == "certified":
        raise Conflict("no signed certification exists yet", "certification_missing")


@dataclass(frozen=True)
class TransitionResult:
    election: Election
    changed: bool


def transition(session: Session, actor: str, slug: str, target: str,
               now: datetime | None = None, *, key_dir: Path | None = None,
               force: bool = False, reason: str | None = None) -> TransitionResult:
    """``key_dir`` is needed to freeze: the manifest event publishes the service's record
    signing key, created there if missing.

    Closing before the published end of the vote (``ends_at``) cuts voters off: it takes
    ``force`` and a ``reason``, which the audit log keeps. The record's closing event does
    not carry the reason (docs/decisions.md, "Early closing"): its body is fixed by
    docs/protocol.md §11.1.10, and the early time is public anyway (signed head, manifest)."""
    body = {"to": target, **({"force": force} if force else {}),
            **({"reason": reason} if reason is not None else {})}
    check(manifest_schema.TRANSITION_BODY, body)
    now = now or utcnow()
    election = get_election(session, slug, lock=True)
    if election.status == target:
        return TransitionResult(election, False)
    source = TRANSITIONS[target]
    if election.status != source:
        raise Conflict(f"election {slug!r} is {election.status}: it cannot become {target} "
                       f"(only from {source})", "illegal_transition",
                       {"status": election.status, "to": target})
    _guard(election, target, now)
    early = target == "closed" and now < election.ends_at
    if early and not (force and reason and reason.strip()):
        raise Conflict(f"the vote runs until {iso(election.ends_at)}: closing it earlier "
                       "takes force and a reason (which the audit log keeps)", "closing_early",
                       {"ends_at": iso(election.ends_at)})
    if target == "frozen":
        canonical = canonical_bytes(manifest(election))
        election.manifest_canonical = canonical.decode("utf-8")
        election.fingerprint = sha256_hex(canonical)
        if key_dir is None:
            raise ValueError("freezing needs the key folder (the record signing key)")
        election.service_key = record.service_public_key(key_dir, create=True).hex()
        record.append(session, election.id, "manifest", {
            "manifest": manifest(election), "fingerprint": election.fingerprint,
            "service_key": election.service_key})
    elif target == "open":
        _record_opening(session, election)
    elif target == "closed":
        try:
            cast, counted = policy_counts(list(record.events(session, election.id)))
        except CheckFailed as error:  # never expected: the service appends only what holds
            raise Conflict(f"the record does not verify ({error.check} at event "
                           f"{error.seq}): ask the IT direction before closing",
                           "record_inconsistent")
        record.append(session, election.id, "closing",
                      {"ballots_cast": cast, "ballots_counted": counted})
        if key_dir is not None:  # a signed head over the closing: a record cut before it
            record.sign_current_head(session, election, key_dir)  # no longer verifies
    election.status = target
    election.updated_at = now
    if target == "closed":
        election.closed_at = now
        election.closing_reason = reason.strip() if early else None
    if target == "certified":
        election.certified_at = now  # starts the retention period of personal data
    session.flush()
    payload = {"from": source, "to": target, "fingerprint": election.fingerprint}
    if early:
        payload.update(early=True, ends_at=iso(election.ends_at), reason=reason.strip())
    audit.append(session, actor, f"election.{target}", f"election:{slug}", payload)
    return TransitionResult(election, True)


def _record_opening(session: Session, election: Election) -> None:
    """Freeze the credential list into the record, then open. On the authority path the
    list is the one the authority signed, and every replacement since is its own signed
    event; on the one-machine path the list is the active credentials, unsigned."""
    rows = session.execute(select(Credential.public_key, Credential.questions,
                                  Credential.status, Credential.replaces,
                                  Credential.reissue_signature)
                           .where(Credential.election_id == election.id)
                           .order_by(Credential.id)).all()
    authority = election.credential_path == "authority"
    listed = [r for r in rows if (r.replaces is None if authority else r.status == "active")]
    entries = sorted(({"credential": r.public_key, "questions": sorted(r.questions)}
                      for r in listed), key=lambda e: e["credential"])
    record.append(session, election.id, "credentials", {
        "path": "authority" if authority else "server",
        "authority_key": election.authority_key if authority else None,
        "credentials": entries,
        "signature": election.authority_list_signature if authority else None})
    record.append(session, election.id, "opening", {"credentials": len(entries)})
    # Replacements made before opening follow it, each signed by the authority as it was
    # made (the list the authority signed stays as signed).
    for r in rows:
        if authority and r.replaces is not None:
            record.append(session, election.id, "credential_reissued", {
                "revoked": r.replaces, "credential": r.public_key,
                "questions": sorted(r.questions), "signature": r.reissue_signature})


def set_election_key(session: Session, actor: str, slug: str, key_json) -> Election:
    """Record the trustees' threshold election key (frozen elections only). The key
    ceremony that produces it is the trustees' (docs/protocol.md §7)."""
    election = get_election(session, slug, lock=True)
    if election.status != "frozen":
        raise Conflict(f"the election key is set while the election is frozen (it is "
                       f"{election.status})", "cannot_set_key")
    if election.election_key is not None:
        raise Conflict("this election already has its key", "election_key_exists")
    try:
        key = ElectionKey.from_json(key_json)
    except (CryptoError, ValueError, TypeError, KeyError) as error:
        raise InvalidInput(f"not an election key: {error}", "invalid_election_key")
    canonical = key.to_json()
    election.election_key = canonical_bytes(canonical).decode("utf-8")
    record.append(session, election.id, "election_key", {"election_key": canonical})
    audit.append(session, actor, "election.key", f"election:{slug}",
                 {"public_key": canonical.get("public_key")})
    return election


def status_view(election: Election, now: datetime | None = None) -> dict:
    now = now or utcnow()
    nxt = [t for t, s in TRANSITIONS.items() if s == election.status]
    return {
        "id": election.slug,
        "status": election.status,
        "fingerprint": election.fingerprint,
        "starts_at": iso(election.starts_at),
        "ends_at": iso(election.ends_at),
        "accepting_ballots": election.status == "open"
        and election.starts_at <= now < election.ends_at,
        "next": nxt,
        **({"closed_at": iso(election.closed_at)} if election.closed_at else {}),
        **({"closing_reason": election.closing_reason} if election.closing_reason else {}),
    }
