"""A record holding every event type, built through the domain, and the tools an attacker
(or a test) needs to rewrite one: re-chaining after a change and re-signing heads.

``build_record`` drives the domain functions directly (no HTTP) on its own SQLite database,
closes the election and exports the record with the real ``record export`` command. The
one-machine path does not append ``credential_reissued`` events after opening (only the
authority path lists reissues, at opening), so ``with_reissue`` splices one in at the
record level: the reissued credential then casts a ballot, the closing counts are
recomputed and the heads re-signed with the service key, giving a record that verifies and
holds every event type.
"""

from __future__ import annotations

import copy
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.casting.helpers import OpenElection, VoterDevice, new_kiosk_key, open_election
from tests.factories import advance
from voting_service.crypto import ballot as ballots
from voting_service.crypto.credential import derive_credential, generate_letter_code
from voting_service.domain import casting, checkin, elections, keystore, kiosks
from voting_service.domain import record as record_domain
from voting_service.record.archive import Record, read_record, write_record
from voting_service.record.events import Event, make_event, GENESIS
from voting_service.record.heads import SignedHead, sign_head
from voting_service.record.verify import VerifyReport, policy_counts, verify_record
from voting_service.store.db import make_engine, make_session_factory, transaction
from voting_service.store.migrate import upgrade
from voting_service.store.models import Voter


# --- rewriting a record -----------------------------------------------------------------

def rechain(items: Iterable[Event | tuple[str, str, dict]]) -> list[Event]:
    """Number the events 1, 2, … and recompute every ``prev`` and ``hash``, as an attacker
    who rewrites the record must (``event_hash`` is public)."""
    out: list[Event] = []
    prev = GENESIS
    for seq, item in enumerate(items, start=1):
        type_, at, body = (item.type, item.at, item.body) if isinstance(item, Event) else item
        event = make_event(seq, prev, type_, at, body)
        out.append(event)
        prev = event.hash
    return out


def service_key(key_dir: Path) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(
        keystore.load(key_dir, record_domain.SIGNING_KEY))


def fingerprint_of(events: list[Event]) -> bytes:
    return bytes.fromhex(events[0].body["fingerprint"])


def sign_heads(events: list[Event], key: Ed25519PrivateKey, heights: Iterable[int],
               signer: str = "service") -> list[SignedHead]:
    fp = fingerprint_of(events)
    return [sign_head(key, fp, h, events[h - 1].hash, "2027-01-01T00:00:00.000000Z", signer)
            for h in heights]


def verify(record: Record) -> VerifyReport:
    return verify_record(record, workers=1)


def write_lines(path: Path, events: list[bytes], heads: list[bytes] = (),
                witnesses: list[bytes] = ()) -> Path:
    """A record file from raw lines (each without its newline)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, lines in (("events.jsonl", events), ("heads.jsonl", heads),
                            ("witnesses.jsonl", witnesses)):
            archive.writestr(name, b"".join(line + b"\n" for line in lines))
    return path


def record_lines(path: Path) -> dict[str, list[bytes]]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).splitlines()
                for name in ("events.jsonl", "heads.jsonl", "witnesses.jsonl")}


def edit_one_byte(line: bytes) -> bytes:
    """The event line with one byte of its body changed, still canonical JSON: the last
    character of the body's first string (or digit of its first integer) is replaced."""
    obj = json.loads(line)
    body = copy.deepcopy(obj["body"])

    def change(value: Any):
        if isinstance(value, dict):
            for key in sorted(value):
                changed, value[key] = change(value[key])
                if changed:
                    return True, value
        elif isinstance(value, list):
            for index, item in enumerate(value):
                changed, value[index] = change(item)
                if changed:
                    return True, value
        elif isinstance(value, str) and value and value[-1].isascii():
            return True, value[:-1] + ("1" if value[-1] != "1" else "2")
        elif isinstance(value, int) and not isinstance(value, bool):
            return True, value + 1 if value % 10 != 9 else value - 1
        return False, value

    changed, obj["body"] = change(body)
    assert changed
    from voting_service.record.canonical import canonical_bytes

    edited = canonical_bytes(obj)
    assert len(edited) == len(line) and \
        sum(a != b for a, b in zip(edited, line)) == 1, "exactly one byte differs"
    return edited


# --- building the record ---------------------------------------------------------------

@dataclass
class Built:
    """The exported (domain) record and what the tests need to forge more events."""
    path: Path                 # the file `record export` wrote
    full: Record               # the same plus a reissue, every event type, verifies
    full_path: Path
    vote: OpenElection
    key_dir: Path
    kiosk_key: Ed25519PrivateKey
    kiosk: str
    revoked_kiosk_key: Ed25519PrivateKey
    revoked_kiosk: str
    reissued: VoterDevice      # V004's replacement credential
    auditor: Ed25519PrivateKey

    @property
    def events(self) -> list[Event]:
        return self.full.events

    def first(self, type_: str, **where) -> Event:
        for event in self.events:
            if event.type == type_ and all(_match(event, k, v) for k, v in where.items()):
                return event
        raise LookupError(type_)


