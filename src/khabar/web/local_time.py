"""Times on the pages, in the reader's time zone (``Settings.display_timezone``).

Why: times are stored in UTC, and a page that prints them raw tells a reader in Riyadh
that a story broke at 05:15 when the outlet said 08:15. The JSON API and the CLI keep
UTC ISO 8601 (machine-readable); the pages convert and name the zone.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["check_timezone", "format_local"]


def check_timezone(name: str) -> ZoneInfo:
    """The zone called ``name``; a clear ValueError for a name the system does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Asia/Riyadh or UTC)") from None


def format_local(value, zone: ZoneInfo, minutes: bool = True) -> str:
    """A stored UTC time (ISO text or datetime, naive = UTC) as "YYYY-MM-DD HH:MM zone" in
    ``zone``, or the date alone; "" when there is none."""
    if not value:
        return ""
    try:
        t = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)[:16]  # not a time we wrote: shown as it is rather than failing the page
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    local = t.astimezone(zone)
    if not minutes:
        return local.strftime("%Y-%m-%d")
    return f"{local.strftime('%Y-%m-%d %H:%M')} {local.tzname()}"
