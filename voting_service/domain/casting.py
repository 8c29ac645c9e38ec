"""Casting ballots: online from a voter session, at a kiosk after a check-in, and Benaloh
challenges (spoiled ballots).

Each cast is two short steps around the costly part. ``*_context`` reads, in one short
transaction, what the ballots must be checked against (the manifest's questions and widths,
the election key, the voter's credential). The proofs and signatures are then verified with
no transaction open (on SQLite every transaction holds the database lock). ``commit_*``
finally takes the election's lock, applies the policy and the chain rule against the
current state, appends the events, updates the register, signs the new head, and commits:
a receipt is given only after that commit. The database decides races: the election lock
orders appends, and the unique (credential, question, channel, seq) and (tracker) of the
ballot index back it.

Chain rule (ballots v2): an online ballot must be the successor of the credential's last
recorded ballot for its question (``seq`` = last + 1, ``prev`` = its tracker). The same
request sent again (a retry after a lost answer) gets the same receipt.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..crypto import ballot as ballots
from ..crypto.dkg import ElectionKey
from ..crypto.errors import CryptoError
from ..record.canonical import canonical_bytes
from ..record.heads import SignedHead
from ..record.questions import QuestionSpec, question_specs
from ..store.models import BallotIndex, Credential, Election, Kiosk, Participation, \
    SignedHeadRow, SpoiledBallot, Voter, VoterSession
from ..store.types import utcnow
from . import record, register, voter_auth
from .elections import require_slug
from .errors import Conflict, InvalidInput, NotFound, Unauthenticated

MAX_BALLOTS = 16


@dataclass(frozen=True)
class CryptoContext:
    fingerprint: bytes
    specs: dict[str, QuestionSpec]
    key: ElectionKey


def _build_crypto(manifest_canonical: str, fingerprint: str, key_json: str) -> CryptoContext:
    import json

    manifest = json.loads(manifest_canonical)
    return CryptoContext(bytes.fromhex(fingerprint), question_specs(manifest),
                         ElectionKey.from_json(json.loads(key_json)))


# Per process, by (election id, fingerprint, election key): the fingerprint fixes the
# manifest, and the key (a short text, read with the election row) is part of the entry's
# name, so a restored or recreated database with the same ids can never meet a stale
# entry. The hot path thus parses neither the manifest nor the key.
_CRYPTO: dict[tuple[int, str, str], CryptoContext] = {}


def _crypto(election_id: int, fingerprint: str, key_json: str,
            manifest: Callable[[], str]) -> CryptoContext:
    """The cached context; ``manifest`` gives the canonical manifest on a miss only."""
    name = (election_id, fingerprint, key_json)
    found = _CRYPTO.get(name)
    if found is None:
        found = _build_crypto(manifest(), fingerprint, key_json)
        if len(_CRYPTO) >= 16:
            _CRYPTO.clear()
        _CRYPTO[name] = found
    return found


def crypto_context(election: Election) -> CryptoContext:
    if election.election_key is None or election.fingerprint is None:
        raise Conflict("this election has no election key yet", "voting_closed")
    return _crypto(election.id, election.fingerprint, election.election_key,
                   lambda: election.manifest_canonical)


def _require_open(election, now: datetime) -> None:
    if election.status != "open" or not election.starts_at <= now < election.ends_at:
        raise Conflict("voting is not open for this election", "voting_closed")


@dataclass(frozen=True)
class CastElection:
    """What casting needs of the election row, read without the ORM (the hot path)."""

    id: int
    slug: str
    status: str
    starts_at: datetime
    ends_at: datetime
    fingerprint: str | None
    service_key: str | None

    @classmethod
    def of(cls, election: Election) -> CastElection:
        return cls(election.id, election.slug, election.status, election.starts_at,
                   election.ends_at, election.fingerprint, election.service_key)


@dataclass(frozen=True)
class VoterContext:
    election: CastElection
    voter_id: int
    credential: str
    questions: tuple[str, ...]
    crypto: CryptoContext

    @property
    def election_id(self) -> int:
        return self.election.id


_E, _S, _V, _C = (Election.__table__, VoterSession.__table__, Voter.__table__,
                  Credential.__table__)

# One statement for the election, the session's voter and their active credential: a
# session of another election finds no voter (the join names the election).
_VOTER_CONTEXT = (
    select(_E.c.id, _E.c.slug, _E.c.status, _E.c.starts_at, _E.c.ends_at, _E.c.fingerprint,
           _E.c.service_key, _E.c.election_key,
           _V.c.id.label("voter_id"), _S.c.expires_at, _C.c.public_key, _C.c.questions)
    .select_from(
        _E.outerjoin(_S, _S.c.token_hash == bindparam("token"))
        .outerjoin(_V, (_V.c.id == _S.c.voter_id) & (_V.c.election_id == _E.c.id))
        .outerjoin(_C, (_C.c.voter_id == _V.c.id) & (_C.c.status == "active")))
    .where(_E.c.slug == bindparam("slug")))


_MANIFEST = select(_E.c.manifest_canonical).where(_E.c.id == bindparam("id"))


def voter_context(session: Session, slug: Any, session_token: str) -> VoterContext:
    """The election, the voter behind a session token and their active credential."""
    require_slug(slug)
    row = session.execute(_VOTER_CONTEXT, {
        "slug": slug, "token": voter_auth.session_digest(session_token)}).first()
    if row is None:
        raise NotFound(f"no election {slug!r}", "election_not_found")
    election = CastElection(row.id, row.slug, row.status, row.starts_at, row.ends_at,
                            row.fingerprint, row.service_key)
    now = utcnow()
    if row.voter_id is None or row.expires_at <= now:
        raise Unauthenticated("log in with your voter number and letter code first",
                              "voter_session_required")
    _require_open(election, now)
    if row.public_key is None:
        raise Conflict("this voter has no active credential", "no_credential")
    if row.election_key is None or row.fingerprint is None:
        raise Conflict("this election has no election key yet", "voting_closed")
    return VoterContext(election, row.voter_id, row.public_key, tuple(sorted(row.questions)),
                        _crypto(row.id, row.fingerprint, row.election_key,
                                lambda: session.execute(_MANIFEST, {"id": row.id}).scalar_one()))


# --- reading and checking ballots (no transaction) -----------------------------------------

def _read(obj: Any, crypto: CryptoContext) -> ballots.Ballot:
    try:
        ballot = ballots.Ballot.from_json(obj)
    except CryptoError as error:
        raise InvalidInput(f"unreadable ballot: {error}", "invalid_ballot")
    spec = crypto.specs.get(ballot.question)
    if spec is None:
        raise InvalidInput(f"no question {ballot.question[:64]!r} in this election",
                           "unknown_question")
    if ballot.width != spec.width:
        raise InvalidInput(f"question {ballot.question!r} takes {spec.width} ciphertexts",
                           "wrong_width")
    return ballot


def _verify(ballot: ballots.Ballot, crypto: CryptoContext, kiosk_key: bytes | None = None,
            signed: bool = True) -> None:
    spec = crypto.specs[ballot.question]
    try:
        ballots.verify(crypto.key, crypto.fingerprint, ballot, question=spec.key,
                       width=spec.width, kiosk_key=kiosk_key, signed=signed)
    except CryptoError as error:
        code = "invalid_signature" if "signature" in str(error) or "signed" in str(error) \
            else "invalid_proof"
        raise InvalidInput(f"the ballot does not verify: {error}", code)


def read_request(body: Any, crypto: CryptoContext) -> list[ballots.Ballot]:
    if not isinstance(body, dict) or not isinstance(body.get("ballots"), list):
        raise InvalidInput("the body is {\"ballots\": [one ballot per question]}",
                           "invalid_input")
    items = body["ballots"]
    if not 1 <= len(items) <= MAX_BALLOTS:
        raise InvalidInput("one ballot per question", "invalid_input")
    read = [_read(item, crypto) for item in items]
    if len({b.question for b in read}) != len(read):
        raise InvalidInput("two ballots for the same question", "duplicate_question")
    return read


def request_digest(ballot_list: list[ballots.Ballot]) -> str:
    return hashlib.sha256(canonical_bytes(sorted(
        (b.to_json() for b in ballot_list), key=lambda j: j["question"]))).hexdigest()


def check_online(ballot_list: list[ballots.Ballot], ctx: VoterContext) -> None:
    """Everything that needs no database: the voter's questions, credential, proofs."""
    if sorted(b.question for b in ballot_list) != list(ctx.questions):
        raise InvalidInput(f"one ballot for each of your questions: {', '.join(ctx.questions)}",
                           "wrong_questions")
    for ballot in ballot_list:
        if ballot.credential.hex() != ctx.credential:
            raise InvalidInput("the ballot is not for your credential", "wrong_credential")
        if ballot.checkin is not None:
            raise InvalidInput("an online ballot names no check-in", "invalid_ballot")
        _verify(ballot, ctx.crypto)


