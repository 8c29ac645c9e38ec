"""The verifier: recomputes everything the record claims, from the record alone
(protocol.md §11.6), and names the first check that fails and the event where it fails.

It walks the events in order, keeping the state the counting policy needs (§11.4): the
credential list and its reissues, check-ins, each credential's ballot chain per question,
kiosk ballots bound to check-ins, spoiled ballots. Structural checks run during the walk;
the proofs and signatures of ballots (the costly part) are collected and checked in worker
processes afterwards, and a failure there is reported if it comes before any structural one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from ..crypto import ballot as ballots
from ..crypto import parallel
from ..crypto.dkg import ElectionKey
from ..crypto.errors import CryptoError
from ..crypto.group import Point
from .archive import Record
from .canonical import canonical_bytes, sha256_hex
from .credentials import PATHS, authority_signature_valid, list_message, reissue_message
from .events import GENESIS, Event, event_hash
from .heads import KEY_BYTES, SignedHead, head_signature_valid
from .questions import QuestionSpec, question_specs

#: Every named check, in the order they are reported.
CHECKS = (
    "chain", "manifest", "head_signatures", "witnesses", "election_key", "kiosks",
    "credential_list", "credential_reissues", "lifecycle", "checkins", "ballots",
    "kiosk_binding", "spoiled", "counting",
)


_CHECK_OF_TYPE = {
    "manifest": "manifest", "election_key": "election_key", "kiosk_enrolled": "kiosks",
    "kiosk_revoked": "kiosks", "credentials": "credential_list", "opening": "lifecycle",
    "credential_reissued": "credential_reissues", "checkin": "checkins", "ballot": "ballots",
    "spoiled": "spoiled", "closing": "counting",
}
_HEX = frozenset("0123456789abcdef")


def _strict_hex(value: Any, size: int | None = None) -> bytes:
    """Lowercase hex of exactly ``size`` bytes (bytes.fromhex alone accepts upper case and
    spaces, which the protocol does not)."""
    if not isinstance(value, str) or len(value) % 2 or not set(value) <= _HEX or \
            (size is not None and len(value) != 2 * size):
        raise ValueError("not lowercase hexadecimal of the expected length")
    return bytes.fromhex(value)


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError("a count is a non-negative integer")
    return value


#: Ballot proofs sent to a worker at a time.
CRYPTO_BATCH = 1000


class _Done:
    """A result computed in this process, shaped like a future."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


class CheckFailed(Exception):
    def __init__(self, check: str, seq: int | None, message: str):
        super().__init__(message)
        self.check, self.seq, self.message = check, seq, message


@dataclass
class VerifyReport:
    ok: bool
    checks: dict[str, str]
    events: int = 0
    head: str = ""
    failure: dict[str, Any] | None = None
    ballots_cast: int = 0
    counted: dict[str, list[str]] = field(default_factory=dict)
    spoiled: int = 0
    checkins: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "head": self.head,
                "checks": self.checks, "failure": self.failure,
                "ballots_cast": self.ballots_cast, "spoiled": self.spoiled,
                "checkins": self.checkins,
                "ballots_counted": {q: len(t) for q, t in self.counted.items()},
                "counted": self.counted}


@dataclass
class _Credential:
    questions: frozenset[str]
    active: bool = True
    checkin: bytes | None = None  # hash of its check-in event
    checkin_point: str | None = None


@dataclass
class _Kiosk:
    polling_point: str
    key: bytes
    active: bool = True


@lru_cache(maxsize=4)
def _election_key(key_text: str) -> ElectionKey:
    """Parsed (and its consistency checked) once per worker, not once per ballot."""
    return ElectionKey.from_json(json.loads(key_text))


def _check_ballot_crypto(key_text: str, fingerprint: bytes, ballot: ballots.Ballot,
                         question: str, width: int, kiosk_key: bytes | None,
                         signed: bool) -> str | None:
    """Worker task: None, or why the ballot's proof or signature fails. The ballot was read
    (every point validated) by the walk; it reaches the worker pickled, not re-parsed."""
    try:
        ballots.verify(_election_key(key_text), fingerprint, ballot, question=question,
                       width=width, kiosk_key=kiosk_key, signed=signed)
    except CryptoError as error:
        return str(error)
    return None


