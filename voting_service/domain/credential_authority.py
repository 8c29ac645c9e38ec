"""The server's side of the credential-authority path (Belenios-style).

The server hands the authority an extract of the roll (`extract`), the authority draws the
codes and prints the letters on its own machine (authority/generate.py), and the server
imports the authority's signed public file (`import_public_file`): public credentials, login
hashes and check-in hashes only. The server never sees a letter code, so whoever runs it
cannot vote for an abstainer; the authority's signatures travel into the record, so the
verifier can tell the list and every reissue came from the authority.

Rules kept simple (docs/decisions.md): the list is imported once, while the election is
frozen (the opening freezes it into the record); afterwards only reissues are imported,
until the vote closes, each signed by the same authority key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ..authority.files import (LIST, REISSUE, AuthorityError, ExtractVoter, PublicFile,
                               extract_json, parse_public_file)
from ..store.models import Credential, Election, Voter
from ..store.types import utcnow
from . import audit, elections
from .credentials import (ISSUABLE_STATES, NewCredential, check_issuable,
                          has_active_credential, letter_election, reissuable_credential,
                          replace_credential, voter_letter_data, without_active_credential)
from .errors import Conflict, InvalidInput
from .voter_roll import find_voter

PATH = "authority"
LIST_STATES = ("frozen",)   # the list must be in the record before the opening


def _refuse_second_list(election: Election) -> None:
    if election.authority_list_signature is not None:
        raise Conflict("the credential authority's list is already imported; only reissues "
                       "can follow", "list_already_imported")


def extract(session: Session, slug: str, online_url: str,
            reissue_voter: str | None = None) -> dict[str, Any]:
    """What the authority needs to print letters: the roll's eligible voters without a
    credential, or the one voter whose letter is reissued (with the credential it replaces)."""
    election = elections.get_election(session, slug)
    template = letter_election(election, online_url)
    if reissue_voter is None:
        check_issuable(election, PATH, LIST_STATES)
        _refuse_second_list(election)
        rows = session.execute(
            select(Voter).where(Voter.election_id == election.id, Voter.eligible,
                                without_active_credential()).order_by(Voter.id)).scalars()
        voters = [_extract_voter(voter, election.city, None) for voter in rows]
        if not voters:
            raise Conflict("no eligible voter is waiting for a credential", "nothing_to_extract")
        purpose = LIST
    else:
        check_issuable(election, PATH)
        if election.authority_list_signature is None:
            raise Conflict("a reissue follows the authority's list: import the list first",
                           "no_authority_list")
        voter = find_voter(session, election, reissue_voter)
        voters = [_extract_voter(voter, election.city, reissuable_credential(session, voter))]
        purpose = REISSUE
    return extract_json(election.slug, election.fingerprint, purpose, template, voters)


def _extract_voter(voter: Voter, city: str, revoked: str | None) -> ExtractVoter:
    data = voter_letter_data(voter, city)
    return ExtractVoter(voter.voter_number, data.full_name, data.address_lines,
                        sorted(voter.questions), revoked)


@dataclass(frozen=True)
class ImportReport:
    imported: int
    reissue_of: str | None   # the voter number, for a reissue
    authority_key: str


def import_public_file(session: Session, actor: str, slug: str, value: Any,
                       file_name: str) -> ImportReport:
    """Check the authority's public file against this election and its roll, then store it,
    all in the caller's transaction: a refused file changes nothing."""
    try:
        public = parse_public_file(value)
    except AuthorityError as error:
        raise InvalidInput(error.message, error.code)
    election = elections.get_election(session, slug, lock=True)
    if public.election != election.slug:
        raise InvalidInput(f"this file is for the election {public.election!r}, not {slug!r}",
                           "wrong_election")
    if public.fingerprint != election.fingerprint:
        raise InvalidInput("this file was made for another version of the manifest (its "
                           "fingerprint differs): extract the roll again", "wrong_fingerprint")
    if election.authority_key not in (None, public.authority_key):
        raise InvalidInput("this file is signed by another key than the credential authority "
                           f"of this election ({election.authority_key})",
                           "foreign_authority_key")
    if public.reissue is not None:
        _import_reissue(session, actor, election, public)
        count, reissue_of = 1, public.reissue.voter_number
    else:
        _import_list(session, election, public)
        count, reissue_of = len(public.credentials), None
    audit.append(session, actor, "credentials.import", f"election:{slug}",
                 {"count": count, "reissue": reissue_of, "file": file_name,
                  "authority_key": public.authority_key})
    return ImportReport(count, reissue_of, public.authority_key)


