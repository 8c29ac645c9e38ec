"""Credential issuance on the server (the one-machine path: small cities, the demo).

For each voter a worker process draws a letter code and a check-in secret, derives
(protocol.md, credentials) the login token and the public credential, hashes the token with
argon2id and the secret with SHA-256, and renders the letter (authority/drawing.py). The code
and the secret exist only in that worker's memory and in the PDF: the database receives the
hashes and the public credential. Chunks are committed one by one; a chunk's PDF is
written and synced under a temporary name, its rows are committed naming the file, then it is
renamed. A crash leaves at worst a temporary file: the next run renames it if its rows were
committed, or deletes it if they were not (its codes exist nowhere else), then issues the
rest. Each chunk is stored under the election row's lock and only for voters still eligible
and still without a credential, so a concurrent roll change or a second run cannot produce
two active credentials or a credential for someone no longer eligible.

An election's credentials come from one path only: the first issuance sets
`credential_path` to "server"; an election whose credentials come from the credential
authority (domain/credential_authority.py) refuses server issuance, and the reverse.
"""

from __future__ import annotations

import os
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import and_, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..authority.drawing import LetterVoter, draw_letters
from ..letters.pdf import LetterElection
from ..store.db import transaction
from ..store.models import Credential, Election, Participation, Voter
from ..store.types import utcnow
from . import audit, elections, record
from .errors import Conflict
from .voter_roll import find_voter

ISSUABLE_STATES = ("frozen", "open")
# New credentials only before opening: the list is frozen into the record at opening, and
# only a reissue (a signed revocation and replacement, its own event) may follow.
FIRST_ISSUE_STATES = ("frozen",)


@dataclass(frozen=True)
class VoterLetterData:
    voter_id: int
    voter_number: str
    full_name: str
    address_lines: tuple[str, ...]


@dataclass(frozen=True)
class ChunkJob:
    slug: str
    fingerprint: bytes
    letter_election: LetterElection
    voters: tuple[VoterLetterData, ...]
    out_dir: str
    name: str


@dataclass(frozen=True)
class NewCredential:
    voter_id: int
    login_hash: str
    public_key: str
    checkin_hash: str


@dataclass(frozen=True)
class ChunkResult:
    rows: list[NewCredential]
    temp_pdf: str


def issue_chunk(job: ChunkJob) -> ChunkResult:
    """Runs in a worker process. Returns no secret: codes and check-in secrets stay in the
    PDF."""
    temp = Path(job.out_dir) / f".{job.name}.pdf.tmp"
    drawn = draw_letters(job.slug, job.fingerprint, job.letter_election,
                         tuple(LetterVoter(v.voter_number, v.full_name, v.address_lines)
                               for v in job.voters), temp)
    return ChunkResult([NewCredential(voter.voter_id, letter.login_hash, letter.credential,
                                 letter.checkin_hash)
                        for voter, letter in zip(job.voters, drawn)], str(temp))


def letter_election(election: Election, online_url: str) -> LetterElection:
    return LetterElection(city=election.city, title=election.title,
                          starts_at=election.starts_at, ends_at=election.ends_at,
                          polling_points=[(p.name, p.address) for p in election.polling_points],
                          online_url=online_url)


def voter_letter_data(voter, city: str) -> VoterLetterData:
    """From a Voter or a row with the same column names."""
    return VoterLetterData(voter.id, voter.voter_number,
                           f"{voter.first_names} {voter.last_name}",
                           (voter.address, f"{voter.postcode} {city}"))


def has_active_credential():
    return exists().where(and_(Credential.voter_id == Voter.id, Credential.status == "active"))


def without_active_credential():
    return ~has_active_credential()


def _pending(session: Session, election: Election, after_id: int, limit: int):
    return session.execute(
        select(Voter.id, Voter.voter_number, Voter.first_names, Voter.last_name, Voter.address,
               Voter.postcode)
        .where(Voter.election_id == election.id, Voter.eligible, without_active_credential(),
               Voter.id > after_id)
        .order_by(Voter.id).limit(limit)).all()


@dataclass
class IssueReport:
    issued: int = 0
    files: list[str] = field(default_factory=list)
    # Voters whose letter was printed but who lost eligibility (or got a credential from
    # another run) meanwhile: their pages must not be sent, their codes open nothing.
    withdrawn: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)