def _match(event: Event, key: str, value) -> bool:
    if key == "channel":
        return (event.body["kiosk"] is None) == (value == "online")
    if key == "credential":
        ballot = event.body.get("ballot")
        return (ballot["credential"] if ballot else event.body.get("credential")) == value
    if key == "seq":
        return event.body["ballot"]["seq"] == value
    if key == "question":
        return event.body["ballot"]["question"] == value
    return event.body.get(key) == value


def _voter_ctx(db, election, vote: OpenElection, number: str) -> casting.VoterContext:
    device = vote.voters[number]
    voter = db.query(Voter).filter_by(election_id=election.id, voter_number=number).one()
    questions = tuple(sorted(vote.credential_questions[device.public]))
    return casting.VoterContext(casting.CastElection.of(election), voter.id, device.public,
                                questions, casting.crypto_context(election))


def questions_of(factory, slug: str) -> dict[str, list[str]]:
    from voting_service.store.models import Credential

    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        return {c.public_key: sorted(c.questions) for c in
                db.query(Credential).filter_by(election_id=election.id, status="active")}


def cast_online(factory, vote: OpenElection, number: str, choices: dict, key_dir: Path,
                seq: int = 1, prev: dict | None = None) -> casting.Receipt:
    device = vote.voters[number]
    ballot_list = [vote.online_ballot(device, q, c, seq=seq,
                                      prev=(prev or {}).get(q, ballots.ZERO_TRACKER))
                   for q, c in choices.items()]
    try:
        with transaction(factory) as db:
            election = elections.get_election(db, vote.slug)
            ctx = _voter_ctx(db, election, vote, number)
            casting.check_online(ballot_list, ctx)
            return casting.commit_online(db, ctx, ballot_list, key_dir)
    except casting.ReplayedCast as twin:   # rolled back; as the web layer answers it
        return twin.receipt


def kiosk_ballots(vote: OpenElection, device: VoterDevice, checkin_hash: bytes, choices: dict,
                  key: Ed25519PrivateKey):
    return [ballots.sign_kiosk(vote.fingerprint,
                               vote.encrypt(device, q, c, checkin=checkin_hash)[0], key)
            for q, c in choices.items()]


def cast_kiosk(factory, vote: OpenElection, kiosk: str, ballot_list, key_dir: Path):
    with transaction(factory) as db:
        election = elections.get_election(db, vote.slug)
        ctx = casting.kiosk_context(db, election, kiosk)
        casting.check_kiosk(ballot_list, ctx)
        return casting.commit_kiosk(db, election, ctx, ballot_list, key_dir)


def check_in(factory, vote: OpenElection, number: str, point: str = "mairie"):
    with transaction(factory) as db:
        election = elections.get_election(db, vote.slug)
        return checkin.check_in(db, election, vote.voters[number].qr, point, "officer:test")


def spoil(factory, vote: OpenElection, number: str, question: str, choice):
    unsigned, opening = vote.encrypt(vote.voters[number], question, choice)
    plaintext = casting.check_spoil(unsigned, opening,
                                    _crypto(factory, vote.slug))
    with transaction(factory) as db:
        election = elections.get_election(db, vote.slug)
        casting.commit_spoil(db, election, casting.crypto_context(election), unsigned, opening,
                             plaintext)
    return unsigned, opening


def _crypto(factory, slug):
    with transaction(factory) as db:
        return casting.crypto_context(elections.get_election(db, slug))


def enrol_kiosk(factory, slug: str, point: str = "mairie"):
    key, public = new_kiosk_key()
    with transaction(factory) as db:
        view = kiosks.enrol(db, "t", elections.get_election(db, slug), point, public, "borne")
    return key, view.kiosk


def open_with_questions(factory, key_dir: Path) -> OpenElection:
    vote = open_election(factory, key_dir)
    vote.credential_questions = questions_of(factory, vote.slug)
    return vote


