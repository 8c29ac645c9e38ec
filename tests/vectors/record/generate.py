"""Deterministic vectors for ballots v2 and the election record (docs/protocol.md §10, §11).

Run ``python tests/vectors/record/generate.py`` to rewrite the files beside this script;
``tests/record/test_record_vectors.py`` checks that they equal what the code computes now,
that the verifier accepts ``record.zip`` and that it rejects every case of
``negative.json`` with the named check at the named event.

Everything is built with the pure functions of ``voting_service.record`` and
``voting_service.crypto`` (no database). Group randomness comes from ``SeededRng`` with the
seed written in each file; Ed25519 keys (service, authority, kiosks, witness) are the
SHA-256 of a fixed label, used as the RFC 8032 private key seed (Ed25519 signatures are
deterministic); event times are fixed.

Files:

- ``record.zip``: the record file (``record/archive.write_record``). Only its members are
  normative: a zip container carries modification times, so the file is rewritten only when
  a member changes.
- ``record.json``: the same events, heads and witnesses, readable, with every secret the
  scenario used and what the verifier reports on it.
- ``ballot_v2.json``: one online and one kiosk ballot of the record, and a width-2 online
  ballot, with every intermediate value, written by ``ballot_case`` of
  ``tests/vectors/generate.py`` (the one description of a ballot vector, also used for
  ``tests/vectors/ballot.json``).
- ``negative.json``: records that the verifier must reject, each with the check and event.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import pathlib
import sys
import zipfile
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from voting_service.crypto import ballot as ballots
from voting_service.crypto import recipes
from voting_service.crypto.credential import derive_credential, generate_letter_code
from voting_service.crypto.rng import SeededRng
from voting_service.pb.encoding import encode
from voting_service.record.archive import EVENTS, HEADS, WITNESSES, Record, write_record
from voting_service.record.canonical import canonical_bytes
from voting_service.record.credentials import list_message, reissue_message
from voting_service.record.events import GENESIS, Event, make_event
from voting_service.record.heads import head_message, sign_head
from voting_service.record.questions import question_specs
from voting_service.record.verify import verify_record

HERE = pathlib.Path(__file__).resolve().parent


def _primitives():
    """tests/vectors/generate.py: its ballot_case describes the ballots of ballot_v2.json, so
    that they are written exactly like those of ballot.json."""
    spec = importlib.util.spec_from_file_location("vector_generator", HERE.parent / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


primitives = _primitives()
SEED = "vectors/record"
START = datetime(2027, 3, 1, 8, 0, 0)


# --- fixed keys and times ---------------------------------------------------------------------

def ed25519_seed(label: str) -> bytes:
    return hashlib.sha256(f"{SEED}/{label}".encode("ascii")).digest()


def ed25519_key(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(ed25519_seed(label))


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def event_time(seq: int) -> str:
    """The service writes UTC with microseconds; here one event a minute from START."""
    return (START + timedelta(minutes=seq)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def head_time(height: int) -> str:
    return (START + timedelta(minutes=height, seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


SERVICE = "service-key"
AUTHORITY = "authority-key"
WITNESS = "witness-key"
WITNESS_NAME = "Observatoire citoyen"
KIOSKS = (("ecole-nord-1", "ecole-nord", "kiosk-ecole-nord-1"),
          ("mairie-1", "mairie", "kiosk-mairie-1"))


# --- the manifest ---------------------------------------------------------------------------------

def _project(pid: str, title: str, cost: int, district: str | None) -> dict[str, Any]:
    return {"id": pid, "title": title, "summary": "", "cost": cost, "category": "",
            "district": district, "external_ref": ""}


def manifest() -> dict[str, Any]:
    return {
        "version": 1, "id": "vectors-2027", "title": "Budget participatif 2027 (vecteurs)",
        "city": "Villeneuve-Essai", "starts_at": "2027-03-01T08:00:00Z",
        "ends_at": "2027-03-15T18:00:00Z",
        "districts": [{"id": "nord", "name": "Nord"}, {"id": "sud", "name": "Sud"}],
        "polling_points": [
            {"id": "mairie", "name": "Mairie", "address": "1 place de la Mairie"},
            {"id": "ecole-nord", "name": "École du Nord", "address": "4 rue des Écoles"}],
        "questions": [
            {"id": "ville", "title": "Toute la ville", "district": None, "budget": 100000,
             "currency": "EUR", "format": {"kind": "approval", "min": 0, "max": 2},
             "rule": {"rule": "mes", "satisfaction": "cost"},
             "projects": [_project("V1", "Parc des berges", 60000, None),
                          _project("V2", "Pistes cyclables", 30000, None),
                          _project("V3", "Fontaines", 15000, None)]},
            {"id": "nord", "title": "Quartier nord", "district": "nord", "budget": 50000,
             "currency": "EUR", "format": {"kind": "budget", "cap": None},
             "rule": {"rule": "greedy"},
             "projects": [_project("N1", "Aire de jeux", 40000, "nord"),
                          _project("N2", "Jardin partagé", 25000, "nord"),
                          _project("N3", "Bancs", 10000, "nord")]},
        ],
    }


# --- building a record ----------------------------------------------------------------------------

class Chain:
    """Events appended in order, as domain/record.append does, with fixed times."""

    def __init__(self, events: list[Event] | None = None):
        self.events: list[Event] = list(events or [])

    def append(self, type_: str, body: dict[str, Any]) -> Event:
        seq = len(self.events) + 1
        prev = self.events[-1].hash if self.events else GENESIS
        event = make_event(seq, prev, type_, event_time(seq), copy.deepcopy(body))
        self.events.append(event)
        return event


class World:
    """The scenario: keys, voters, and the record's events with what they were built from."""

    def __init__(self) -> None:
        self.rng = SeededRng(SEED.encode("ascii"))
        self.manifest = manifest()
        self.fingerprint = hashlib.sha256(canonical_bytes(self.manifest)).digest()
        self.specs = question_specs(self.manifest)
        self.service = ed25519_key(SERVICE)
        self.authority = ed25519_key(AUTHORITY)
        self.witness = ed25519_key(WITNESS)
        self.kiosk_keys = {kid: ed25519_key(label) for kid, _, label in KIOSKS}
        self.key, self.trustees = recipes.run_key_ceremony(2, 3, self.fingerprint, self.rng)
        # Voters A, B (district nord), C, D (district sud); D's letter is reissued (D2).
        self.voters: dict[str, Any] = {}
        self.questions: dict[str, list[str]] = {}
        for name, qs in (("A", ["nord", "ville"]), ("B", ["nord", "ville"]),
                         ("C", ["ville"]), ("D", ["ville"]), ("D2", ["ville"])):
            self.voters[name] = derive_credential(generate_letter_code(self.rng),
                                                  self.fingerprint)
            self.questions[name] = qs
        self.chain = Chain()
        self.ballots: dict[str, tuple[ballots.Ballot, ballots.BallotOpening, Any]] = {}
        self.trackers: dict[str, str] = {}
        self.draws: dict[str, list[bytes]] = {}   # each ballot's draws from the RNG (§10.8)
        self.seq_of: dict[str, int] = {}

    def public(self, name: str) -> str:
        return self.voters[name].public.hex()

    def plaintext(self, question: str, choice) -> bytes:
        return encode(self.specs[question].format, choice)

    def encrypt(self, name: str, question: str, choice, *, seq: int = 1,
                prev: bytes = ballots.ZERO_TRACKER, checkin: bytes | None = None,
                rng=None) -> tuple[ballots.Ballot, ballots.BallotOpening]:
        # The voter's device hedges with the credential secret; a kiosk has none.
        return ballots.encrypt(self.key, self.fingerprint, question,
                               self.plaintext(question, choice), self.specs[question].width,
                               credential=self.voters[name].public, seq=seq, prev=prev,
                               checkin=checkin, rng=rng or self.rng,
                               secret=self.voters[name].secret if checkin is None else None)

    def online(self, label: str, name: str, question: str, choice, *, seq: int = 1,
               prev: bytes = ballots.ZERO_TRACKER, rng=None) -> ballots.Ballot:
        rng = primitives.RecordingRng(rng or self.rng)
        ballot, opening = self.encrypt(name, question, choice, seq=seq, prev=prev, rng=rng)
        signed = ballots.sign_online(self.fingerprint, ballot, self.voters[name].secret, rng)
        self.ballots[label] = (signed, opening, choice)
        self.draws[label] = rng.draws
        self.trackers[label] = ballots.tracker(self.fingerprint, signed).hex()
        return signed

    def kiosk(self, label: str, name: str, question: str, choice, checkin: bytes,
              kiosk: str, rng=None) -> ballots.Ballot:
        rng = primitives.RecordingRng(rng or self.rng)
        ballot, opening = self.encrypt(name, question, choice, checkin=checkin, rng=rng)
        signed = ballots.sign_kiosk(self.fingerprint, ballot, self.kiosk_keys[kiosk])
        self.ballots[label] = (signed, opening, choice)
        self.draws[label] = rng.draws
        self.trackers[label] = ballots.tracker(self.fingerprint, signed).hex()
        return signed

    def cast(self, label: str, kiosk: str | None = None, chain: Chain | None = None) -> Event:
        ballot = self.ballots[label][0]
        event = (chain or self.chain).append("ballot", {
            "ballot": ballot.to_json(), "tracker": self.trackers[label], "kiosk": kiosk})
        if chain is None:
            self.seq_of[label] = event.seq
        return event

    def credential_entries(self) -> list[dict[str, Any]]:
        return sorted(({"credential": self.public(n), "questions": sorted(self.questions[n])}
                       for n in ("A", "B", "C", "D")), key=lambda e: e["credential"])

    def build(self) -> None:
        c, fp = self.chain, self.fingerprint
        c.append("manifest", {"manifest": self.manifest, "fingerprint": fp.hex(),
                              "service_key": raw_public(self.service).hex()})     # 1
        c.append("election_key", {"election_key": self.key.to_json()})          # 2
        for kid, point, _ in KIOSKS:                                             # 3, 4
            c.append("kiosk_enrolled", {"kiosk": kid, "polling_point": point,
                                        "public_key": raw_public(self.kiosk_keys[kid]).hex()})
        entries = self.credential_entries()
        c.append("credentials", {                                               # 5
            "path": "authority", "authority_key": raw_public(self.authority).hex(),
            "credentials": entries,
            "signature": self.authority.sign(list_message(fp, entries)).hex()})
        c.append("opening", {"credentials": len(entries)})                      # 6
        revoked, new, qs = self.public("D"), self.public("D2"), self.questions["D2"]
        c.append("credential_reissued", {                                       # 7
            "revoked": revoked, "credential": new, "questions": qs,
            "signature": self.authority.sign(reissue_message(fp, revoked, new, qs)).hex()})
        self.online("A-ville-1", "A", "ville", ["V1"])
        self.cast("A-ville-1")                                                   # 8
        self.online("A-nord-1", "A", "nord", ["N1", "N3"])
        self.cast("A-nord-1")                                                    # 9
        self.online("A-ville-2", "A", "ville", ["V2", "V3"], seq=2,
                    prev=bytes.fromhex(self.trackers["A-ville-1"]))
        self.cast("A-ville-2")                                                   # 10
        spoiled, opening = self.encrypt("B", "ville", ["V1", "V2"])
        self.ballots["B-ville-spoiled"] = (spoiled, opening, ["V1", "V2"])
        self.trackers["B-ville-spoiled"] = ballots.tracker(fp, spoiled).hex()
        plaintext = ballots.open_ballot(self.key, spoiled, opening)
        event = c.append("spoiled", {                                            # 11
            "ballot": spoiled.to_json(), "tracker": self.trackers["B-ville-spoiled"],
            "opening": opening.to_json(), "plaintext": plaintext.hex()})
        self.seq_of["B-ville-spoiled"] = event.seq
        self.online("B-ville-1", "B", "ville", ["V1"])
        self.cast("B-ville-1")                                                   # 12
        self.online("B-nord-1", "B", "nord", ["N2"])
        self.cast("B-nord-1")                                                    # 13
        checkin = c.append("checkin", {"credential": self.public("B"),          # 14
                                       "polling_point": "ecole-nord", "officer": "agent-07"})
        self.checkin = checkin
        self.kiosk("B-nord-kiosk", "B", "nord", ["N1"], checkin.hash, "ecole-nord-1")
        self.cast("B-nord-kiosk", "ecole-nord-1")                                # 15
        self.kiosk("B-ville-kiosk", "B", "ville", ["V3"], checkin.hash, "ecole-nord-1")
        self.cast("B-ville-kiosk", "ecole-nord-1")                               # 16
        self.online("D2-ville-1", "D2", "ville", [])
        self.cast("D2-ville-1")                                                  # 17
        c.append("kiosk_revoked", {"kiosk": "mairie-1", "reason": "écran cassé"})  # 18
        self.closing_body = {"ballots_cast": 8, "ballots_counted": {"nord": 2, "ville": 3}}
        c.append("closing", self.closing_body)                                   # 19
        self.heads = [sign_head(self.service, fp, h, c.events[h - 1].hash, head_time(h))
                      for h in (self.seq_of["A-ville-1"], self.seq_of["A-nord-1"],
                                self.seq_of["A-ville-2"], self.seq_of["B-ville-1"],
                                self.seq_of["B-nord-1"], self.seq_of["B-ville-kiosk"],
                                self.seq_of["D2-ville-1"], len(c.events))]
        last = c.events[-1]
        self.witnesses = [sign_head(self.witness, fp, last.seq, last.hash,
                                    head_time(last.seq + 60), WITNESS_NAME)]

    def counted(self) -> dict[str, list[str]]:
        """What the policy must count (§11.4), by hand: per question, in credential order."""
        by_credential = {"nord": {self.public("A"): self.trackers["A-nord-1"],
                                  self.public("B"): self.trackers["B-nord-kiosk"]},
                         "ville": {self.public("A"): self.trackers["A-ville-2"],
                                   self.public("B"): self.trackers["B-ville-kiosk"],
                                   self.public("D2"): self.trackers["D2-ville-1"]}}
        return {q: [t for _, t in sorted(m.items())] for q, m in sorted(by_credential.items())}


