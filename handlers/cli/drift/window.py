"""The time window a report covers, and the capture partitions (date, hour) it touches."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.drift.errors import DriftInputError

_DURATION = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime

    def __contains__(self, moment: datetime) -> bool:
        return self.since <= moment < self.until

    def hours(self) -> Iterator[tuple[str, str]]:
        """Every (date, hour) partition that overlaps the window, oldest first."""
        hour = self.since.replace(minute=0, second=0, microsecond=0)
        while hour < self.until:
            yield hour.strftime("%Y-%m-%d"), hour.strftime("%H")
            hour += timedelta(hours=1)

    def describe(self) -> dict[str, str]:
        return {"since": _iso(self.since), "until": _iso(self.until)}


def window(since: str, until: str | None = None) -> Window:
    """`since` is a duration back from `until` (30m, 12h, 1d, 2w); `until` an ISO time
    (default: now). Both in UTC."""
    end = parse_time(until) if until else datetime.now(UTC)
    found = _DURATION.match(since.strip())
    if not found or int(found.group(1)) == 0:
        raise DriftInputError(f"--since {since!r}: give a duration such as 30m, 12h, 1d or 2w")
    span = timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
    if span > timedelta(days=366):
        raise DriftInputError(f"--since {since!r}: a report covers at most a year")
    return Window(since=end - span, until=end)


def parse_time(value: str) -> datetime:
    """An ISO 8601 time; one without a zone is UTC."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise DriftInputError(f"{value!r} is not an ISO 8601 time") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
