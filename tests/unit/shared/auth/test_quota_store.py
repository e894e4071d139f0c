"""The UTC day quotas count by: today, the first of the last N days, the seconds to midnight."""

from datetime import UTC, date, datetime, timedelta

from shared.auth.quota_store import first_day, seconds_to_midnight, today


def test_the_last_days_end_today_in_utc() -> None:
    now = datetime.now(UTC).date()
    assert today() == now.isoformat()
    assert first_day(1) == today()
    assert date.fromisoformat(first_day(7)) == now - timedelta(days=6)


def test_a_leases_time_to_live_ends_just_past_utc_midnight() -> None:
    seconds = seconds_to_midnight()
    now = datetime.now(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    assert 1 <= seconds <= 86_401
    assert now + timedelta(seconds=seconds) >= midnight
