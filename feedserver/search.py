"""Board list arguments (?page=&field=&q=) and the search every list and feed shares."""
import operator
from dataclasses import dataclass
from functools import reduce

from peewee import Select, fn
from werkzeug.exceptions import BadRequest

from .db import database, is_mysql, is_postgres
from .models import Release, utcnow
from .search_index import WORD
from .search_match import match_ids, newest_matches, query_words, recent_fts_ids

FIELDS = {"title": "제목", "body": "내용", "author": "작성자", "all": "전체"}
# Searches list at most the newest this many matches, as large portals do: a word
# found in half a million releases is not read page by page.
SEARCH_CAP = 1000
# How many of the newest releases a search reads directly before it asks the index.
WINDOW = 4000
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

    def query_args(self, **changes):
        """Return the canonical query-string dict, omitting defaults."""
        args = {"page": changes.get("page", self.page), "field": self.field, "q": self.q}
        if not args["q"]:
            args.pop("field")
            args.pop("q")
        if args["page"] == 1:
            args.pop("page")
        return args


def parse_page(raw):
    """Return a positive page number or raise BadRequest."""
    if raw is None or raw == "":
        return 1
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        raise BadRequest("페이지 번호가 올바르지 않습니다.")
    return int(raw)


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


def parse_list_args(args, max_length):
    """Parse ?page=&field=&q= for a board list."""
    field, q = parse_query(args, max_length)
    return ListArgs(page=parse_page(args.get("page")), field=field, q=q)


def apply_search(query, field, q):
    """Narrow a Release query to rows whose field contains every word of q.

    The bigram index picks the newest SEARCH_CAP candidates without scanning the
    table; LIKE then checks them exactly (and alone serves one-letter words).
    """
    words = query_words(q)
    if words is not None:
        query = query.where(Release.id.in_(match_ids(field, words, SEARCH_CAP)))
    return _exact(query, field, q, words)


def newest_ids(category_id, field, q, wanted, now=None):
    """Return the ids of the `wanted` newest-published visible releases matching q.

    The newest WINDOW releases are searched first, in publication order: a common word
    fills the page from them at once, where the index would hand over every one of
    its hundred thousand matches to be sorted. A rarer word goes to the index.
    """
    now = now or utcnow()
    query = Release.visible(now)
    if category_id is not None:
        query = query.where(Release.category == category_id)
    words = query_words(q)
    exact = _exact(query, field, q, words)
    if words is not None and not is_postgres() and not is_mysql():
        ids = _recent_fts(exact, category_id, now, field, words, wanted)
    else:
        ids = [i for i, _ in _newest_first(recent_matches(query, field, q.split(), wanted))]
    if len(ids) < wanted:
        older = newest_matches(exact, field, words, wanted) if words is not None else exact.limit(wanted)
        ids = [i for i, _ in _newest_first(older.select(Release.id, Release.published_at).tuples())]
    return ids[:wanted]


def _newest_first(rows):
    return sorted(rows, key=lambda row: (row[1], row[0]), reverse=True)


def _recent_fts(query, category_id, now, field, words, wanted):
    """SQLite: ids of the newest `wanted` matches among the newest releases, or fewer."""
    for size in (4 * wanted, WINDOW):  # a common word is done after the small window
        window = recent_fts_ids(category_id, now, field, words, min(size, WINDOW))
        if len(window) >= wanted:
            break
    else:
        return []
    # The window holds releases of any status: keep those the query admits, in window order.
    admitted = set()
    for start in range(0, len(window), wanted):
        chunk = window[start:start + wanted]
        admitted.update(query.where(Release.id.in_(chunk)).select(Release.id).tuples().execute(database))
        if len(admitted) >= wanted:
            break
    admitted = {row[0] for row in admitted}
    return [i for i in window if i in admitted]


def recent_matches(query, field, words, wanted):
    """Return [(id, published_at)] of up to `wanted` matches among query's newest WINDOW rows."""
    recent = (query.order_by(Release.published_at.desc(), Release.id.desc())
              .select(Release.id, Release.published_at, *FIELD_COLUMNS["all"]).limit(WINDOW).alias("w"))
    columns = [getattr(recent.c, column.name) for column in FIELD_COLUMNS[field]]
    # Rows stream from the time index; the outer LIMIT stops reading at `wanted` matches.
    matches = Select([recent], [recent.c.id, recent.c.published_at]).limit(wanted)
    for word in words:
        matches = matches.where(reduce(operator.or_, [_has(column, word) for column in columns]))
    return list(matches.tuples().execute(database))


def _has(column, word):
    """Return "column contains word": a plain substring test unless the word has letter case."""
    if word.lower() != word.upper():
        return column.contains(word)  # LIKE/ILIKE: case-insensitive, wildcards escaped
    # Korean has no case: strpos/instr skips LIKE's pattern machinery (3x faster per row).
    return fn.STRPOS(column, word) > 0 if is_postgres() else fn.INSTR(column, word) > 0


def _exact(query, field, q, words):
    """Add LIKE checks unless the index match is already exact (every word one letter run)."""
    if words is not None and all(WORD.fullmatch(part) for part in q.split()):
        return query
    return _contains(query, field, q.split())


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
