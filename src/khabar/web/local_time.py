"""Times on the pages, in the reader's time zone (``Settings.display_timezone``).

Why: times are stored in UTC, and a page that prints them raw tells a reader in Riyadh
that a story broke at 05:15 when the outlet said 08:15. The JSON API and the CLI keep
UTC ISO 8601 (machine-readable); the pages convert and name the zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from markupsafe import Markup

from ..models import naive_utc

__all__ = ["as_utc", "check_timezone", "day_bounds", "format_local", "time_element"]


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
    t = as_utc(value)
    if t is None:
        return str(value)[:16]  # not a time we wrote: shown as it is rather than failing the page
    local = t.astimezone(zone)
    if not minutes:
        return local.strftime("%Y-%m-%d")
    return f"{local.strftime('%Y-%m-%d %H:%M')} {local.tzname()}"


def as_utc(value) -> datetime | None:
    """A stored time (ISO text or datetime; naive means UTC) as an aware UTC datetime, or None."""
    try:
        t = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


def time_element(value, zone: ZoneInfo, minutes: bool = True) -> Markup:
    """``format_local`` as an HTML ``<time>`` isolated left-to-right, with the stored time as
    its machine-readable ``datetime``.

    Why: in a right-to-left paragraph the bidi algorithm reorders "2015-08-11 17:19 +03" into
    "+03 17:19 2015-08-11" read from the right, and the zone's sign lands on the wrong side
    ("03+"). ``dir="ltr"`` isolates the time so it reads as written."""
    text = format_local(value, zone, minutes)
    if not text:
        return Markup("")
    t = as_utc(value)
    if t is None:  # not a time we wrote: no machine-readable form to give
        return Markup('<span dir="ltr">{}</span>').format(text)
    return Markup('<time datetime="{}" dir="ltr">{}</time>').format(t.isoformat(), text)


def day_bounds(since: str, until: str, zone: ZoneInfo) -> tuple[datetime | None, datetime | None, list[str]]:
    """A page form's "from" and "to" days as bounds in naive UTC (as times are compared): from
    the start of ``since`` to the end of ``until`` (both days included), the days being the
    reader's, in ``zone``, as the page dates its articles; and the values that are no date
    (the page says it ignored them).

    Why: read as UTC instants, "to 1 August" ended at the start of 1 August, so a search of
    one day (from 1 August to 1 August) found nothing, and in Riyadh a day began at 03:00.
    A full ISO time (a hand-made link) is taken as it is: naive in ``zone``, ``until`` exclusive.
    """
    ignored: list[str] = []

    def bound(value: str, day_end: bool) -> datetime | None:
        value = value.strip()
        if not value:
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            try:
                t = datetime.fromisoformat(value)
            except ValueError:
                ignored.append(value)
                return None
            return naive_utc(t if t.tzinfo else t.replace(tzinfo=zone))
        if day_end:
            if day == date.max:
                return None  # the end of time: no bound
            day += timedelta(days=1)
        return naive_utc(datetime.combine(day, time(), tzinfo=zone))

    return bound(since, False), bound(until, True), ignored