# --- receipts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Receipt:
    election: str
    trackers: dict[str, str]
    positions: dict[str, int]
    head: SignedHead
    replayed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"election": self.election, "trackers": self.trackers,
                "positions": self.positions, "head": self.head.to_json(),
                "replayed": self.replayed}


def _existing_receipt(session: Session, election: Election, digest: str) -> Receipt | None:
    rows = session.execute(select(BallotIndex.question, BallotIndex.tracker,
                                  BallotIndex.event_seq).where(
        BallotIndex.election_id == election.id,
        BallotIndex.request_digest == digest)).all()
    if not rows:
        return None
    height = max(r.event_seq for r in rows)
    line = session.execute(select(SignedHeadRow.line).where(
        SignedHeadRow.election_id == election.id, SignedHeadRow.witness.is_(False),
        SignedHeadRow.height >= height).order_by(SignedHeadRow.height, SignedHeadRow.id)
        .limit(1)).scalar()
    import json

    head = SignedHead.from_json(json.loads(line))
    return Receipt(election.slug, {r.question: r.tracker for r in rows},
                   {r.question: r.event_seq for r in rows}, head, replayed=True)


def _refuse_cast(session: Session, election_id: int, trackers: dict[str, str],
                 digests: dict[str, str]) -> None:
    """No ballot of the request was cast by another request (the unique tracker and
    ciphertexts of the ballot index back this check)."""
    if session.execute(select(BallotIndex.id).where(
            BallotIndex.election_id == election_id,
            BallotIndex.tracker.in_(list(trackers.values()))
            | BallotIndex.ciphertexts.in_(list(digests.values()))).limit(1)).first():
        raise Conflict("this ballot was already cast by another request", "ballot_replayed")


