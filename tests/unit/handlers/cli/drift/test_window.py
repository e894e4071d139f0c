from datetime import UTC, datetime

import pytest

from handlers.cli.drift.window import window
from shared.drift.errors import DriftInputError


def test_a_day_back_from_a_given_end_touches_24_hourly_partitions() -> None:
    span = window("1d", "2026-11-30T00:00:00Z")
    assert span.since == datetime(2026, 11, 29, tzinfo=UTC)
    hours = list(span.hours())
    assert hours[0] == ("2026-11-29", "00") and hours[-1] == ("2026-11-29", "23")
    assert len(hours) == 24


def test_a_window_that_starts_mid_hour_includes_that_hour() -> None:
    span = window("90m", "2026-11-30T12:00:00+00:00")
    assert list(span.hours()) == [("2026-11-30", "10"), ("2026-11-30", "11")]
    assert datetime(2026, 11, 30, 10, 29, tzinfo=UTC) not in span
    assert datetime(2026, 11, 30, 10, 30, tzinfo=UTC) in span
    assert datetime(2026, 11, 30, 12, 0, tzinfo=UTC) not in span  # the end is open


@pytest.mark.parametrize("since", ["yesterday", "0d", "1y", "-1d", "400d"])
def test_what_is_not_a_usable_duration_is_refused(since: str) -> None:
    with pytest.raises(DriftInputError):
        window(since, "2026-11-30T00:00:00Z")


def test_an_end_that_is_not_a_time_is_refused() -> None:
    with pytest.raises(DriftInputError, match="not an ISO 8601 time"):
        window("1d", "last friday")