class _Walk:
    """State of the walk over the events; one method per event type."""

    def __init__(self, record: Record, pool=None, crypto: bool = True):
        self.record = record
        self.crypto = crypto
        # Ballot proofs go to the worker pool in batches while the walk goes on, so the
        # crypto runs on the other cores during the (single-threaded) walk.
        self.pool = pool
        self.pending: list[tuple[int, str, tuple]] = []
        self.batches: list[tuple[list[tuple[int, str]], Any]] = []
        self.fingerprint = b""
        self.service_key = b""
        self.specs: dict[str, QuestionSpec] = {}
        self.polling_points: set[str] = set()
        self.election_key: ElectionKey | None = None
        self.key_text = ""
        self.phase = "setup"  # → open → closed
        self.credentials: dict[str, _Credential] | None = None
        self.kiosks: dict[str, _Kiosk] = {}
        self.kiosk_keys: set[bytes] = set()
        self.checkin_events: dict[bytes, str] = {}  # check-in hash → credential
        self.chains: dict[tuple[str, str], list[str]] = {}  # (credential, question) → trackers
        self.kiosk_votes: dict[tuple[bytes, str], str] = {}  # (check-in, question) → tracker
        self.cast: set[str] = set()
        self.cast_ciphertexts: set[str] = set()
        self.spoiled: set[str] = set()
        self.spoiled_ciphertexts: set[str] = set()

        self.passed: set[str] = set()
        self.ballots_cast = 0
        self.checkins = 0
        self.closing: dict | None = None

    # --- helpers ----------------------------------------------------------------------

    def queue_crypto(self, seq: int, check: str, task: tuple) -> None:
        if not self.crypto:
            return
        self.pending.append((seq, check, task))
        if len(self.pending) >= CRYPTO_BATCH:
            self.submit_pending()

    def submit_pending(self) -> None:
        if not self.pending:
            return
        meta = [(seq, check) for seq, check, _task in self.pending]
        tasks = [task for _seq, _check, task in self.pending]
        if self.pool is None:
            self.batches.append((meta, _Done(_check_chunk(tasks))))
        else:
            self.batches.append((meta, self.pool.submit(_check_chunk, tasks)))
        self.pending = []

    def crypto_failure(self, limit: int | None) -> CheckFailed | None:
        """The first proof or signature that fails, before event ``limit`` if given."""
        self.submit_pending()
        for meta, future in self.batches:
            for (seq, check), reason in zip(meta, future.result()):
                if limit is not None and seq >= limit:
                    return None
                if reason is not None:
                    return CheckFailed(check, seq, f"proof or signature: {reason}")
        return None

    def fail(self, check: str, event: Event | None, message: str):
        raise CheckFailed(check, event.seq if event else None, message)

    def body(self, event: Event, check: str, fields: set[str]) -> dict:
        if set(event.body) != fields:
            self.fail(check, event, f"{event.type} body must have exactly {sorted(fields)}")
        return event.body

    def need_phase(self, event: Event, *phases: str) -> None:
        if self.phase not in phases:
            self.fail("lifecycle", event, f"{event.type} is not allowed while the election is "
                                          f"{self.phase}")

    def credential(self, event: Event, check: str, value: Any) -> tuple[str, _Credential]:
        if self.credentials is None or not isinstance(value, str) or \
                value not in self.credentials:
            self.fail(check, event, "the credential is not on the frozen credential list")
        cred = self.credentials[value]
        if not cred.active:
            self.fail(check, event, "the credential was revoked (its letter was reissued)")
        return value, cred

    # --- the walk -----------------------------------------------------------------------

    def run(self) -> None:
        prev = GENESIS
        for index, event in enumerate(self.record.events, start=1):
            if event.seq != index:
                self.fail("chain", event, f"event {index} expected, found seq {event.seq} "
                                          "(removed, duplicated or reordered event)")
            if event.prev != prev:
                self.fail("chain", event, "does not follow the previous event's hash")
            if event_hash(event.seq, event.prev, event.type, event.at, event.body) != event.hash:
                self.fail("chain", event, "its hash does not match its content (edited event)")
            if index == 1 and event.type != "manifest":
                self.fail("manifest", event, "the record must start with the manifest")
            try:
                getattr(self, "on_" + event.type)(event)
            except CheckFailed:
                raise
            except (TypeError, ValueError, KeyError, AttributeError, CryptoError) as error:
                # A body of the wrong shape is a failure of that event's check, never a crash.
                self.fail(_CHECK_OF_TYPE[event.type], event, f"malformed {event.type} body: "
                                                             f"{type(error).__name__}")
            prev = event.hash
        if not self.record.events:
            self.fail("manifest", None, "the record is empty")
        self.passed.add("chain")

    def on_manifest(self, event: Event) -> None:
        if event.seq != 1:
            self.fail("manifest", event, "a second manifest event")
        body = self.body(event, "manifest", {"manifest", "fingerprint", "service_key"})
        manifest = body["manifest"]
        if sha256_hex(canonical_bytes(manifest)) != body["fingerprint"]:
            self.fail("manifest", event, "the fingerprint is not the SHA-256 of the manifest")
        try:
            self.specs = question_specs(manifest)
            self.polling_points = {p["id"] for p in manifest["polling_points"]}
            self.service_key = _strict_hex(body["service_key"], KEY_BYTES)
        except (KeyError, TypeError, ValueError) as error:
            self.fail("manifest", event, f"the manifest cannot be read: {error}")
        if len(self.service_key) != KEY_BYTES:
            self.fail("manifest", event, "the service key is 32 bytes")
        self.fingerprint = bytes.fromhex(body["fingerprint"])
        self.passed.add("manifest")

    def on_election_key(self, event: Event) -> None:
        self.need_phase(event, "setup")
        if self.election_key is not None:
            self.fail("election_key", event, "a second election key")
        body = self.body(event, "election_key", {"election_key"})
        try:
            self.election_key = ElectionKey.from_json(body["election_key"])
        except (CryptoError, ValueError, TypeError, KeyError) as error:
            self.fail("election_key", event, f"invalid election key: {error}")
        self.key_text = json.dumps(body["election_key"], sort_keys=True)
        self.passed.add("election_key")

    def on_kiosk_enrolled(self, event: Event) -> None:
        self.need_phase(event, "setup", "open")
        body = self.body(event, "kiosks", {"kiosk", "polling_point", "public_key"})
        kiosk, point = body["kiosk"], body["polling_point"]
        if not isinstance(kiosk, str) or not kiosk or kiosk in self.kiosks:
            self.fail("kiosks", event, "a kiosk id is a new non-empty string")
        if not isinstance(point, str) or point not in self.polling_points:
            self.fail("kiosks", event, f"unknown polling point {point!r}")
        try:
            key = _strict_hex(body["public_key"], KEY_BYTES)
        except ValueError:
            key = b""
        if len(key) != KEY_BYTES or key in self.kiosk_keys:
            self.fail("kiosks", event, "a kiosk key is 32 new bytes")
        self.kiosks[kiosk] = _Kiosk(point, key)
        self.kiosk_keys.add(key)
        self.passed.add("kiosks")

    def on_kiosk_revoked(self, event: Event) -> None:
        body = self.body(event, "kiosks", {"kiosk", "reason"})
        kiosk = self.kiosks.get(body["kiosk"]) if isinstance(body["kiosk"], str) else None
        if kiosk is None or not kiosk.active:
            self.fail("kiosks", event, "revokes no enrolled, active kiosk")
        kiosk.active = False

    def on_credentials(self, event: Event) -> None:
        self.need_phase(event, "setup")
        if self.credentials is not None:
            self.fail("credential_list", event, "a second credential list")
        body = self.body(event, "credential_list",
                         {"path", "authority_key", "credentials", "signature"})
        entries = body["credentials"]
        if body["path"] not in PATHS or not isinstance(entries, list):
            self.fail("credential_list", event, "path is server or authority; credentials a list")
        credentials: dict[str, _Credential] = {}
        for entry in entries:
            if not isinstance(entry, dict) or set(entry) != {"credential", "questions"}:
                self.fail("credential_list", event, "each entry has credential and questions")
            public, questions = entry["credential"], entry["questions"]
            try:
                Point.from_hex(public)
            except (CryptoError, TypeError, ValueError):
                self.fail("credential_list", event, f"{str(public)[:70]!r} is not a valid point")
            if public in credentials:
                self.fail("credential_list", event, f"credential {public} listed twice")
            if not _question_list(questions, self.specs):
                self.fail("credential_list", event, f"credential {public}: unknown questions")
            credentials[public] = _Credential(frozenset(questions))
        if [e["credential"] for e in entries] != sorted(credentials):
            self.fail("credential_list", event, "the list is not sorted by credential")
        if body["path"] == "authority":
            if not authority_signature_valid(body["authority_key"],
                                             list_message(self.fingerprint, entries),
                                             body["signature"]):
                self.fail("credential_list", event, "the authority's signature does not verify")
        elif body["authority_key"] is not None or body["signature"] is not None:
            self.fail("credential_list", event, "an unsigned list names no authority")
        self.credentials = credentials
        self.authority_key = body["authority_key"]
        self.passed.add("credential_list")

    def on_opening(self, event: Event) -> None:
        self.need_phase(event, "setup")
        self.body(event, "lifecycle", {"credentials"})
        if self.election_key is None or self.credentials is None:
            self.fail("lifecycle", event, "opening needs the election key and the credential "
                                          "list first")
        if _count(event.body["credentials"]) != len(self.credentials):
            self.fail("lifecycle", event, "the opening counts another number of credentials")
        self.phase = "open"
        self.passed.add("lifecycle")

    def on_credential_reissued(self, event: Event) -> None:
        # Only once open: the opening counts the list as signed; replacements made before
        # it follow it (protocol.md §11.1).
        self.need_phase(event, "open")
        body = self.body(event, "credential_reissues",
                         {"revoked", "credential", "questions", "signature"})
        revoked, cred = self.credential(event, "credential_reissues", body["revoked"])
        if cred.checkin is not None:
            self.fail("credential_reissues", event, "a voter who checked in keeps their credential")
        new, questions = body["credential"], body["questions"]
        try:
            Point.from_hex(new)
        except (CryptoError, TypeError, ValueError):
            self.fail("credential_reissues", event, "the new credential is not a valid point")
        if new in self.credentials:
            self.fail("credential_reissues", event, "the new credential is already listed")
        if not _question_list(questions, self.specs):
            self.fail("credential_reissues", event, "unknown questions")
        if self.authority_key is not None:
            if not authority_signature_valid(self.authority_key, reissue_message(
                    self.fingerprint, revoked, new, questions), body["signature"]):
                self.fail("credential_reissues", event, "the authority's signature does not "
                                                        "verify")
        elif body["signature"] is not None:
            self.fail("credential_reissues", event, "an unsigned list has unsigned reissues")
        cred.active = False
        self.credentials[new] = _Credential(frozenset(questions))
        self.passed.add("credential_reissues")

    def on_checkin(self, event: Event) -> None:
        self.need_phase(event, "open")
        body = self.body(event, "checkins", {"credential", "polling_point", "officer"})
        public, cred = self.credential(event, "checkins", body["credential"])
        if not isinstance(body["polling_point"], str) or \
                body["polling_point"] not in self.polling_points:
            self.fail("checkins", event, "unknown polling point")
        if cred.checkin is not None:
            self.fail("checkins", event, "this credential already checked in")
        cred.checkin, cred.checkin_point = event.hash, body["polling_point"]
        self.checkin_events[event.hash] = public
        self.checkins += 1
        self.passed.add("checkins")

    def _ballot(self, event: Event, check: str, signed: bool):
        try:
            ballot = ballots.Ballot.from_json(event.body["ballot"])
        except CryptoError as error:
            self.fail(check, event, f"unreadable ballot: {error}")
        spec = self.specs.get(ballot.question)
        if spec is None:
            self.fail(check, event, f"unknown question {ballot.question!r}")
        if ballot.width != spec.width:
            self.fail(check, event, f"width {ballot.width}, the question's is {spec.width}")
        if self.election_key is None:
            self.fail("lifecycle", event, "a ballot before the election key")
        tracker = ballots.tracker(self.fingerprint, ballot).hex()
        if event.body["tracker"] != tracker:
            self.fail(check, event, "the tracker is not the ballot's")
        return ballot, spec, tracker

    def on_ballot(self, event: Event) -> None:
        self.need_phase(event, "open")
        body = self.body(event, "ballots", {"ballot", "tracker", "kiosk"})
        ballot, spec, tracker = self._ballot(event, "ballots", signed=True)
        public, cred = self.credential(event, "ballots", ballot.credential.hex())
        if ballot.question not in cred.questions:
            self.fail("ballots", event, f"this credential may not answer {ballot.question!r}")
        digest = ballots.ciphertexts_digest(ballot)
        if tracker in self.cast or digest in self.cast_ciphertexts:
            self.fail("ballots", event, "the same ballot (or ciphertexts) twice")
        if tracker in self.spoiled or digest in self.spoiled_ciphertexts:
            self.fail("spoiled", event, "a challenged (spoiled) ballot was cast")
        kiosk_key = None
        if ballot.checkin is None:
            if body["kiosk"] is not None:
                self.fail("ballots", event, "an online ballot names no kiosk")
            if cred.checkin is not None:
                self.fail("ballots", event, "an online ballot after the voter checked in")
            chain = self.chains.setdefault((public, ballot.question), [])
            if ballot.seq != len(chain) + 1 or \
                    ballot.prev.hex() != (chain[-1] if chain else GENESIS.hex()):
                self.fail("ballots", event, f"out of chain order: seq {ballot.seq} after "
                                            f"{len(chain)} ballot(s) (replay or fork)")
            chain.append(tracker)
        else:
            kiosk = self.kiosks.get(body["kiosk"]) if isinstance(body["kiosk"], str) else None
            if kiosk is None or not kiosk.active:
                self.fail("kiosk_binding", event, "signed by no enrolled, active kiosk")
            if self.checkin_events.get(ballot.checkin) != public:
                self.fail("kiosk_binding", event, "names no check-in of this credential")
            if kiosk.polling_point != cred.checkin_point:
                self.fail("kiosk_binding", event, "the kiosk is at another polling point")
            if (ballot.checkin, ballot.question) in self.kiosk_votes:
                self.fail("kiosk_binding", event, "a second kiosk ballot for this check-in")
            self.kiosk_votes[(ballot.checkin, ballot.question)] = tracker
            kiosk_key = kiosk.key
            self.passed.add("kiosk_binding")
        self.cast.add(tracker)
        self.cast_ciphertexts.add(digest)
        self.ballots_cast += 1
        self.queue_crypto(event.seq, "ballots", (
            self.key_text, self.fingerprint, ballot, ballot.question, spec.width,
            kiosk_key, True))
        self.passed.add("ballots")

    def on_spoiled(self, event: Event) -> None:
        self.need_phase(event, "open")
        body = self.body(event, "spoiled", {"ballot", "tracker", "opening", "plaintext"})
        ballot, spec, tracker = self._ballot(event, "spoiled", signed=False)
        digest = ballots.ciphertexts_digest(ballot)
        if tracker in self.cast or digest in self.cast_ciphertexts:
            self.fail("spoiled", event, "a cast ballot cannot be challenged afterwards")
        if tracker in self.spoiled or digest in self.spoiled_ciphertexts:
            self.fail("spoiled", event, "the same challenged ballot (or ciphertexts) twice")
        try:
            opening = ballots.BallotOpening.from_json(body["opening"])
            plaintext = ballots.open_ballot(self.election_key, ballot, opening)
        except CryptoError as error:
            self.fail("spoiled", event, f"the opening does not open the ballot: {error}")
        if plaintext.hex() != body["plaintext"]:
            self.fail("spoiled", event, "the published choice is not what the ballot holds")
        self.spoiled.add(tracker)
        self.spoiled_ciphertexts.add(digest)
        self.queue_crypto(event.seq, "spoiled", (
            self.key_text, self.fingerprint, ballot, ballot.question, spec.width,
            None, False))
        self.passed.add("spoiled")

    def on_closing(self, event: Event) -> None:
        self.need_phase(event, "open")
        self.closing = self.body(event, "counting", {"ballots_cast", "ballots_counted"})
        self.closing_event = event
        self.phase = "closed"

    # --- the counting policy (§11.4) -----------------------------------------------------

    def counted(self) -> dict[str, list[str]]:
        """Per question, the trackers of the ballots that count, in credential order."""
        out: dict[str, list[str]] = {q: [] for q in self.specs}
        for public in sorted(self.credentials or {}):
            cred = self.credentials[public]
            if not cred.active:
                continue
            for question in sorted(cred.questions):
                if cred.checkin is not None:
                    tracker = self.kiosk_votes.get((cred.checkin, question))
                else:
                    chain = self.chains.get((public, question))
                    tracker = chain[-1] if chain else None
                if tracker is not None:
                    out[question].append(tracker)
        return out


