from datetime import date, datetime, timedelta, timezone

import pytest

from voting_service.letters.french_dates import (french_day, local_moment, opening_and_closing,
                                                 voting_period)

UTC = timezone.utc


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")


def test_period_within_a_year_writes_the_year_once():
    period = voting_period(datetime(2027, 5, 3, 7, tzinfo=UTC), datetime(2027, 5, 16, 16, tzinfo=UTC))
    assert plain(period) == "du lundi 3 mai au dimanche 16 mai 2027"


def test_period_across_new_year_writes_both_years():
    period = voting_period(datetime(2026, 12, 28, 8, tzinfo=UTC), datetime(2027, 1, 10, 17, tzinfo=UTC))
    assert plain(period) == "du lundi 28 décembre 2026 au dimanche 10 janvier 2027"


def test_first_of_the_month_is_premier():
    assert plain(french_day(date(2027, 6, 1))) == "mardi 1er juin 2027"
    assert plain(french_day(date(2027, 8, 15), year=False)) == "dimanche 15 août"


def test_times_are_paris_local_time_in_summer_and_winter():
    summer = opening_and_closing(datetime(2027, 5, 3, 7, tzinfo=UTC), datetime(2027, 5, 16, 16, 30, tzinfo=UTC))
    assert [plain(text) for text in summer] == ["lundi 3 mai 2027 à 9 h", "dimanche 16 mai 2027 à 18 h 30"]
    winter = opening_and_closing(datetime(2027, 1, 4, 8, 5, tzinfo=UTC), datetime(2027, 1, 17, 17, tzinfo=UTC))
    assert [plain(text) for text in winter] == ["lundi 4 janvier 2027 à 9 h 05", "dimanche 17 janvier 2027 à 18 h"]


def test_a_utc_evening_can_be_the_next_day_in_paris():
    assert plain(french_day(local_moment(datetime(2027, 5, 16, 22, 30, tzinfo=UTC))[0])) == "lundi 17 mai 2027"


def test_closing_at_midnight_reads_as_midnight_of_the_last_day():
    ends = datetime(2027, 5, 17, 0, 0, tzinfo=timezone(timedelta(hours=2)))  # Paris midnight
    _, closing = opening_and_closing(datetime(2027, 5, 3, 7, tzinfo=UTC), ends)
    assert plain(closing) == "dimanche 16 mai 2027 à minuit"
    assert plain(voting_period(datetime(2027, 5, 3, 7, tzinfo=UTC), ends)).endswith("au dimanche 16 mai 2027")


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        voting_period(datetime(2027, 5, 3, 9), datetime(2027, 5, 16, 18, tzinfo=UTC))
    with pytest.raises(ValueError):
        local_moment(datetime(2027, 5, 16, 18))
