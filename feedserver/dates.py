"""Every instant shown to people: UTC in, Asia/Seoul out, explicit Babel patterns."""
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime

KST = ZoneInfo("Asia/Seoul")
# Parsed once: Babel parses a locale name again on every call otherwise.
LOCALE = Locale.parse("ko_KR")

# Named formats change with CLDR releases; these patterns do not.
LIST_DATE = "yyyy.MM.dd"
DETAIL_DATETIME = "yyyy-MM-dd HH:mm"
LONG_DATETIME = "yyyy년 M월 d일 (E) HH:mm"
INPUT_DATETIME = "%Y-%m-%dT%H:%M"
DAY_HEADING = "yyyy년 M월 d일 EEEE"
CLOCK = "a h:mm"


def to_kst(instant):
    """Convert an aware instant to Asia/Seoul."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime refused")
    return instant.astimezone(KST)


def list_date(instant):
    """Format as on the board list: 2024.09.26 (a naive value is read as UTC, as Babel reads it)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return _list_day(instant.astimezone(KST).date())


@lru_cache(maxsize=4096)
def _list_day(day):
    """A list shows dates only: each day is formatted once (a page shows ten, a board a few thousand)."""
    return format_datetime(datetime.combine(day, datetime.min.time(), KST), LIST_DATE, tzinfo=KST,
                           locale=LOCALE)


def detail_datetime(instant):
    """Format as on a release page: 2024-05-07 08:46."""
    return format_datetime(instant, DETAIL_DATETIME, tzinfo=KST, locale=LOCALE)


def long_datetime(instant):
    """Format in words, as a feed's page in a browser shows it: 2025년 3월 26일 (수) 14:08."""
    return format_datetime(instant, LONG_DATETIME, tzinfo=KST, locale=LOCALE)


def day_heading(instant):
    """Format a day as the schedule heads it: 2024년 5월 7일 화요일."""
    return format_datetime(instant, DAY_HEADING, tzinfo=KST, locale=LOCALE)


def clock(instant):
    """Format the time of day in Korean: 오전 9:00."""
    return format_datetime(instant, CLOCK, tzinfo=KST, locale=LOCALE)


def iso_kst(instant):
    """Return RFC 3339 with the +09:00 offset, for <time datetime>."""
    return to_kst(instant).isoformat(timespec="seconds")



def parse_kst_input(text):
    """Parse a datetime-local value typed in Asia/Seoul into aware UTC."""
    local = datetime.strptime(text.strip(), INPUT_DATETIME)
    return local.replace(tzinfo=KST).astimezone(timezone.utc)
