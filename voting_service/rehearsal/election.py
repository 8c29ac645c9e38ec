"""Setting up a rehearsal election through the API, and the voters' devices.

Everything an operator or a machine client would do goes through the HTTP API of the
server under test. Three things have no API and are done in this process, as their commands
do: the staff tokens (`tokens create`), the credential authority's round trip (`credentials
extract`, `generate`, `import`) and, later, the record export (`record export`).
"""

from __future__ import annotations

import json
import random
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ..authority.files import read_json, write_private_json
from ..authority.generate import generate
from ..crypto import ballot as ballots
from ..crypto.credential import Credential, derive_credential
from ..crypto.dkg import ElectionKey
from ..crypto.recipes import run_key_ceremony
from ..domain import credential_authority
from ..domain import demo, staff
from ..domain.validation import iso
from ..record.questions import QuestionSpec, question_specs
from ..store.db import transaction
from ..store.types import utcnow
from .client import Api

ACTOR = "cli:rehearse"
ROLL_HEADER = "numero_electeur;nom;prenoms;date_naissance;adresse;code_postal;quartier\n"
POLLING_POINT = "mairie"
DISTRICTS = ("nord", "sud")


@dataclass
class StaffTokens:
    """Short-lived API tokens for the rehearsal's admin, officer and trustees; revoked at
    the end. The clear tokens live only in this process."""

    admin: str
    officer: str
    trustee: str
    ids: list[int] = field(default_factory=list)


def create_tokens(factory, label: str) -> StaffTokens:
    clear, ids = {}, []
    with transaction(factory) as db:
        for role, scopes in (("admin", None), ("officer", ["checkin", "elections:read"]),
                             ("trustee", ["ceremony", "elections:read"])):
            token, clear[role] = staff.create_token(db, ACTOR, f"{label} {role}", role,
                                                    scopes, days=1)
            ids.append(token.id)
    return StaffTokens(clear["admin"], clear["officer"], clear["trustee"], ids)


def revoke_tokens(factory, tokens: StaffTokens) -> None:
    with transaction(factory) as db:
        for token_id in tokens.ids:
            staff.revoke_token(db, ACTOR, token_id)


def manifest(slug: str) -> tuple[dict, dict[str, list[dict]]]:
    """The demo's manifest (a city-wide budget question, one approval question per district)
    under a new id, with a window that started yesterday. The district questions' projects
    are returned apart, to be put through the API as the study step does."""
    body = demo.demo_manifest()
    start = utcnow().replace(microsecond=0) - timedelta(days=1)
    body.update(id=slug, title=f"Répétition générale {slug}", starts_at=iso(start),
                ends_at=iso(start + timedelta(days=31)))
    later = {}
    for question in body["questions"]:
        if question["district"] is not None:
            later[question["id"]] = question["projects"]
            question["projects"] = []
    return body, later


@dataclass(frozen=True)
class RollVoter:
    number: str
    birth_date: date
    district: str


def synthetic_roll(count: int, rng: random.Random) -> tuple[str, list[RollVoter]]:
    """A roll CSV of adults spread over the districts, and what it says of each voter."""
    lines, voters = [ROLL_HEADER], []
    for i in range(1, count + 1):
        number = f"R{i:06d}"
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(60 * 365))
        district = DISTRICTS[i % len(DISTRICTS)]
        lines.append(f"{number};Essai{i};Électeur;{born.isoformat()};{i} rue de la Répétition;"
                     f"45000;{district}\n")
        voters.append(RollVoter(number, born, district))
    return "".join(lines), voters


@dataclass
class Voter:
    """A synthetic voter's device: what the letter gave it and what it derives."""

    number: str
    birth_date: date
    questions: list[str]
    code: str
    qr: str
    credential: Credential | None = None

    def derive(self, fingerprint: bytes) -> Credential:
        if self.credential is None:
            self.credential = derive_credential(self.code, fingerprint)
        return self.credential


@dataclass
class Election:
    """The election under rehearsal as the voters' devices see it."""

    slug: str
    fingerprint: bytes = b""
    key: ElectionKey | None = None
    specs: dict[str, QuestionSpec] = field(default_factory=dict)
    trustee_keys: list = field(default_factory=list)  # in memory only, never written
    witness: Any = None   # a rehearsal.witness.Witness when a test looks for leaks

    def random_choice(self, question: str, rng: random.Random) -> list[str]:
        """A valid choice: a random subset within the format's count and budget limits."""
        fmt = self.specs[question].format
        order = list(fmt.projects)
        rng.shuffle(order)
        costs = dict(zip(fmt.projects, getattr(fmt, "costs", ())))
        limit = getattr(fmt, "max", None) or len(order)
        budget = fmt.cap if fmt.kind == "budget" else None
        chosen, spent = [], 0
        for project in order[:rng.randint(getattr(fmt, "min", 0) or 0, limit)]:
            cost = costs.get(project, 0)
            if budget is not None and spent + cost > budget:
                continue
            chosen.append(project)
            spent += cost
        return chosen

    def encrypt(self, voter_public, question: str, choice, *, seq: int = 1,
                prev: bytes = ballots.ZERO_TRACKER, checkin: bytes | None = None,
                secret=None):
        """`secret`: the credential secret, which an online device mixes into its hedged
        randomness as the browser booth does; a kiosk has none."""
        spec = self.specs[question]
        plaintext = spec.format.encode(choice)
        ballot, opening = ballots.encrypt(self.key, self.fingerprint, question, plaintext,
                                          spec.width, credential=voter_public, seq=seq,
                                          prev=prev, checkin=checkin, secret=secret)
        if self.witness is not None:
            self.witness.encrypted(plaintext, spec.width, opening)
        return ballot, opening

    def online_ballots(self, voter: Voter, rng: random.Random, *, seq: int = 1,
                       prevs: dict[str, bytes] | None = None) -> list[ballots.Ballot]:
        credential = voter.credential
        out = []
        for question in voter.questions:
            unsigned, _ = self.encrypt(credential.public, question,
                                       self.random_choice(question, rng), seq=seq,
                                       prev=(prevs or {}).get(question, ballots.ZERO_TRACKER),
                                       secret=credential.secret)
            out.append(ballots.sign_online(self.fingerprint, unsigned, credential.secret))
        return out

    def kiosk_ballots(self, voter_public, questions, checkin: bytes, kiosk_key,
                      rng: random.Random) -> list[ballots.Ballot]:
        return [ballots.sign_kiosk(self.fingerprint, self.encrypt(
                    voter_public, q, self.random_choice(q, rng), checkin=checkin)[0], kiosk_key)
                for q in questions]

    def tracker(self, ballot) -> str:
        return ballots.tracker(self.fingerprint, ballot).hex()