def _few(numbers: list[str]) -> str:
    shown = ", ".join(sorted(numbers)[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def _check_unused(session: Session, election: Election, credentials: list[str]) -> None:
    # Compared in Python: a city's list is too long for one IN (...) on SQLite.
    known = set(session.execute(select(Credential.public_key).where(
        Credential.election_id == election.id)).scalars())
    used = sorted(known.intersection(credentials))
    if used:
        raise InvalidInput(f"the credential {used[0]} is already known to this election",
                           "credential_reused")


def _import_list(session: Session, election: Election, public: PublicFile) -> None:
    check_issuable(election, PATH, LIST_STATES)
    _refuse_second_list(election)
    roll = {row.voter_number: row for row in session.execute(
        select(Voter.id, Voter.voter_number, Voter.eligible, Voter.questions,
               has_active_credential().label("has_credential"))
        .where(Voter.election_id == election.id))}
    entries = public.credentials
    unknown = [e.voter_number for e in entries if e.voter_number not in roll]
    if unknown:
        raise InvalidInput(f"not on the roll: {_few(unknown)}", "unknown_voters")
    # The roll changed since the extract: the signed list cannot be cut, so the whole file
    # is refused and the authority makes a new one from a new extract.
    changed = [e.voter_number for e in entries
               if not roll[e.voter_number].eligible or roll[e.voter_number].has_credential
               or sorted(roll[e.voter_number].questions) != e.questions]
    if changed:
        raise Conflict("these voters are no longer eligible, already have a credential or "
                       f"vote on other questions since the extract: {_few(changed)}; extract "
                       "the roll again and have the authority generate again", "roll_changed")
    _check_unused(session, election, [e.credential for e in entries])
    now = utcnow()
    session.execute(insert(Credential.__table__), [
        {"election_id": election.id, "voter_id": roll[e.voter_number].id,
         "public_key": e.credential, "status": "active", "questions": e.questions,
         "checkin_hash": e.checkin_hash, "issued_at": now} for e in entries])
    session.execute(update(Voter), [{"id": roll[e.voter_number].id, "login_hash": e.login_hash}
                                    for e in entries])
    election.credential_path = PATH
    election.authority_key = public.authority_key
    election.authority_list_signature = public.list_signature


def _import_reissue(session: Session, actor: str, election: Election,
                    public: PublicFile) -> None:
    check_issuable(election, PATH, ISSUABLE_STATES)
    if election.authority_list_signature is None:
        raise Conflict("a reissue follows the authority's list: import the list first",
                       "no_authority_list")
    entry = public.reissue
    voter = find_voter(session, election, entry.voter_number)
    active = reissuable_credential(session, voter)
    if entry.revoked != active:
        raise Conflict(f"this reissue replaces {entry.revoked}, which is not "
                       f"{voter.voter_number}'s active credential (already reissued?)",
                       "not_active_credential")
    if sorted(voter.questions) != entry.questions:
        raise Conflict(f"{voter.voter_number} votes on other questions since the extract: "
                       "extract again", "roll_changed")
    _check_unused(session, election, [entry.credential])
    replace_credential(session, actor, election, voter, active,
                       NewCredential(voter.id, entry.login_hash, entry.credential,
                                     entry.checkin_hash),
                       letter_batch="", signature=entry.signature)