_B = BallotIndex.__table__

# The chain rule, duplicates and retries in one query: this credential's online ballots,
# any ballot with one of this request's trackers or ciphertexts, and the ballots a previous
# identical request cast.
_CHAIN = select(_B.c.question, _B.c.seq, _B.c.tracker, _B.c.credential, _B.c.channel,
                _B.c.ciphertexts, _B.c.request_digest).where(
    _B.c.election_id == bindparam("election"),
    ((_B.c.credential == bindparam("credential")) & (_B.c.channel == "online"))
    | _B.c.tracker.in_(bindparam("trackers", expanding=True))
    | _B.c.ciphertexts.in_(bindparam("digests", expanding=True))
    | (_B.c.request_digest == bindparam("request")))

def _store_ballots(session: Session, election, ballot_list: list[ballots.Ballot],
                   trackers: dict[str, str], digests: dict[str, str], request: str,
                   kiosk: str | None, key_dir: Path) -> tuple[dict[str, int], SignedHead]:
    """Take the election's lock (the state is checked again under it), append the ballot
    events, index them and sign the new head. Everything else was decided before the lock,
    so the locked part is this and the commit."""
    tail = record.lock(session, election.id)
    if tail.status != "open" or not tail.starts_at <= utcnow() < tail.ends_at:
        raise Conflict("voting is not open for this election", "voting_closed")
    ordered = sorted(ballot_list, key=lambda b: b.question)

    def index(events):
        return [{"tracker": trackers[b.question], "credential": b.credential.hex(),
                 "question": b.question, "channel": b.channel, "seq": b.seq,
                 "ciphertexts": digests[b.question], "event_seq": event.seq,
                 "request_digest": request} for b, event in zip(ordered, events)]

    try:
        # Spoiling takes the election's lock too: a ballot and its challenge can never
        # both be recorded.
        events, head = record.append_signed(session, election, [
            ("ballot", {"ballot": b.to_json(), "tracker": trackers[b.question],
                        "kiosk": kiosk}) for b in ordered], key_dir, index,
            unless_spoiled=(list(trackers.values()), list(digests.values())),
            # Nothing is written after the ballots: the COMMIT goes with them, which frees
            # the election's lock a round trip sooner.
            commit=True)
    except record.Spoiled:
        raise Conflict("this ballot's encryption was checked (spoiled): it can never be "
                       "cast; encrypt your choices again", "ballot_spoiled") from None
    except record.Duplicate:
        # The checks before the lock saw no such ballot; one with the same ciphertexts was
        # committed meanwhile under another credential (the unique index decides).
        raise Conflict("this ballot was already cast by another request",
                       "ballot_replayed") from None
    return {b.question: event.seq for b, event in zip(ordered, events)}, head


def _fingerprints(crypto: CryptoContext, ballot_list: list[ballots.Ballot]
                  ) -> tuple[dict[str, str], dict[str, str]]:
    return ({b.question: ballots.tracker(crypto.fingerprint, b).hex() for b in ballot_list},
            {b.question: ballots.ciphertexts_digest(b) for b in ballot_list})