def _sync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_issuable(election: Election, path: str, states: tuple[str, ...] = ISSUABLE_STATES
                   ) -> None:
    """Refuse to store credentials outside `states` or from the other path."""
    if election.status not in states:
        raise Conflict(f"credentials are stored only while the election is "
                       f"{' or '.join(states)} (it is {election.status})", "cannot_issue")
    if election.credential_path not in (None, path):
        raise Conflict(f"this election's credentials come from the {election.credential_path} "
                       f"path, not the {path} path: one election cannot mix both",
                       "credential_path_conflict")


def reissuable_credential(session: Session, voter: Voter) -> str:
    """The public credential a reissue would revoke, if this voter may get a new letter."""
    if not voter.eligible:
        raise Conflict(f"not eligible: {voter.eligibility_reason}", "not_eligible")
    # Locked: a check-in racing this reissue waits for it, then applies to the new credential.
    state = session.execute(select(Participation.state).where(
        Participation.voter_id == voter.id).with_for_update()).scalar()
    # Once checked in, the voter votes at the kiosk under this credential; a new one would
    # give them a second vote online.
    if state in ("checked_in", "voted_in_person"):
        raise Conflict(f"{voter.voter_number} has checked in at a polling point: their "
                       "credential can no longer be replaced", "already_checked_in")
    public = session.execute(select(Credential.public_key).where(
        Credential.voter_id == voter.id, Credential.status == "active")).scalar()
    if public is None:
        raise Conflict(f"{voter.voter_number} has no credential to replace: issue one instead",
                       "no_credential")
    return public


def replace_credential(session: Session, actor: str, election: Election, voter: Voter,
                       revoked: str, row: NewCredential, letter_batch: str,
                       signature: str | None) -> None:
    """Revoke `revoked` (the voter's active credential) and store its replacement, in the
    caller's transaction under the election's lock. Once the vote is open the record gets the
    reissue at once; before, the opening writes it from the `replaces` column."""
    now = utcnow()
    changed = session.execute(update(Credential).where(
        Credential.voter_id == voter.id, Credential.status == "active",
        Credential.public_key == revoked).values(status="revoked", revoked_at=now)).rowcount
    if changed != 1:
        raise Conflict(f"{voter.voter_number}'s credential changed meanwhile: start the reissue "
                       "again", "credential_changed")
    questions = sorted(voter.questions)
    session.execute(insert(Credential.__table__), [{
        "election_id": election.id, "voter_id": voter.id, "public_key": row.public_key,
        "status": "active", "questions": questions, "letter_batch": letter_batch,
        "checkin_hash": row.checkin_hash, "replaces": revoked,
        "reissue_signature": signature, "issued_at": now}])
    voter.login_hash = row.login_hash
    audit.append(session, actor, "credentials.revoke",
                 f"election:{election.slug}/voter-id:{voter.id}",
                 {"revoked": revoked, "replacement": row.public_key})
    if election.status == "open":
        record.lock(session, election.id)
        record.append(session, election.id, "credential_reissued",
                      {"revoked": revoked, "credential": row.public_key,
                       "questions": questions, "signature": signature})


def _commit_letters(factory: sessionmaker, result: ChunkResult, final: Path, store):
    """Run `store(session)` in one transaction, then give the letter file its final name.
    If storing fails the file is deleted: its codes were never stored anywhere."""
    try:
        with transaction(factory) as db:
            outcome = store(db)
    except IntegrityError:
        Path(result.temp_pdf).unlink(missing_ok=True)
        raise Conflict("another issuance stored credentials for the same voters at the same "
                       "time: run the command again once it has finished",
                       "issuance_conflict")
    except Exception:
        Path(result.temp_pdf).unlink(missing_ok=True)
        raise
    os.replace(result.temp_pdf, final)
    _sync_directory(final.parent)
    return outcome


def _store_chunk(factory: sessionmaker, actor: str, slug: str, result: ChunkResult,
                 final: Path) -> tuple[int, list[str]]:
    """Commit a chunk's credentials, then give its letter file its final name.
    Returns how many were stored and the voter numbers withdrawn."""

    def store(db: Session) -> tuple[int, list[str]]:
        now = utcnow()
        election = elections.get_election(db, slug, lock=True)
        check_issuable(election, "server", FIRST_ISSUE_STATES)
        election.credential_path = "server"
        ids = [row.voter_id for row in result.rows]
        still = dict(db.execute(select(Voter.id, Voter.questions).where(
            Voter.id.in_(ids), Voter.eligible, without_active_credential())).all())
        rows = [row for row in result.rows if row.voter_id in still]
        withdrawn = []
        if len(rows) != len(result.rows):
            withdrawn = sorted(db.execute(select(Voter.voter_number).where(
                Voter.id.in_(set(ids) - set(still)))).scalars())
        if rows:
            db.execute(insert(Credential.__table__), [
                {"election_id": election.id, "voter_id": row.voter_id,
                 "public_key": row.public_key, "status": "active",
                 "questions": sorted(still[row.voter_id]), "checkin_hash": row.checkin_hash,
                 "letter_batch": final.name, "issued_at": now}
                for row in rows])
            db.execute(update(Voter), [{"id": row.voter_id, "login_hash": row.login_hash}
                                       for row in rows])
        audit.append(db, actor, "credentials.issue", f"election:{slug}",
                     {"count": len(rows), "file": final.name, "withdrawn": withdrawn})
        return len(rows), withdrawn

    return _commit_letters(factory, result, final, store)


