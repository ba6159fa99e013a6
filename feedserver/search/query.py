"""Board list arguments (?page=&field=&q=&start=&end=) and the search every list and feed shares."""
import operator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import reduce

from peewee import fn
from werkzeug.exceptions import BadRequest

from feedserver.dates import KST
from feedserver.db import is_postgres
from feedserver.models import Release
from feedserver.search.index import WORD
from feedserver.search.match import match_ids, query_words

FIELDS = {"title": "제목", "body": "내용", "author": "작성자", "all": "전체"}
# Searches list at most the newest this many matches, as large portals do: a word
# found in half a million releases is not read page by page.
SEARCH_CAP = 1000
FIELD_COLUMNS = {
    "title": [Release.title],
    "body": [Release.body_text],
    "author": [Release.author],
    "all": [Release.title, Release.body_text, Release.author],
}


@dataclass(frozen=True)
class ListArgs:
    page: int = 1
    field: str = "all"
    q: str = ""
    start: date | None = None  # 기간: first and last day (Asia/Seoul), both included
    end: date | None = None

    @property
    def filtered(self):
        """Tell whether the list is narrowed (a search word or a period)."""
        return bool(self.q or self.start or self.end)

    def query_args(self, **changes):
        """Return the canonical query-string dict, omitting defaults."""
        args = {"page": changes.get("page", self.page), "field": self.field, "q": self.q,
                "start": self.start and self.start.isoformat(), "end": self.end and self.end.isoformat()}
        if not args["q"]:
            args.pop("field")
        return {key: value for key, value in args.items() if value and (key != "page" or value != 1)}

    def period(self):
        """Return the period as aware UTC instants [from, until), None where open."""
        return day_start(self.start), day_start(self.end and self.end + timedelta(days=1))


def day_start(day):
    """Return the first instant of a day in Asia/Seoul as aware UTC (None stays None)."""
    if day is None:
        return None
    return datetime.combine(day, time(), tzinfo=KST).astimezone(timezone.utc)


def parse_page(raw):
    """Return a positive page number or raise BadRequest."""
    if raw is None or raw == "":
        return 1
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        raise BadRequest("페이지 번호가 올바르지 않습니다.")
    return int(raw)


def forgiving_page(raw):
    """Return the page a reader meant: anything but a positive number is page 1."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= 9 and int(raw) >= 1:
        return int(raw)
    return 1


def plain_args(args):
    """Return query args as a plain dict of first values: werkzeug's MultiDict.get raises and
    catches an exception for every absent key, which a list page asks for five times."""
    return args.to_dict() if hasattr(args, "to_dict") else args


def parse_period(args):
    """Return (start, end) days from ?start=&end= (YYYY-MM-DD), in order; BadRequest on bad input."""
    days = []
    for name in ("start", "end"):
        raw = (args.get(name) or "").strip()
        try:
            days.append(date.fromisoformat(raw) if raw else None)
        except ValueError:
            raise BadRequest("기간은 2024-05-07처럼 연-월-일로 입력해 주세요.") from None
        if days[-1] is not None and not 1900 < days[-1].year < 9000:
            raise BadRequest("기간의 연도가 올바르지 않습니다.")
    start, end = days
    if start and end and start > end:
        start, end = end, start  # a reader who typed the days the other way round meant this
    return start, end


def parse_query(args, max_length, required=False):
    """Return (field, q) from request args, raising BadRequest on bad input."""
    field = args.get("field") or "all"
    if field not in FIELDS:
        raise BadRequest("검색 항목이 올바르지 않습니다.")
    q = " ".join((args.get("q") or "").split())
    if len(q) > max_length:
        raise BadRequest(f"검색어는 {max_length}자 이하로 입력해 주세요.")
    if any(ord(ch) < 32 for ch in q):
        raise BadRequest("검색어에 쓸 수 없는 문자가 있습니다.")
    if required and not q:
        raise BadRequest("검색어를 입력해 주세요.")
    return field, q


def parse_list_args(args, max_length, forgiving=False):
    """Parse ?page=&field=&q=&start=&end= for a board list (forgiving: any bad page is page 1)."""
    args = plain_args(args)
    field, q = parse_query(args, max_length)
    start, end = parse_period(args)
    page = forgiving_page(args.get("page")) if forgiving else parse_page(args.get("page"))
    return ListArgs(page=page, field=field, q=q, start=start, end=end)


def apply_search(query, field, q):
    """Narrow a Release query to rows whose field contains every word of q.

    The bigram index picks the newest SEARCH_CAP candidates without scanning the
    table; LIKE then checks them exactly (and alone serves one-letter words).
    """
    words = query_words(q)
    if words is not None:
        query = query.where(Release.id.in_(match_ids(field, words, SEARCH_CAP)))
    return exact_filter(query, field, q, words)


def index_exact(q):
    """Tell whether the index's match of q is exact: every word of q is one run of letters."""
    return all(WORD.fullmatch(part) for part in q.split())


def exact_filter(query, field, q, words):
    """Add LIKE checks unless the index match is already exact (every word one letter run)."""
    if words is not None and index_exact(q):
        return query
    return _contains(query, field, q.split())


def contains(column, word):
    """Return "column contains word": LIKE (escaped, case-insensitive) for words with letter case,
    else a plain substring test, which skips LIKE's pattern machinery (3x faster per row)."""
    if word.lower() != word.upper():
        return column.contains(word)
    return substring(column, word)


def substring(column, word):
    """Return "column holds word" as a plain, case-sensitive substring test (word: a value or a Slot)."""
    return (fn.STRPOS if is_postgres() else fn.INSTR)(column, word) > 0


def holds(columns, word):
    """Return "one of the columns holds word"."""
    return reduce(operator.or_, [contains(column, word) for column in columns])


def holding(query, columns, words):
    """Narrow a query to rows where one of the columns holds each word."""
    for word in words:
        query = query.where(holds(columns, word))
    return query


def _contains(query, field, words):
    """Narrow a query to rows whose field contains every word (LIKE)."""
    columns = FIELD_COLUMNS[field]
    for word in words:
        # contains() escapes LIKE wildcards and is case-insensitive everywhere.
        condition = columns[0].contains(word)
        for column in columns[1:]:
            condition |= column.contains(word)
        query = query.where(condition)
    return query