class ReplayedCast(Exception):
    """The same request was committed already (a retry, or a concurrent twin that won):
    roll this transaction back and answer with that request's receipt."""

    def __init__(self, receipt: Receipt):
        super().__init__("replayed")
        self.receipt = receipt


def commit_online(session: Session, ctx: VoterContext, ballot_list: list[ballots.Ballot],
                  key_dir: Path) -> Receipt:
    """The register update locks the voter's row first, which orders this voter's casts;
    the chain, replay and duplicate checks then see every earlier cast of this voter, and
    the election lock is taken last (``_store_ballots``). Raises ReplayedCast when the same
    request was already committed: the caller rolls back (undoing the register update)."""
    election = ctx.election
    digest = request_digest(ballot_list)
    now = utcnow()
    _require_open(election, now)
    try:
        register.record_online_ballot(session, election, ctx.voter_id, now)
    except Conflict:
        replay = _existing_receipt(session, election, digest)
        if replay is not None:   # a retry after the voter checked in: its receipt stands
            raise ReplayedCast(replay)
        raise
    trackers, digests = _fingerprints(ctx.crypto, ballot_list)
    last: dict[str, tuple[int, str]] = {}
    duplicate = replayed = False
    tracker_set, digest_set = set(trackers.values()), set(digests.values())
    for row in session.execute(_CHAIN, {
            "election": election.id, "credential": ctx.credential,
            "trackers": list(tracker_set), "digests": list(digest_set), "request": digest}):
        if row.request_digest == digest:
            replayed = True
        elif row.tracker in tracker_set or row.ciphertexts in digest_set:
            duplicate = True
        if row.credential == ctx.credential and row.channel == "online" and \
                row.seq > last.get(row.question, (0, ""))[0]:
            last[row.question] = (row.seq, row.tracker)
    if replayed:
        raise ReplayedCast(_existing_receipt(session, election, digest))
    for ballot in ballot_list:
        seq, tracker = last.get(ballot.question, (0, ballots.ZERO_TRACKER.hex()))
        if ballot.seq != seq + 1 or not hmac.compare_digest(ballot.prev.hex(), tracker):
            raise Conflict(f"question {ballot.question!r}: this ballot is not the successor "
                           f"of your last ballot (expected seq {seq + 1}); an older ballot "
                           "cannot be cast again", "ballot_out_of_order",
                           {"question": ballot.question, "seq": seq + 1, "prev": tracker})
    if duplicate:
        raise Conflict("this ballot was already cast by another request", "ballot_replayed")
    positions, head = _store_ballots(session, election, ballot_list, trackers, digests,
                                     digest, None, key_dir)
    return Receipt(election.slug, trackers, positions, head)


# --- kiosk ballots ------------------------------------------------------------------------

@dataclass(frozen=True)
class KioskContext:
    election_id: int
    kiosk: str
    polling_point_id: int
    public_key: bytes
    crypto: CryptoContext


def kiosk_context(session: Session, election: Election, kiosk_key: Any) -> KioskContext:
    if not isinstance(kiosk_key, str) or not 0 < len(kiosk_key) <= 64:
        raise InvalidInput("kiosk: the kiosk's id", "invalid_input")
    _require_open(election, utcnow())
    kiosk = session.execute(select(Kiosk).where(Kiosk.election_id == election.id,
                                                Kiosk.key == kiosk_key)).scalar()
    if kiosk is None or kiosk.status != "active":
        raise Conflict("this kiosk is not enrolled here, or was revoked", "kiosk_not_enrolled")
    return KioskContext(election.id, kiosk.key, kiosk.polling_point_id,
                        bytes.fromhex(kiosk.public_key), crypto_context(election))


def check_kiosk(ballot_list: list[ballots.Ballot], ctx: KioskContext) -> None:
    first = ballot_list[0]
    for ballot in ballot_list:
        if ballot.checkin is None:
            raise InvalidInput("a kiosk ballot names its check-in", "invalid_ballot")
        if ballot.checkin != first.checkin or ballot.credential != first.credential:
            raise InvalidInput("all ballots of one request belong to one check-in",
                               "invalid_ballot")
        _verify(ballot, ctx.crypto, kiosk_key=ctx.public_key)


