"""Credential issuance: one letter code per eligible voter, printed on an invitation letter.

For each voter a worker process draws a letter code, derives (protocol.md, credentials) the
login token and the public credential, hashes the token with argon2id and renders the letter.
The code exists only in that worker's memory and in the PDF: the database receives the
argon2id hash and the public credential. Chunks are committed one by one; a chunk's PDF is
written and synced under a temporary name, its rows are committed naming the file, then it is
renamed. A crash leaves at worst a temporary file: the next run renames it if its rows were
committed, or deletes it if they were not (its codes exist nowhere else), then issues the
rest. Each chunk is stored under the election row's lock and only for voters still eligible
and still without a credential, so a concurrent roll change or a second run cannot produce
two active credentials or a credential for someone no longer eligible.
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

from ..crypto.credential import derive_credential, generate_letter_code
from ..letters.checkin_code import make_checkin_payload
from ..letters.pdf import Letter, LetterElection, write_letter_file
from ..store.db import transaction
from ..store.models import Credential, Election, Voter
from ..store.types import utcnow
from . import audit, elections, keystore
from .errors import Conflict
from .voter_auth import hash_login_token
from .voter_roll import find_voter

ISSUABLE_STATES = ("frozen", "open")


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
    checkin_key: bytes
    letter_election: LetterElection
    voters: tuple[VoterLetterData, ...]
    out_dir: str
    name: str


@dataclass(frozen=True)
class ChunkResult:
    rows: list[tuple[int, str, str]]  # voter id, argon2id(login token), public credential
    temp_pdf: str


def issue_chunk(job: ChunkJob) -> ChunkResult:
    """Runs in a worker process. Returns no secret: codes stay in the PDF."""
    rows, letters = [], []
    for voter in job.voters:
        code = generate_letter_code()
        credential = derive_credential(code, job.fingerprint)
        rows.append((voter.voter_id, hash_login_token(credential.login_token),
                     credential.public.hex()))
        letters.append(Letter(voter_number=voter.voter_number, full_name=voter.full_name,
                              address_lines=list(voter.address_lines), letter_code=code,
                              checkin_payload=make_checkin_payload(job.checkin_key, job.slug,
                                                                   voter.voter_number)))
    temp = Path(job.out_dir) / f".{job.name}.pdf.tmp"
    write_letter_file(job.letter_election, letters, temp)
    with open(temp, "rb") as handle:
        os.fsync(handle.fileno())
    return ChunkResult(rows, str(temp))


def letter_election(election: Election, online_url: str) -> LetterElection:
    return LetterElection(city=election.city, title=election.title,
                          starts_at=election.starts_at, ends_at=election.ends_at,
                          polling_points=[(p.name, p.address) for p in election.polling_points],
                          online_url=online_url)


def _voter_data(voter, city: str) -> VoterLetterData:
    """From a Voter or a row with the same column names."""
    return VoterLetterData(voter.id, voter.voter_number,
                           f"{voter.first_names} {voter.last_name}",
                           (voter.address, f"{voter.postcode} {city}"))


def _without_active_credential():
    return ~exists().where(and_(Credential.voter_id == Voter.id, Credential.status == "active"))


def _pending(session: Session, election: Election, after_id: int, limit: int):
    return session.execute(
        select(Voter.id, Voter.voter_number, Voter.first_names, Voter.last_name, Voter.address,
               Voter.postcode)
        .where(Voter.election_id == election.id, Voter.eligible, _without_active_credential(),
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


def _store_chunk(factory: sessionmaker, actor: str, slug: str, result: ChunkResult,
                 final: Path, revoke_first: bool = False) -> tuple[int, list[str]]:
    """Commit a chunk's credentials, then give its letter file its final name.
    Returns how many were stored and the voter numbers withdrawn."""
    now = utcnow()
    try:
        with transaction(factory) as db:
            election = elections.get_election(db, slug, lock=True)
            if election.status not in ISSUABLE_STATES:
                raise Conflict(f"the election became {election.status} during issuance",
                               "cannot_issue")
            ids = [voter_id for voter_id, _hash, _public in result.rows]
            if revoke_first:  # a reissue: the old credential dies in the same transaction
                for voter_id in ids:
                    revoked = db.execute(
                        update(Credential).where(Credential.voter_id == voter_id,
                                                 Credential.status == "active")
                        .values(status="revoked", revoked_at=now)
                        .returning(Credential.public_key)).scalars().all()
                    audit.append(db, actor, "credentials.revoke",
                                 f"election:{slug}/voter-id:{voter_id}", {"revoked": revoked})
            still = dict(db.execute(select(Voter.id, Voter.questions).where(
                Voter.id.in_(ids), Voter.eligible, _without_active_credential())).all())
            rows = [row for row in result.rows if row[0] in still]
            withdrawn = []
            if len(rows) != len(result.rows):
                withdrawn = sorted(db.execute(select(Voter.voter_number).where(
                    Voter.id.in_(set(ids) - set(still)))).scalars())
            if rows:
                db.execute(insert(Credential.__table__), [
                    {"election_id": election.id, "voter_id": voter_id, "public_key": public,
                     "status": "active", "questions": still[voter_id],
                     "letter_batch": final.name, "issued_at": now}
                    for voter_id, _hash, public in rows])
                db.execute(update(Voter), [{"id": voter_id, "login_hash": login_hash}
                                           for voter_id, login_hash, _public in rows])
            audit.append(db, actor, "credentials.issue", f"election:{slug}",
                         {"count": len(rows), "file": final.name, "withdrawn": withdrawn})
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
    return len(rows), withdrawn


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
                      key_dir: Path, online_url: str, workers: int | None = None,
                      chunk_size: int = 500,
                      progress: Callable[[int], None] | None = None) -> IssueReport:
    """Issue credentials and letters to every eligible voter still without one."""
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        if election.status not in ISSUABLE_STATES:
            raise Conflict(f"credentials are issued once the manifest is frozen and until the "
                           f"vote closes (election is {election.status})", "cannot_issue")
        fingerprint = bytes.fromhex(election.fingerprint)
        template = letter_election(election, online_url)
    checkin_key = keystore.load_or_create(key_dir, keystore.CHECKIN_KEY)
    out_dir = keystore.letters_folder(Path(out_dir))
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
                job = ChunkJob(slug, fingerprint, checkin_key, template,
                               tuple(_voter_data(r, election.city) for r in rows), str(out_dir), name)
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
            _without_active_credential())).scalar_one()


def reissue(factory: sessionmaker, actor: str, slug: str, voter_number: str, out_dir: Path,
            key_dir: Path, online_url: str) -> Path:
    """A lost letter: revoke the voter's public credential, issue a new code and letter."""
    voter_number = voter_number.upper()
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        if election.status not in ISSUABLE_STATES:
            raise Conflict(f"letters can be reissued only until the vote closes (election is "
                           f"{election.status})", "cannot_issue")
        voter = find_voter(db, election, voter_number)
        if not voter.eligible:
            raise Conflict(f"not eligible: {voter.eligibility_reason}", "not_eligible")
        fingerprint = bytes.fromhex(election.fingerprint)
        template = letter_election(election, online_url)
        data = _voter_data(voter, election.city)
    checkin_key = keystore.load_or_create(key_dir, keystore.CHECKIN_KEY)
    keystore.letters_folder(Path(out_dir))
    name = f"lettre-{slug}-{voter_number}-{utcnow().strftime('%Y%m%dT%H%M%S')}"
    result = issue_chunk(ChunkJob(slug, fingerprint, checkin_key, template, (data,),
                                  str(out_dir), name))
    final = Path(out_dir) / f"{name}.pdf"
    _store_chunk(factory, actor, slug, result, final, revoke_first=True)
    return final