def _question_list(questions: Any, specs: dict) -> bool:
    return isinstance(questions, list) and bool(questions) and \
        all(isinstance(q, str) for q in questions) and len(set(questions)) == len(questions) \
        and set(questions) <= set(specs)


def _check_heads(walk: _Walk, heads: list[SignedHead], check: str, service: bool) -> None:
    chain = {e.seq: e.hash for e in walk.record.events}
    for head in heads:
        if chain.get(head.height) != head.hash:
            raise CheckFailed(check, head.height, f"a head signed by {head.signer} names "
                              f"height {head.height} with a hash the record does not have "
                              "(the record was cut or rewritten after it was signed)")
        if service != (head.signer == "service"):
            raise CheckFailed(check, head.height, "a service head is signed as \"service\"; "
                                                  "a witness under their own name")
        if service and head.key != walk.service_key:
            raise CheckFailed(check, head.height, "a head signed by a key other than the "
                                                  "service key of the manifest")
        if not head_signature_valid(walk.fingerprint, head):
            raise CheckFailed(check, head.height, f"the head signature of {head.signer} does "
                                                  "not verify")


def verify_record(record: Record, workers: int | None = None,
                  progress: Callable[[str], None] | None = None) -> VerifyReport:
    ballots_count = sum(1 for e in record.events if e.type in ("ballot", "spoiled"))
    workers = workers or (parallel.available_cores() if ballots_count >= CRYPTO_BATCH else 1)
    walk = _Walk(record, parallel.executor(workers) if workers > 1 else None)
    failure: CheckFailed | None = None
    if progress:
        progress(f"walking {len(record.events)} events; {ballots_count} ballot proofs and "
                 f"signatures checked on {workers} process(es)")
    try:
        walk.run()
    except CheckFailed as error:
        failure = error
    crypto = walk.crypto_failure(failure.seq if failure and failure.seq else None)
    if crypto is not None:
        failure = crypto
    if failure is None:
        try:
            _check_heads(walk, record.heads, "head_signatures", service=True)
            walk.passed.add("head_signatures")
            _check_heads(walk, record.witnesses, "witnesses", service=False)
            if record.witnesses:
                walk.passed.add("witnesses")
            _check_counting(walk)
        except CheckFailed as error:
            failure = error
    checks = {}
    for name in CHECKS:
        if failure is not None and name == failure.check:
            checks[name] = "failed"
        elif name in walk.passed:
            checks[name] = "passed"
        else:
            checks[name] = "not_applicable" if failure is None else "not_reached"
    report = VerifyReport(ok=failure is None, checks=checks, events=len(record.events),
                          head=record.events[-1].hash.hex() if record.events else "",
                          ballots_cast=walk.ballots_cast, spoiled=len(walk.spoiled),
                          checkins=walk.checkins)
    if failure is None:
        report.counted = walk.counted()
    else:
        event = next((e for e in record.events if e.seq == failure.seq), None)
        report.failure = {"check": failure.check, "event": failure.seq,
                          "type": event.type if event else None, "message": failure.message}
    return report