def commit_kiosk(session: Session, election: Election, ctx: KioskContext,
                 ballot_list: list[ballots.Ballot], key_dir: Path) -> Receipt:
    digest = request_digest(ballot_list)
    record.lock(session, election.id)
    replay = _existing_receipt(session, election, digest)
    if replay is not None:
        return replay
    now = utcnow()
    _require_open(election, now)
    kiosk_status = session.execute(select(Kiosk.status).where(
        Kiosk.election_id == election.id, Kiosk.key == ctx.kiosk)).scalar()
    if kiosk_status != "active":
        raise Conflict("this kiosk was revoked", "kiosk_not_enrolled")
    first = ballot_list[0]
    row = session.execute(
        select(Participation.voter_id, Participation.checkin_point_id, Credential.questions)
        .join(Credential, Credential.voter_id == Participation.voter_id)
        .where(Participation.election_id == election.id,
               Participation.checkin_event == first.checkin.hex(),
               Credential.public_key == first.credential.hex(),
               Credential.status == "active")).first()
    if row is None:
        raise Conflict("no check-in of this voter matches this ballot", "not_checked_in")
    if row.checkin_point_id != ctx.polling_point_id:
        raise Conflict("the voter checked in at another polling point",
                       "wrong_polling_point")
    if sorted(b.question for b in ballot_list) != sorted(row.questions):
        raise InvalidInput("one ballot for each of the voter's questions", "wrong_questions")
    point_key = _point_key(session, ctx.polling_point_id)
    register.record_in_person_ballot(session, election, row.voter_id, point_key, now)
    trackers, digests = _fingerprints(ctx.crypto, ballot_list)
    _refuse_cast(session, election.id, trackers, digests)
    positions, head = _store_ballots(session, election, ballot_list, trackers, digests,
                                     digest, ctx.kiosk, key_dir)
    return Receipt(election.slug, trackers, positions, head)


def _point_key(session: Session, point_id: int) -> str:
    from ..store.models import PollingPoint

    return session.execute(select(PollingPoint.key).where(PollingPoint.id == point_id)).scalar()


# --- Benaloh challenges ---------------------------------------------------------------------

@dataclass(frozen=True)
class SpoiledView:
    tracker: str
    position: int
    plaintext: str
    replayed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"tracker": self.tracker, "position": self.position,
                "plaintext": self.plaintext, "replayed": self.replayed}


def read_spoil_request(body: Any, crypto: CryptoContext
                       ) -> tuple[ballots.Ballot, ballots.BallotOpening]:
    if not isinstance(body, dict) or set(body) - {"ballot", "opening", "kiosk"} or \
            "ballot" not in body or "opening" not in body:
        raise InvalidInput("the body is {\"ballot\": …, \"opening\": …}", "invalid_input")
    ballot = _read(body["ballot"], crypto)
    try:
        opening = ballots.BallotOpening.from_json(body["opening"])
    except CryptoError as error:
        raise InvalidInput(f"unreadable opening: {error}", "invalid_opening")
    return ballot, opening


def check_spoil(ballot: ballots.Ballot, opening: ballots.BallotOpening,
                crypto: CryptoContext) -> bytes:
    _verify(ballot, crypto, signed=False)
    try:
        return ballots.open_ballot(crypto.key, ballot, opening)
    except CryptoError as error:
        raise InvalidInput(f"the opening does not open this ballot: {error}",
                           "invalid_opening")


def commit_spoil(session: Session, election: Election, crypto: CryptoContext,
                 ballot: ballots.Ballot, opening: ballots.BallotOpening, plaintext: bytes
                 ) -> SpoiledView:
    record.lock(session, election.id)
    _require_open(election, utcnow())
    tracker = ballots.tracker(crypto.fingerprint, ballot).hex()
    digest = ballots.ciphertexts_digest(ballot)
    existing = session.execute(select(SpoiledBallot.event_seq).where(
        SpoiledBallot.election_id == election.id, SpoiledBallot.tracker == tracker)).scalar()
    if existing is not None:
        return SpoiledView(tracker, existing, plaintext.hex(), replayed=True)
    if session.execute(select(BallotIndex.id).where(
            BallotIndex.election_id == election.id,
            (BallotIndex.tracker == tracker) | (BallotIndex.ciphertexts == digest))).first():
        raise Conflict("this ballot was cast: it cannot be checked any more (that would "
                       "reveal a counted vote)", "ballot_already_cast")
    if session.execute(select(SpoiledBallot.id).where(
            SpoiledBallot.election_id == election.id,
            SpoiledBallot.ciphertexts == digest)).first():
        raise Conflict("these ciphertexts were already checked", "ballot_spoiled")
    event = record.append(session, election.id, "spoiled",
                          {"ballot": ballot.to_json(), "tracker": tracker,
                           "opening": opening.to_json(), "plaintext": plaintext.hex()})
    session.add(SpoiledBallot(election_id=election.id, tracker=tracker, ciphertexts=digest,
                              event_seq=event.seq))
    session.flush()
    return SpoiledView(tracker, event.seq, plaintext.hex())