def recover_interrupted(factory: sessionmaker, slug: str, out_dir: Path) -> list[str]:
    """Finish what a crash interrupted: rename temporary letter files whose credentials were
    committed; delete the others (their codes were never stored)."""
    recovered = []
    for temp in sorted(Path(out_dir).glob(".*.pdf.tmp")):
        final_name = temp.name[1:-len(".tmp")]
        with transaction(factory) as db:
            election = elections.get_election(db, slug)
            committed = db.execute(select(Credential.id).where(
                Credential.election_id == election.id,
                Credential.letter_batch == final_name).limit(1)).first()
        if committed:
            os.replace(temp, temp.with_name(final_name))
            recovered.append(final_name)
        else:
            temp.unlink()
    return recovered


def issue_credentials(factory: sessionmaker, actor: str, slug: str, out_dir: Path,
                      online_url: str, workers: int | None = None, chunk_size: int = 500,
                      progress: Callable[[int], None] | None = None) -> IssueReport:
    """Issue credentials and letters to every eligible voter still without one."""
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        check_issuable(election, "server", FIRST_ISSUE_STATES)
        fingerprint = bytes.fromhex(election.fingerprint)
        template = letter_election(election, online_url)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = IssueReport(recovered=recover_interrupted(factory, slug, out_dir))
    run = utcnow().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    workers = workers or os.cpu_count() or 1
    after_id, index = 0, 0
    in_flight = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        while True:
            while len(in_flight) < 2 * workers:
                with transaction(factory) as db:
                    rows = _pending(db, election, after_id, chunk_size)
                if not rows:
                    break
                after_id = rows[-1].id
                index += 1
                name = f"lettres-{slug}-{run}-{index:04d}"
                job = ChunkJob(slug, fingerprint, template,
                               tuple(voter_letter_data(r, election.city) for r in rows), str(out_dir), name)
                in_flight[pool.submit(issue_chunk, job)] = out_dir / f"{name}.pdf"
            if not in_flight:
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                final = in_flight.pop(future)
                count, withdrawn = _store_chunk(factory, actor, slug, future.result(), final)
                report.issued += count
                report.withdrawn.extend(withdrawn)
                report.files.append(str(final))
                if progress:
                    progress(count)
    report.files.sort()
    return report


def count_pending(factory: sessionmaker, slug: str) -> int:
    from sqlalchemy import func

    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        return db.execute(select(func.count()).select_from(Voter).where(
            Voter.election_id == election.id, Voter.eligible,
            without_active_credential())).scalar_one()


def reissue(factory: sessionmaker, actor: str, slug: str, voter_number: str, out_dir: Path,
            online_url: str) -> Path:
    """A lost letter: revoke the voter's public credential, issue a new code and letter."""
    voter_number = voter_number.upper()
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        check_issuable(election, "server")
        voter = find_voter(db, election, voter_number)
        reissuable_credential(db, voter)
        fingerprint = bytes.fromhex(election.fingerprint)
        template = letter_election(election, online_url)
        data = voter_letter_data(voter, election.city)
    name = f"lettre-{slug}-{voter_number}-{utcnow().strftime('%Y%m%dT%H%M%S')}"
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    result = issue_chunk(ChunkJob(slug, fingerprint, template, (data,), str(out_dir), name))
    final = Path(out_dir) / f"{name}.pdf"

    def store(db: Session) -> None:
        # Checked again under the lock: the voter may have checked in while the letter printed.
        election = elections.get_election(db, slug, lock=True)
        check_issuable(election, "server")
        voter = db.get(Voter, data.voter_id)
        revoked = reissuable_credential(db, voter)
        replace_credential(db, actor, election, voter, revoked, result.rows[0], final.name,
                           signature=None)

    _commit_letters(factory, result, final, store)
    return final