def build_world() -> World:
    world = World()
    world.build()
    return world


# --- record.json ------------------------------------------------------------------------------------

def _key_json(label: str, key: Ed25519PrivateKey) -> dict[str, str]:
    return {"seed_label": f"{SEED}/{label}", "private_seed": ed25519_seed(label).hex(),
            "public_key": raw_public(key).hex()}


def report_json(world: World, events, heads, witnesses) -> dict[str, Any]:
    report = verify_record(Record(list(events), list(heads), list(witnesses)), workers=1)
    out = report.to_json()
    out["counted"] = report.counted
    return out


def record_vectors(world: World) -> dict[str, Any]:
    events = world.chain.events
    return {
        "seed": SEED,
        "fingerprint": world.fingerprint.hex(),
        "keys": {"service": _key_json(SERVICE, world.service),
                 "authority": _key_json(AUTHORITY, world.authority),
                 "witness": _key_json(WITNESS, world.witness),
                 "kiosks": {kid: _key_json(label, world.kiosk_keys[kid])
                            for kid, _, label in KIOSKS}},
        "trustee_secret_shares": [t.share.hex() for t in world.trustees],
        "voters": [{"name": n, "letter_code": v.code, "credential_secret": v.secret.hex(),
                    "credential": v.public.hex(), "questions": world.questions[n]}
                   for n, v in world.voters.items()],
        "ballots": [{"label": label, "event": world.seq_of[label],
                     "tracker": world.trackers[label],
                     "plaintext": world.plaintext(world.ballots[label][0].question,
                                                  world.ballots[label][2]).hex(),
                     "randomness": [r.hex() for r in world.ballots[label][1].randomness]}
                    for label in world.seq_of],
        "events": [e.to_json() for e in events],
        "event_hash_inputs": [canonical_bytes({k: v for k, v in e.to_json().items()
                                               if k != "hash"}).decode("utf-8")
                              for e in events[:2]],
        "heads": [h.to_json() for h in world.heads],
        "head_messages": [head_message(world.fingerprint, h.height, h.hash).hex()
                          for h in world.heads],
        "witnesses": [w.to_json() for w in world.witnesses],
        "authority_list_message": list_message(world.fingerprint,
                                               world.credential_entries()).hex(),
        "verify": report_json(world, events, world.heads, world.witnesses),
    }


