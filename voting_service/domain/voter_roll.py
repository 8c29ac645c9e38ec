"""Voter roll import: streaming, idempotent, every bad line reported with its reason.

The CSV header is `numero_electeur;nom;prenoms;date_naissance;adresse;code_postal;quartier`
(`;` or `,`, UTF-8 with or without BOM, columns in any order). Rows are processed in chunks:
memory stays flat whatever the file size. A re-import updates changed rows, leaves the same
rows alone and never duplicates (unique election + voter number in the schema).
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO, Callable, Iterator

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from ..store.models import Credential, Election, Participation, Voter
from ..store.types import utcnow
from . import audit
from .eligibility import decide, last_voting_day
from .errors import Conflict, InvalidInput, NotFound
from .validation import INVISIBLE

COLUMNS = ("numero_electeur", "nom", "prenoms", "date_naissance", "adresse", "code_postal",
           "quartier")
CHUNK = 2000
VOTER_NUMBER_RE = re.compile(r"^[A-Za-z0-9-]{1,32}$")
POSTCODE_RE = re.compile(r"^\d{5}$")
IMPORTABLE_STATES = ("draft", "frozen")
MAX_REASON = 250  # the stored decision prefixes it with a short French phrase (300 max)


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)
    credentials_revoked: int = 0

    def to_json(self) -> dict:
        return {"imported": self.imported, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected}


class RowError(ValueError):
    pass


def _parse_date(text: str) -> date:
    text = text.strip()
    try:
        if re.fullmatch(r"\d{2}/\d{2}/\d{4}", text):
            day, month, year = text.split("/")
            value = date(int(year), int(month), int(day))
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            value = date.fromisoformat(text)
        else:
            raise RowError(f"date de naissance illisible « {text} » (JJ/MM/AAAA ou AAAA-MM-JJ)")
    except ValueError as error:
        if isinstance(error, RowError):
            raise
        raise RowError(f"date de naissance impossible « {text} »")
    if value.year < 1900 or value > date.today():
        raise RowError(f"date de naissance hors limites « {text} »")
    return value


def _text(value: str, name: str, limit: int) -> str:
    if "\x00" in value:
        raise RowError(f"{name} contient un caractère nul")
    invisible = INVISIBLE.search(value)
    if invisible:  # the letter and the officer's screen must show the name as stored
        raise RowError(f"{name} contient un caractère invisible ou de contrôle du sens "
                       f"d’écriture (U+{ord(invisible.group()):04X})")
    value = " ".join(value.split())
    if not value:
        raise RowError(f"{name} manquant")
    if len(value) > limit:
        raise RowError(f"{name} trop long ({len(value)} caractères, {limit} au plus)")
    return value


def read_district_map(stream: BinaryIO) -> dict[str, str]:
    """`code_postal;quartier` lines (a header is optional) → {postcode: district}."""
    mapping = {}
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8-sig").strip()
        except UnicodeDecodeError:
            raise InvalidInput(f"district map, line {number}: not UTF-8", "invalid_district_map")
        if not line or line.lower().startswith("code_postal"):
            continue
        parts = re.split(r"[;,]", line)
        if len(parts) != 2 or not POSTCODE_RE.match(parts[0].strip()):
            raise InvalidInput(f"district map, line {number}: expected 'code_postal;quartier'",
                               "invalid_district_map")
        mapping[parts[0].strip()] = parts[1].strip()
    return mapping


def _decoded_lines(stream: BinaryIO, bad_lines: dict[int, str]) -> Iterator[str]:
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            bad_lines[number] = "ligne non encodée en UTF-8"
            yield "\n"  # keeps the csv reader's line count aligned with the file's


@dataclass
class _Row:
    line: int
    voter_number: str
    last_name: str
    first_names: str
    birth_date: date
    address: str
    postcode: str
    district_key: str | None

    def digest(self) -> str:
        fields = (self.voter_number, self.last_name, self.first_names,
                  self.birth_date.isoformat(), self.address, self.postcode,
                  self.district_key or "")
        return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


def _rows(stream: BinaryIO, districts: dict[str, str], postcode_map: dict[str, str] | None,
          report: ImportReport) -> Iterator[_Row]:
    bad_lines: dict[int, str] = {}
    lines = _decoded_lines(stream, bad_lines)
    header_line = next(lines, "")
    delimiter = ";" if header_line.count(";") >= header_line.count(",") else ","
    try:
        header = [h.strip().lower() for h in next(csv.reader([header_line],
                                                             delimiter=delimiter), [])]
    except csv.Error as error:  # e.g. a bare carriage return inside the header line
        raise InvalidInput(f"line 1: unreadable header ({str(error)[:80]})", "invalid_header")
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InvalidInput(f"line 1: header lacks {', '.join(missing)} (expected "
                           f"{';'.join(COLUMNS)})", "invalid_header")
    index = {name: header.index(name) for name in COLUMNS}
    reader = csv.reader(lines, delimiter=delimiter)
    seen: dict[str, int] = {}
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:  # e.g. a field longer than the csv module accepts
            report.rejected.append({"line": reader.line_num + 1,
                                    "reason": f"ligne illisible ({str(error)[:80]})"})
            continue
        line = reader.line_num + 1  # the header was read apart
        if line in bad_lines:
            report.rejected.append({"line": line, "reason": bad_lines.pop(line)})
            continue
        if not values or all(not v.strip() for v in values):
            continue
        try:
            if len(values) != len(header):
                raise RowError(f"{len(values)} champs au lieu de {len(header)}")
            number = values[index["numero_electeur"]].strip().upper()
            if any("\x00" in value for value in values):
                raise RowError("la ligne contient un caractère nul")
            if not VOTER_NUMBER_RE.fullmatch(number):
                raise RowError(f"numéro d'électeur invalide « {number[:40]} »")
            if number in seen:
                raise RowError(f"numéro d'électeur {number} déjà présent ligne {seen[number]}")
            postcode = values[index["code_postal"]].strip()
            if not POSTCODE_RE.match(postcode):
                raise RowError(f"code postal invalide « {postcode[:20]} »")
            district_text = values[index["quartier"]].strip()
            if not district_text and postcode_map is not None:
                district_text = postcode_map.get(postcode, "")
            district_key = None
            if district_text:
                district_key = districts.get(district_text.casefold())
                if district_key is None:
                    raise RowError(f"quartier inconnu « {district_text[:60]} »")
            row = _Row(line, number, _text(values[index["nom"]], "nom", 200),
                       _text(values[index["prenoms"]], "prénoms", 200),
                       _parse_date(values[index["date_naissance"]]),
                       _text(values[index["adresse"]], "adresse", 300), postcode, district_key)
        except RowError as error:
            report.rejected.append({"line": line, "reason": str(error)})
            continue
        seen[number] = line
        yield row
    for line, reason in sorted(bad_lines.items()):
        report.rejected.append({"line": line, "reason": reason})


def _chunks(rows: Iterator[_Row], size: int) -> Iterator[list[_Row]]:
    chunk: list[_Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Context:
    """What eligibility needs from the election, computed once per import."""

    def __init__(self, election: Election):
        self.election = election
        self.last_day = last_voting_day(election)
        districts = {d.id: d.key for d in election.districts}
        self.questions = [(q.key, districts.get(q.district_id)) for q in election.questions]

    def decide(self, birth_date, district_key, override, override_reason):
        return decide(birth_date=birth_date, district_key=district_key, override=override,
                      override_reason=override_reason, min_age=self.election.min_age,
                      last_day=self.last_day, questions=self.questions)


def import_roll(session: Session, actor: str, election: Election, stream: BinaryIO,
                postcode_map: dict[str, str] | None = None, all_or_nothing: bool = False,
                progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import in the caller's transaction. With all_or_nothing, any rejected line raises
    InvalidInput after the whole file was read (the caller's rollback then undoes all)."""
    if election.status not in IMPORTABLE_STATES:
        raise Conflict(f"the roll can change only before the vote opens (election is "
                       f"{election.status})", "roll_closed")
    districts = {}
    for district in election.districts:
        districts[district.key.casefold()] = district.key
        districts[district.name.casefold()] = district.key
    context = _Context(election)
    report = ImportReport()
    now = utcnow()
    for number, chunk in enumerate(_chunks(_rows(stream, districts, postcode_map, report),
                                           CHUNK), start=1):
        _import_chunk(session, election, context, chunk, report, now)
        if progress:
            progress(len(chunk))
        if number & (number - 1) == 0:  # chunks 1, 2, 4, 8, …
            _refresh_statistics(session)
    report.rejected.sort(key=lambda r: r["line"])
    if all_or_nothing and report.rejected:
        raise InvalidInput(f"{len(report.rejected)} rejected line(s); nothing imported",
                           "rows_rejected", {"rejected": report.rejected[:1000]})
    audit.append(session, actor, "voters.import", f"election:{election.slug}",
                 {"imported": report.imported, "updated": report.updated,
                  "unchanged": report.unchanged, "rejected": len(report.rejected)})
    return report