class Setup:
    """The operator's steps, in order; each raises ApiError (or a DomainError for the
    in-process steps) with a clear message if the server refuses."""

    def __init__(self, api: Api, factory, tokens: StaffTokens, slug: str):
        self.api, self.factory, self.tokens = api, factory, tokens
        self.election = Election(slug)

    @property
    def slug(self) -> str:
        return self.election.slug

    def create(self) -> None:
        body, later = manifest(self.slug)
        self.api.call("POST", "/elections", body, token=self.tokens.admin, expect=(201,))
        for question, projects in later.items():
            self.api.call("PUT", f"/elections/{self.slug}/questions/{question}/projects",
                          {"projects": projects}, token=self.tokens.admin, expect=(200,))

    def import_roll(self, csv_text: str) -> dict[str, Any]:
        report = self.api.call("POST", f"/elections/{self.slug}/voters/import?all_or_nothing=true",
                               raw=csv_text.encode("utf-8"), content_type="text/csv",
                               token=self.tokens.admin, expect=(200,))
        return report

    def transition(self, target: str) -> dict[str, Any]:
        body: dict[str, Any] = {"to": target}
        if target == "closed":  # the rehearsal's window runs for a month: close it now
            body.update(force=True, reason="rehearsal: every voter has voted")
        return self.api.call("POST", f"/elections/{self.slug}/transitions", body,
                             token=self.tokens.admin, expect=(200,))

    def freeze_and_key(self) -> None:
        """Freeze, then the trustees' 2-of-3 key ceremony, run here as all three trustees."""
        self.transition("frozen")
        published = self.api.call("GET", f"/elections/{self.slug}", token=self.tokens.admin)
        election = self.election
        election.fingerprint = bytes.fromhex(published["fingerprint"])
        election.specs = question_specs(published["manifest"])
        election.key, election.trustee_keys = run_key_ceremony(2, 3, election.fingerprint)
        self.api.call("PUT", f"/elections/{self.slug}/election-key",
                      {"election_key": election.key.to_json()}, token=self.tokens.trustee,
                      expect=(200,))

    def credentials(self, roll: list[RollVoter]) -> dict[str, Voter]:
        """The credential-authority path: extract the roll, let the authority draw the codes
        and print the letters (in a private folder deleted afterwards), import its signed
        public file. The codes come back in memory through `generate(reveal=…)`."""
        birth = {v.number: v.birth_date for v in roll}
        drawn: dict[str, tuple[str, str]] = {}
        with tempfile.TemporaryDirectory(prefix="vs-authority-") as work:
            work = Path(work)
            with transaction(self.factory) as db:
                body = credential_authority.extract(db, self.slug, "https://vote.invalid/")
            write_private_json(work / "extract.json", body)
            questions = {v["voter_number"]: v["questions"] for v in body["voters"]}
            generate(work / "extract.json", work / "letters", work / "public.json",
                     work / "authority.key", workers=1,
                     reveal=lambda number, code, qr: drawn.__setitem__(number, (code, qr)))
            public = read_json(work / "public.json", "public file")
            with transaction(self.factory) as db:
                credential_authority.import_public_file(db, ACTOR, self.slug, public,
                                                        "public.json")
        return {number: Voter(number, birth[number], questions[number], code, qr)
                for number, (code, qr) in drawn.items()}

    def enrol_kiosk(self) -> tuple[str, Ed25519PrivateKey]:
        key = Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
        view = self.api.call("POST", f"/elections/{self.slug}/kiosks",
                             {"polling_point": POLLING_POINT, "public_key": public,
                              "label": "Borne de répétition"},
                             token=self.tokens.admin, expect=(201,))
        return view["kiosk"], key


def receipt_matches(receipt: dict, election: Election, sent: list[ballots.Ballot]) -> bool:
    """The server's receipt names exactly the trackers the device computed."""
    return receipt.get("trackers") == {b.question: election.tracker(b) for b in sent}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
