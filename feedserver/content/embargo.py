"""보도시점 (release timing) text such as "2024. 5. 7.(화) 조간": the instant it allows.

The rule, in order:
- "즉시" (즉시 보도) or no date: no embargo (None).
- An "온라인"/"인터넷" part with a date or a time ("(온라인 5. 6.(월) 12:00)") is what a web
  board must wait for, so it wins.
- Otherwise the first date, at the first time given ("14:00", "오후 2시"), else at the edition's
  hour: 조간 (morning papers) 06:00, 석간 (evening papers) 12:00, neither 00:00 (the whole day).
A date without a year takes the year of the text's first full date, else `year`.
Times are Asia/Seoul; the result is aware UTC.
"""
import re
from datetime import UTC, datetime

from feedserver.dates import KST

EDITION_HOURS = {"조간": 6, "석간": 12}
_DATE = re.compile(r"(?:(\d{4})\s*[.년-]\s*)?(\d{1,2})\s*[.월/-]\s*(\d{1,2})\s*[.일]?")
_TIME = re.compile(r"(오전|오후)?\s*(\d{1,2})\s*(?::\s*(\d{2})|시(?:\s*(\d{1,2})\s*분)?)")
_ONLINE = re.compile(r"(온라인|인터넷|방송|통신)")


def embargo_instant(text, year=None):
    """Return the earliest instant (aware UTC) the 보도시점 text allows publishing, or None."""
    if not text or "즉시" in text:
        return None
    online = _ONLINE.search(text)
    if online:
        found = _instant(text[online.end():], _first_year(text) or year, text)
        if found is not None:
            return found
    return _instant(text, _first_year(text) or year, text)


def _first_year(text):
    for match in _DATE.finditer(text):
        if match.group(1):
            return int(match.group(1))
    return None


def _instant(part, year, whole):
    """Return the instant of the first date in part (with its time or the edition's hour)."""
    date = _DATE.search(part)
    if date is None or year is None or not 1970 <= year <= 9000:  # the years databases store
        return None
    rest = part[date.end():]
    hour, minute = _time(rest)
    if hour is None:
        hour = next((h for word, h in EDITION_HOURS.items() if word in whole), 0)
    try:
        local = datetime(year, int(date.group(2)), int(date.group(3)), hour, minute, tzinfo=KST)
    except ValueError:
        return None
    return local.astimezone(UTC)


def _time(text):
    """Return (hour, minute) of the first time in text, or (None, 0)."""
    match = _TIME.search(text)
    if match is None:
        return None, 0
    half, hour = match.group(1), int(match.group(2))
    minute = int(match.group(3) or match.group(4) or 0)
    if half == "오후" and hour < 12:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None, 0
    return hour, minute
