"""Voting dates written the French way, in Paris local time ("du lundi 3 mai au dimanche 16 mai 2027").

Written out here rather than through the C locale, which may not have fr_FR installed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")
_NBSP = "\u00a0"  # keeps "9 h" and "3 mai" together when a line wraps


def french_day(day: date, *, year: bool = True) -> str:
    """'lundi 3 mai 2027'; the 1st of a month is '1er', as French writes it."""
    number = "1er" if day.day == 1 else str(day.day)
    text = f"{_DAYS[day.weekday()]} {number}{_NBSP}{_MONTHS[day.month - 1]}"
    return f"{text}{_NBSP}{day.year}" if year else text


def local_moment(moment: datetime) -> tuple[date, str]:
    """The Paris calendar day and French clock time of an aware instant.

    An instant at exactly midnight is given as "minuit" of the day before, so that a vote
    closing at 2027-05-17 00:00 reads "dimanche 16 mai 2027 à minuit", not "lundi 17 mai à 0 h".
    """
    local = _paris(moment)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return local.date() - timedelta(days=1), "minuit"
    return local.date(), _clock(local)


def voting_period(starts_at: datetime, ends_at: datetime) -> str:
    """'du lundi 3 mai au dimanche 16 mai 2027' (both years written when they differ)."""
    first = _paris(starts_at).date()
    last, _ = local_moment(ends_at)
    return f"du {french_day(first, year=first.year != last.year)} au {french_day(last)}"


def opening_and_closing(starts_at: datetime, ends_at: datetime) -> tuple[str, str]:
    """('lundi 3 mai 2027 à 9 h', 'dimanche 16 mai 2027 à 18 h'), in Paris time."""
    first = _paris(starts_at)
    last, clock = local_moment(ends_at)
    return f"{french_day(first.date())} à {_clock(first)}", f"{french_day(last)} à {clock}"


def _paris(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("voting dates must be timezone-aware")
    return moment.astimezone(PARIS)


def _clock(local: datetime) -> str:
    """'9 h', '18 h 30' (French typography; seconds are not printed)."""
    minutes = f"{_NBSP}{local.minute:02d}" if local.minute else ""
    return f"{local.hour}{_NBSP}h{minutes}"