# --- ballot_v2.json ---------------------------------------------------------------------------------

def ballot_vectors(world: World) -> dict[str, Any]:
    fp = world.fingerprint

    def case(label: str, ballot, opening, draws, choice, **signer) -> dict[str, Any]:
        return {"label": label, "choice": choice,
                **primitives.ballot_case(world.key, fp, ballot, opening, draws, **signer)}

    b, opening, choice = world.ballots["A-ville-2"]
    cases = [case("online (A, ville, seq 2)", b, opening, world.draws["A-ville-2"], choice,
                  secret=world.voters["A"].secret)]
    b, opening, choice = world.ballots["B-ville-kiosk"]
    kiosk = case("kiosk (B, ville, after check-in)", b, opening, world.draws["B-ville-kiosk"],
                 choice, kiosk_seed=ed25519_seed(KIOSKS[0][2]))
    cases.append({**kiosk, "kiosk": "ecole-nord-1", "checkin_event": world.checkin.seq})
    # Width 2 (not in the record: the record's questions all have width 1).
    rng = primitives.RecordingRng(SeededRng(b"vectors/record/width-2"))
    voter = world.voters["C"]
    ballot, opening = ballots.encrypt(world.key, fp, "exemple-large", bytes(range(40)), 2,
                                      credential=voter.public, seq=3, prev=bytes(range(32)),
                                      secret=voter.secret, rng=rng)
    ballot = ballots.sign_online(fp, ballot, voter.secret, rng)
    cases.append(case("online, width 2 (C, outside the record)", ballot, opening, rng.draws,
                      None, secret=voter.secret))
    return {"seed": SEED, "width_2_seed": "vectors/record/width-2", "election": fp.hex(),
            "public_key": world.key.public_key.hex(), "election_key": world.key.to_json(),
            "cases": cases}