def open_with_more_voters(factory, key_dir: Path, extra: int,
                          slug: str = "bp-vote-2027") -> OpenElection:
    """Like ``open_election``, with ``extra`` more voters (V101…) of the "centre" district."""
    import json as _json

    from tests.casting.helpers import give_credentials
    from tests.voters_helpers import HEADER, ROWS, import_text, make_election
    from voting_service.crypto.dkg import ElectionKey
    from voting_service.store.models import Election

    numbers = [f"V{101 + i}" for i in range(extra)]
    rows = "".join(f"{n};Nom{n};Prénom;01/01/1970;{i} rue Neuve;45000;centre\n"
                   for i, n in enumerate(numbers))
    make_election(factory, slug, status="draft")
    import_text(factory, slug, HEADER + ROWS + rows)
    with transaction(factory) as db:
        advance(db, slug, "frozen", key_dir)
    devices = give_credentials(factory, slug, ("V001", "V002", "V004", *numbers))
    with transaction(factory) as db:
        advance(db, slug, "open", key_dir)
        election = db.query(Election).filter_by(slug=slug).one()
        vote = OpenElection(slug, bytes.fromhex(election.fingerprint),
                            ElectionKey.from_json(_json.loads(election.election_key)),
                            _json.loads(election.manifest_canonical), devices)
    vote.credential_questions = questions_of(factory, slug)
    return vote


def export_with_cli(db_url: str, key_dir: Path, slug: str, path: Path) -> None:
    from voting_service.cli import main

    result = CliRunner().invoke(main, ["record", "export", slug, str(path)], env={
        "VOTING_DATABASE_URL": db_url, "VOTING_KEY_DIR": str(key_dir)},
        catch_exceptions=False)
    assert result.exit_code == 0, result.output


def build_record(tmp: Path) -> Built:
    db_url = f"sqlite:///{tmp / 'record.db'}"
    engine = make_engine(db_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    key_dir = tmp / "keys"
    vote = open_with_questions(factory, key_dir)
    both = {"ville": ["P1"], "gare": ["G1"]}
    kiosk_key, kiosk = enrol_kiosk(factory, vote.slug)
    gone_key, gone = enrol_kiosk(factory, vote.slug)
    with transaction(factory) as db:
        kiosks.revoke(db, "t", elections.get_election(db, vote.slug), gone, "perdue")
    # V001: an online ballot and a re-vote.
    first = cast_online(factory, vote, "V001", {"ville": ["P1"]}, key_dir)
    cast_online(factory, vote, "V001", {"ville": ["P2"]}, key_dir, seq=2,
                prev={"ville": bytes.fromhex(first.trackers["ville"])})
    # V002: online, then checks in and votes at the kiosk (the kiosk ballot counts).
    cast_online(factory, vote, "V002", both, key_dir)
    view = check_in(factory, vote, "V002")
    cast_kiosk(factory, vote, kiosk, kiosk_ballots(vote, vote.voters["V002"],
                                                   bytes.fromhex(view.checkin),
                                                   {"ville": ["P2"], "gare": []}, kiosk_key),
               key_dir)
    # V004: challenges a ballot (spoiled), then casts.
    spoil(factory, vote, "V004", "ville", ["P1", "P2"])
    cast_online(factory, vote, "V004", {"ville": ["P2"]}, key_dir)
    with transaction(factory) as db:
        advance(db, vote.slug, "closed", key_dir)
    path = tmp / "exported.zip"
    export_with_cli(db_url, key_dir, vote.slug, path)
    engine.dispose()
    exported = read_record(path)

    # The reissue of V004's letter, spliced in before the closing; the new credential votes.
    code = generate_letter_code()
    new = VoterDevice("V004", code, "", derive_credential(code, vote.fingerprint))
    old = vote.voters["V004"].public
    events = list(exported.events)
    closing = events.pop()
    assert closing.type == "closing"
    at = closing.at
    reissue = ("credential_reissued", at, {"revoked": old, "credential": new.public,
                                            "questions": vote.credential_questions[old],
                                            "signature": None})
    ballot = vote.online_ballot(new, "ville", ["P1"])
    cast = ("ballot", at, {"ballot": ballot.to_json(), "tracker": vote.tracker(ballot).hex(),
                           "kiosk": None})
    body_events = rechain(list(events) + [reissue, cast])
    cast_count, counted = policy_counts(body_events)
    full_events = rechain(body_events + [("closing", at, {"ballots_cast": cast_count,
                                                          "ballots_counted": counted})])
    key = service_key(key_dir)
    # The service's heads where it signed them (receipts, and the closing, which moved),
    # re-signed over the new chain; an auditor witnesses the closed record.
    heights = sorted({h.height for h in exported.heads if h.height < closing.seq} |
                     ({len(full_events)} if closing.seq in {h.height for h in exported.heads}
                      else set()))
    auditor = Ed25519PrivateKey.generate()
    full = Record(full_events, sign_heads(full_events, key, heights),
                  sign_heads(full_events, auditor, [len(full_events)], signer="auditor"))
    full_path = tmp / "full.zip"
    write_record(full_path, full.events, full.heads, full.witnesses)
    vote.credential_questions[new.public] = vote.credential_questions[old]
    return Built(path, full, full_path, vote, key_dir, kiosk_key, kiosk, gone_key, gone,
                 new, auditor)