def _refresh_statistics(session: Session) -> None:
    """PostgreSQL plans the per-chunk lookups from table statistics; a roll growing from
    nothing inside one transaction would otherwise be scanned whole for every chunk."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE voters"))


def _import_chunk(session, election, context, chunk, report, now):
    existing = {
        row.voter_number: row
        for row in session.execute(
            select(Voter.id, Voter.voter_number, Voter.row_digest, Voter.override,
                   Voter.override_reason)
            .where(Voter.election_id == election.id,
                   Voter.voter_number.in_([r.voter_number for r in chunk]))
        )
    }
    inserts, updates = [], []
    for row in chunk:
        digest = row.digest()
        known = existing.get(row.voter_number)
        if known is not None and known.row_digest == digest:
            report.unchanged += 1
            continue
        override = known.override if known else None
        decision = context.decide(row.birth_date, row.district_key, override,
                                  known.override_reason if known else "")
        values = {"last_name": row.last_name, "first_names": row.first_names,
                  "birth_date": row.birth_date, "address": row.address,
                  "postcode": row.postcode, "district_key": row.district_key,
                  "row_digest": digest, "eligible": decision.eligible,
                  "eligibility_reason": decision.reason, "questions": decision.questions,
                  "updated_at": now}
        if known is None:
            inserts.append({"election_id": election.id, "voter_number": row.voter_number,
                            "created_at": now, "override_reason": "", **values})
        else:
            updates.append({"id": known.id, **values})
    if inserts:
        # Core executemany without RETURNING: no ORM bookkeeping per row, and psycopg runs it
        # in pipeline mode (a multi-VALUES statement of 2,000 rows costs more to build than
        # to run). The new ids are read back in one query.
        session.execute(insert(Voter.__table__), inserts)
        ids = session.execute(select(Voter.id).where(
            Voter.election_id == election.id,
            Voter.voter_number.in_([row["voter_number"] for row in inserts]))).scalars().all()
        session.execute(insert(Participation.__table__), [
            {"voter_id": voter_id, "election_id": election.id, "state": "none",
             "online_ballots": 0} for voter_id in ids])
        report.imported += len(inserts)
    if updates:
        session.execute(update(Voter), updates)
        report.updated += len(updates)
        report.credentials_revoked += sync_credentials(session, [u["id"] for u in updates])


def sync_credentials(session: Session, voter_ids: list[int]) -> int:
    """Keep active credentials in line with changed eligibility: same questions, or revoked
    when the voter is no longer eligible. Returns how many were revoked."""
    revoked = 0
    rows = session.execute(
        select(Credential, Voter.eligible, Voter.questions)
        .join(Voter, Voter.id == Credential.voter_id)
        .where(Credential.voter_id.in_(voter_ids), Credential.status == "active")
    ).all()
    for credential, eligible, questions in rows:
        if not eligible:
            credential.status = "revoked"
            credential.revoked_at = utcnow()
            revoked += 1
        elif credential.questions != questions:
            credential.questions = questions
    return revoked


def set_override(session: Session, actor: str, election: Election, voter_number: str,
                 override: str | None, reason: str) -> Voter:
    """An admin includes or excludes one person (or clears that), with a reason."""
    if override not in (None, "include", "exclude"):
        raise InvalidInput("override must be include, exclude or none", "invalid_override")
    reason = " ".join(reason.split())
    if override and not 3 <= len(reason) <= MAX_REASON:
        raise InvalidInput(f"a reason of 3 to {MAX_REASON} characters is required",
                           "reason_required")
    if election.status not in IMPORTABLE_STATES + ("open",):
        raise Conflict(f"eligibility is fixed once the vote closed (election is "
                       f"{election.status})", "roll_closed")
    voter = find_voter(session, election, voter_number)
    voter.override = override
    voter.override_reason = reason if override else ""
    decision = _Context(election).decide(voter.birth_date, voter.district_key, voter.override,
                                         voter.override_reason)
    voter.eligible, voter.eligibility_reason = decision.eligible, decision.reason
    voter.questions = decision.questions
    voter.updated_at = utcnow()
    session.flush()
    sync_credentials(session, [voter.id])
    audit.append(session, actor, f"voters.{override or 'clear_override'}",
                 f"election:{election.slug}/voter:{voter_number}", {"reason": reason})
    return voter


def find_voter(session: Session, election: Election, voter_number: str) -> Voter:
    """Voter numbers are case-insensitive (kept in upper case)."""
    voter_number = voter_number.upper()
    if not VOTER_NUMBER_RE.fullmatch(voter_number):
        raise NotFound(f"no voter {voter_number[:40]!r} on the roll of {election.slug!r}",
                       "voter_not_found")
    voter = session.execute(select(Voter).where(Voter.election_id == election.id,
                                                Voter.voter_number == voter_number)
                            ).scalar_one_or_none()
    if voter is None:
        raise NotFound(f"no voter {voter_number!r} on the roll of {election.slug!r}",
                       "voter_not_found")
    return voter


def recompute_eligibility(session: Session, election: Election) -> int:
    """After a rule change: decide again for every voter, in chunks of plain rows."""
    context = _Context(election)
    changed = 0
    last_id = 0
    while True:
        rows = session.execute(
            select(Voter.id, Voter.birth_date, Voter.district_key, Voter.override,
                   Voter.override_reason, Voter.eligible, Voter.eligibility_reason,
                   Voter.questions)
            .where(Voter.election_id == election.id, Voter.id > last_id)
            .order_by(Voter.id).limit(CHUNK)).all()
        if not rows:
            return changed
        updates = []
        for row in rows:
            decision = context.decide(row.birth_date, row.district_key, row.override,
                                      row.override_reason)
            if (row.eligible, row.eligibility_reason, row.questions) != (
                    decision.eligible, decision.reason, decision.questions):
                updates.append({"id": row.id, "eligible": decision.eligible,
                                "eligibility_reason": decision.reason,
                                "questions": decision.questions})
        if updates:
            session.execute(update(Voter), updates)
            sync_credentials(session, [u["id"] for u in updates])
            changed += len(updates)
        last_id = rows[-1].id


def set_rules(session: Session, actor: str, election: Election, min_age: int | None = None,
              login_requires_birth_date: bool | None = None) -> int:
    if election.status not in IMPORTABLE_STATES:
        raise Conflict("eligibility rules are fixed once the vote opens", "roll_closed")
    if min_age is not None:
        if not 0 <= min_age <= 120:
            raise InvalidInput("min_age must be between 0 and 120", "invalid_min_age")
        election.min_age = min_age
    if login_requires_birth_date is not None:
        election.login_requires_birth_date = login_requires_birth_date
    session.flush()
    audit.append(session, actor, "voters.rules", f"election:{election.slug}",
                 {"min_age": election.min_age,
                  "login_requires_birth_date": election.login_requires_birth_date})
    return recompute_eligibility(session, election)