# --- negative.json ----------------------------------------------------------------------------------

def _events_json(events: list[Event]) -> list[dict[str, Any]]:
    return [e.to_json() for e in events]


def negative_vectors(world: World) -> dict[str, Any]:
    base = world.chain.events
    fp = world.fingerprint
    rng = SeededRng(b"vectors/record/negative")
    cases: list[dict[str, Any]] = []

    def case(name: str, reason: str, keep: int, appended: list[Event], check: str,
             event: int, heads=(), witnesses=()) -> None:
        record = Record(base[:keep] + appended, list(heads), list(witnesses))
        report = verify_record(record, workers=1)
        assert not report.ok and report.failure["check"] == check and \
            report.failure["event"] == event, (name, report.failure)
        cases.append({"name": name, "reason": reason, "keep": keep,
                      "events": _events_json(appended),
                      "heads": [h.to_json() for h in heads],
                      "witnesses": [w.to_json() for w in witnesses],
                      "expected": {"check": check, "event": event,
                                   "type": report.failure["type"]}})

    def after(seq: int) -> Chain:
        return Chain(base[:seq])

    # An older ballot of A sent again after A's re-vote.
    chain = after(world.seq_of["A-ville-2"])
    e = world.cast("A-ville-1", chain=chain)
    case("replayed_older_ballot", "A's first ballot for ville cast again after its successor",
         e.seq - 1, [e], "ballots", e.seq)
    # A fork: a second successor of A's first ballot.
    chain = after(world.seq_of["A-ville-2"])
    world.online("fork", "A", "ville", ["V3"], seq=2,
                 prev=bytes.fromhex(world.trackers["A-ville-1"]), rng=rng)
    e = world.cast("fork", chain=chain)
    case("fork", "a second ballot with seq 2 and the same prev (the chain forks)",
         e.seq - 1, [e], "ballots", e.seq)
    # A ballot restarting the chain (seq 1, zero prev) after two ballots.
    chain = after(world.seq_of["A-ville-2"])
    world.online("restart", "A", "ville", ["V1"], rng=rng)
    e = world.cast("restart", chain=chain)
    case("restarted_chain", "a fresh seq 1 ballot after the chain has two ballots",
         e.seq - 1, [e], "ballots", e.seq)
    # The kiosk at the town hall signs a ballot for B, who checked in at the north school.
    chain = after(world.checkin.seq)
    world.kiosk("other-point", "B", "nord", ["N1"], world.checkin.hash, "mairie-1", rng=rng)
    e = world.cast("other-point", "mairie-1", chain=chain)
    case("kiosk_at_other_polling_point", "a kiosk ballot by a kiosk of another polling point",
         e.seq - 1, [e], "kiosk_binding", e.seq)
    # A second kiosk ballot for one check-in and question.
    chain = after(world.seq_of["B-ville-kiosk"])
    world.kiosk("second-kiosk", "B", "ville", ["V1"], world.checkin.hash, "ecole-nord-1",
                rng=rng)
    e = world.cast("second-kiosk", "ecole-nord-1", chain=chain)
    case("second_kiosk_ballot", "a second kiosk ballot for the same check-in and question",
         e.seq - 1, [e], "kiosk_binding", e.seq)
    # An online ballot after the voter checked in.
    chain = after(world.checkin.seq)
    world.online("after-checkin", "B", "nord", ["N3"], seq=2,
                 prev=bytes.fromhex(world.trackers["B-nord-1"]), rng=rng)
    e = world.cast("after-checkin", chain=chain)
    case("online_after_checkin", "B's online successor ballot after B checked in",
         e.seq - 1, [e], "ballots", e.seq)
    # The challenged ballot, signed and cast.
    spoiled = world.ballots["B-ville-spoiled"][0]
    signed = ballots.sign_online(fp, spoiled, world.voters["B"].secret, rng)
    chain = after(world.seq_of["B-ville-spoiled"])
    e = chain.append("ballot", {"ballot": signed.to_json(),
                                "tracker": world.trackers["B-ville-spoiled"], "kiosk": None})
    case("cast_spoiled_ballot", "the challenged (spoiled) ballot, signed and cast",
         e.seq - 1, [e], "spoiled", e.seq)
    # The authority's list signature does not verify (one bit changed).
    credentials = base[4]
    body = copy.deepcopy(credentials.body)
    sig = bytearray(bytes.fromhex(body["signature"]))
    sig[0] ^= 1
    body["signature"] = sig.hex()
    chain = after(4)
    e = chain.append("credentials", body)
    case("bad_authority_signature", "the credential list's authority signature is altered",
         4, [e], "credential_list", e.seq)
    # A reissue not signed by the authority.
    reissue = base[6]
    body = copy.deepcopy(reissue.body)
    body["signature"] = world.service.sign(reissue_message(
        fp, body["revoked"], body["credential"], body["questions"])).hex()
    chain = after(6)
    e = chain.append("credential_reissued", body)
    case("reissue_signed_by_another_key", "a reissue signed by the service key, not the "
         "authority's", 6, [e], "credential_reissues", e.seq)
    # A ballot under the revoked credential.
    chain = after(world.seq_of["D2-ville-1"])
    world.online("revoked", "D", "ville", ["V1"], rng=rng)
    e = world.cast("revoked", chain=chain)
    case("revoked_credential_votes", "a ballot under the credential revoked by the reissue",
         e.seq - 1, [e], "ballots", e.seq)
    # A ballot for a question the credential may not answer (C lives in the south).
    world.online("not-eligible", "C", "nord", ["N2"], rng=rng)
    chain = after(world.seq_of["D2-ville-1"])
    e = world.cast("not-eligible", chain=chain)
    case("question_not_eligible", "C (district sud) answers the nord question",
         e.seq - 1, [e], "ballots", e.seq)
    # A kiosk ballot whose Ed25519 signature is by another key (the other kiosk's).
    ballot, _ = world.encrypt("B", "nord", ["N2"], checkin=world.checkin.hash, rng=rng)
    forged = ballots.sign_kiosk(fp, ballot, world.kiosk_keys["mairie-1"])
    chain = after(world.checkin.seq)
    e = chain.append("ballot", {"ballot": forged.to_json(),
                                "tracker": ballots.tracker(fp, forged).hex(),
                                "kiosk": "ecole-nord-1"})
    case("kiosk_signature_by_another_key", "a kiosk ballot named for one kiosk, signed by "
         "another", e.seq - 1, [e], "ballots", e.seq)
    # An edited event (its body changed, its hash kept).
    edited = base[world.seq_of["A-nord-1"] - 1]
    body = copy.deepcopy(edited.body)
    body["kiosk"] = "ecole-nord-1"
    bad = Event(edited.seq, edited.prev, edited.type, edited.at, body, edited.hash)
    case("edited_event", "an event's body changed after it was hashed", edited.seq - 1,
         [bad], "chain", edited.seq)
    # The closing claims other counts.
    chain = after(len(base) - 1)
    e = chain.append("closing", {"ballots_cast": 8, "ballots_counted": {"nord": 2, "ville": 4}})
    case("wrong_closing_counts", "the closing claims 4 counted ballots for ville, the policy "
         "gives 3", len(base) - 1, [e], "counting", e.seq)
    # A ballot after the closing.
    chain = after(len(base))
    world.online("after-closing", "C", "ville", ["V2"], rng=rng)
    e = world.cast("after-closing", chain=chain)
    case("ballot_after_closing", "C's first ballot, appended after the closing",
         len(base), [e], "lifecycle", e.seq)
    # A signed head whose hash is not the record's event at that height.
    height = world.seq_of["B-nord-1"]
    rewritten = sign_head(world.service, fp, height, hashlib.sha256(b"another").digest(),
                          head_time(height))
    case("head_not_in_chain", "a service head (validly signed) naming a hash the record does "
         "not have at its height", len(base), [], "head_signatures", height,
         heads=[*world.heads, rewritten])
    # A witness co-signature over another fingerprint.
    last = base[-1]
    wrong = sign_head(world.witness, hashlib.sha256(b"another election").digest(), last.seq,
                      last.hash, head_time(last.seq + 60), WITNESS_NAME)
    case("witness_bad_signature", "a witness signature made over another election's "
         "fingerprint", len(base), [], "witnesses", last.seq, heads=world.heads,
         witnesses=[wrong])
    return {"seed": "vectors/record/negative", "base": "record.json", "cases": cases}


# --- files ----------------------------------------------------------------------------------------

def zip_members(world: World) -> dict[str, bytes]:
    def lines(items) -> bytes:
        return b"".join(canonical_bytes(i.to_json()) + b"\n" for i in items)

    return {EVENTS: b"".join(e.line() + b"\n" for e in world.chain.events),
            HEADS: lines(world.heads), WITNESSES: lines(world.witnesses)}


def read_members(path: pathlib.Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def build_all(world: World | None = None) -> dict[str, Any]:
    world = world or build_world()
    return {"record": record_vectors(world), "ballot_v2": ballot_vectors(world),
            "negative": negative_vectors(world)}


def render(vector: Any) -> str:
    return json.dumps(vector, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    world = build_world()
    for name, vector in build_all(world).items():
        (HERE / f"{name}.json").write_text(render(vector), encoding="utf-8")
    target = HERE / "record.zip"
    if not target.exists() or read_members(target) != zip_members(world):
        write_record(target, world.chain.events, world.heads, world.witnesses)
    assert read_members(target) == zip_members(world)
    return 0


if __name__ == "__main__":
    sys.exit(main())
