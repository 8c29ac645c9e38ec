"""The public list of credentials: per question, the public credentials that may vote on it,
and the revoked ones. Anyone can count the possible ballots from it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.models import Credential, Election


def listing(session: Session, election: Election) -> dict:
    per_question: dict[str, list[str]] = {q.key: [] for q in election.questions}
    revoked = []
    rows = session.execute(select(Credential.public_key, Credential.status, Credential.questions)
                           .where(Credential.election_id == election.id)
                           .order_by(Credential.public_key))
    for public_key, status, questions in rows:
        if status == "revoked":
            revoked.append(public_key)
            continue
        for key in questions:
            per_question.setdefault(key, []).append(public_key)
    return {"election": election.slug, "fingerprint": election.fingerprint,
            "questions": per_question, "revoked": revoked}
