"""Who may vote, and on which questions.

A voter may answer the city-wide questions and the questions of their own district. The
decision is stored on the voter with a plain reason, so staff can answer "why not me?".
Order of precedence: an admin's exclusion, an admin's inclusion, then the minimum age on the
last voting day (in Paris time: a birthday on the last day counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from ..store.models import Election

LOCAL = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Decision:
    eligible: bool
    reason: str
    questions: list[str]


def last_voting_day(election: Election) -> date:
    # ends_at is an exclusive instant; the last day is the local day just before it.
    from datetime import timedelta

    return (election.ends_at - timedelta(microseconds=1)).astimezone(LOCAL).date()


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def questions_for(district_key: str | None, questions: list[tuple[str, str | None]]) -> list[str]:
    return [key for key, district in questions if district is None or district == district_key]


def decide(*, birth_date: date, district_key: str | None, override: str | None,
           override_reason: str, min_age: int, last_day: date,
           questions: list[tuple[str, str | None]]) -> Decision:
    allowed = questions_for(district_key, questions)
    if override == "exclude":
        return Decision(False, f"exclu par un administrateur : {override_reason}", [])
    if override == "include":
        return Decision(True, f"inclus par un administrateur : {override_reason}", allowed)
    age = age_on(birth_date, last_day)
    if age < min_age:
        return Decision(False, f"moins de {min_age} ans le {last_day.strftime('%d/%m/%Y')}",
                        [])
    if district_key is None:
        return Decision(True, "âge requis atteint ; quartier inconnu : questions de toute la "
                              "ville seulement", allowed)
    return Decision(True, "âge requis atteint", allowed)