def policy_counts(events: list[Event]) -> tuple[int, dict[str, int]]:
    """The counting policy over the events so far, without the costly crypto checks: how
    many ballots were cast, and how many count per question. The service writes these
    into the closing event; the verifier recomputes them from the record."""
    walk = _Walk(Record(events=events), crypto=False)
    walk.run()
    return walk.ballots_cast, {q: len(t) for q, t in walk.counted().items()}


def _check_chunk(tasks: list[tuple]) -> list[str | None]:
    return [_check_ballot_crypto(*task) for task in tasks]


def _check_counting(walk: _Walk) -> None:
    if walk.closing is None:
        return  # still open: the counted set is computed but not yet claimed
    counted = walk.counted()
    claimed = walk.closing
    if _count(claimed["ballots_cast"]) != walk.ballots_cast:
        raise CheckFailed("counting", walk.closing_event.seq,
                          f"closing claims {claimed['ballots_cast']} ballots cast, the record "
                          f"holds {walk.ballots_cast}")
    recomputed = {q: len(t) for q, t in counted.items()}
    claimed_counts = claimed["ballots_counted"]
    if not isinstance(claimed_counts, dict) or \
            any(isinstance(v, bool) for v in claimed_counts.values()) or \
            claimed_counts != recomputed:
        raise CheckFailed("counting", walk.closing_event.seq,
                          f"closing claims {claimed['ballots_counted']} counted ballots, the "
                          f"policy gives {recomputed}")
    walk.passed.add("counting")
