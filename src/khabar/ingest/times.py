"""Times as sources write them, read as naive UTC (how Khabar stores and compares them).

Dumps, feeds and sitemaps write ISO 8601, RFC 2822, Unix seconds or milliseconds, and the
numeric dates of Arabic sites ("21/07/2015"); a time without a zone is read in the zone its
source names (``khabar import --naive-tz``).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from ..models import naive_utc

__all__ = ["parse_time", "zone_named", "EPOCH_RANGE"]

# Numeric dates as Arabic sites write them: year first with slashes, or day first ("21/07/2015").
_YEAR_FIRST = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
EPOCH_RANGE = (datetime(1990, 1, 1, tzinfo=timezone.utc).timestamp(), datetime(2100, 1, 1, tzinfo=timezone.utc).timestamp())


def parse_time(value, naive_zone: tzinfo | None = None) -> datetime | None:
    """ISO 8601, 'YYYY-MM-DD hh:mm:ss', RFC 2822 or a Unix time (seconds, or milliseconds as
    JavaScript writes them) as naive UTC; a time without a zone is read in ``naive_zone``
    (default UTC); None if absent or unparsable."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > EPOCH_RANGE[1] else value  # milliseconds since the epoch
        if not EPOCH_RANGE[0] <= seconds < EPOCH_RANGE[1]:
            return None  # 0, a year, a stray count: not a time
        return datetime.fromtimestamp(seconds, timezone.utc).replace(tzinfo=None)
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            t = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            t = _numeric_date(value)
            if t is None:
                return None
    if t.tzinfo is None and naive_zone is not None:
        t = t.replace(tzinfo=naive_zone)
    return naive_utc(t)


def _numeric_date(value: str) -> datetime | None:
    """"2015/07/21 10:00" or "21/07/2015" (also with "-" or "."), naive; None for anything else."""
    if m := _YEAR_FIRST.fullmatch(value):
        year, month, day, *clock = m.groups()
    elif m := _DAY_FIRST.fullmatch(value):
        day, month, year, *clock = m.groups()
    else:
        return None
    try:
        return datetime(int(year), int(month), int(day), *(int(c or 0) for c in clock))
    except ValueError:
        return None


@lru_cache(maxsize=8)
def zone_named(name: str) -> tzinfo | None:
    """The zone called ``name``; None for UTC (a naive time is UTC already)."""
    return None if name.upper() == "UTC" else ZoneInfo(name)
