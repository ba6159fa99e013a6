"""The newest matches of a board search, read only as far as the page needs.

A common word fills a page from the newest releases at once, where the bigram index would
hand over every one of its hundred thousand matches to be sorted by date; a rare word is
answered by the index, which then holds only a few. So releases are read newest first in
widening windows, and the index is asked once whether the word is rare. When the time
budget (search_budget.py) runs out in a wide window, the narrower ones' matches are the answer.
"""
import operator
from functools import reduce

from peewee import Select, fn

from feedserver.db import database, is_mysql, is_postgres
from feedserver.models import Release, utcnow
from feedserver.search.budget import budget_ms, within_budget
from feedserver.search.match import fts_newest_ids, match_ids, query_words, recent_fts_ids
from feedserver.search.query import FIELD_COLUMNS, exact_filter

# Windows of newest releases, as multiples of the matches wanted; None reads the whole board.
WINDOWS = (4, 40, 400, 4000, None)
# Ids checked per statement against LIKE conditions. SQLite looks a few hundred ids up by
# rowid, but for ~300 and more of them (at 100,000 releases) it walks the category's time
# index instead: 1,001 ids at once cost 60 ms, five statements of 200 cost 9 ms.
ADMIT_CHUNK = 200


def newest_ids(category_id, field, q, wanted, now=None, period=(None, None)):
    """Return the ids of the `wanted` newest-published visible releases matching q (or all of them),
    published within period [from, until) where given.

    The answer is a Found list: `partial` when the time budget stopped the search in a wider
    window, holding what the narrower ones found.
    """
    return within_budget(_search(category_id, field, q, wanted, now or utcnow(), period), budget_ms())


def _search(category_id, field, q, wanted, now, period):
    """Yield the matches found so far before each costly statement; return the whole answer."""
    query = Release.visible(now)
    if category_id is not None:
        query = query.where(Release.category == category_id)
    since, until = period
    if since is not None:
        query = query.where(Release.published_at >= since)
    if until is not None:
        query = query.where(Release.published_at < until)
    words = query_words(q)
    exact = exact_filter(query, field, q, words)
    index_is_exact = exact is query  # no LIKE check added: the index's match is the answer
    fts = words is not None and not is_postgres() and not is_mysql()
    ids = []
    for step, times in enumerate(WINDOWS):
        if step == 0 and not fts and times is not None:
            continue  # a streamed walk stops at `wanted` matches by itself; SQLite's window is read whole
        if step == 1 and fts and index_is_exact:
            continue  # the rare-word probe and then one walk of the time index follow
        if step == 2 and words is not None:
            # Not common among the newest: ask the index whether the word is rare anywhere.
            every = match_ids(field, words, wanted, newest=False)
            if len(every) < wanted:
                return _admitted(exact, every)
            yield ids
            if fts and index_is_exact:
                # Neither common nor rare: walk the time index newest first, probing the word's
                # matches (held in memory by SQLite), and stop at `wanted`; rows are not read.
                return fts_newest_ids(category_id, now, field, words, wanted, period)
        size = times and times * wanted
        if fts:
            ids = _fts_window(exact, category_id, now, field, words, size, wanted, period, index_is_exact)
        else:
            ids = _walk_window(query, field, q.split(), size, wanted)
        if len(ids) >= wanted or size is None:
            return ids[:wanted]
        yield ids
    return ids[:wanted]


def _admitted(query, ids):
    """Return those of ids the query admits, newest published first."""
    return _newest_first(query.where(Release.id.in_(ids)).select(Release.id, Release.published_at).tuples())


def _newest_first(rows):
    """Return the ids of (id, published_at) rows, newest published first."""
    return [i for i, _ in sorted(rows, key=lambda row: (row[1], row[0]), reverse=True)]


def _fts_window(query, category_id, now, field, words, size, wanted, period, exact):
    """SQLite: ids of the first `wanted` matches the query admits among the newest `size` releases."""
    window = recent_fts_ids(category_id, now, field, words, size, period)
    if exact:
        return window[:wanted]  # the window holds visible releases only: nothing more to check
    # LIKE checks remain (a word with punctuation): keep those the query admits, in window order.
    admitted, step = set(), min(wanted, ADMIT_CHUNK)
    for start in range(0, len(window), step):
        chunk = window[start:start + step]
        admitted.update(row[0] for row in query.where(Release.id.in_(chunk)).select(Release.id).tuples())
        if len(admitted) >= wanted:
            break
    return [i for i in window if i in admitted][:wanted]


def _walk_window(query, field, words, size, wanted):
    """PostgreSQL, MariaDB: ids of up to `wanted` matches among query's newest `size` rows (None: all)."""
    newest = query.order_by(Release.published_at.desc(), Release.id.desc())
    if size is None:
        matches = _matching(newest, FIELD_COLUMNS[field], words).select(Release.id).limit(wanted)
        return [row[0] for row in matches.tuples()]
    recent = newest.select(Release.id, Release.published_at, *FIELD_COLUMNS["all"]).limit(size).alias("w")
    columns = [getattr(recent.c, column.name) for column in FIELD_COLUMNS[field]]
    # Rows stream from the time index; the outer LIMIT stops reading at `wanted` matches.
    matches = _matching(Select([recent], [recent.c.id, recent.c.published_at]), columns, words)
    if is_mysql():  # MariaDB materialises the window: order it again (PostgreSQL streams it in order)
        matches = matches.order_by(recent.c.published_at.desc(), recent.c.id.desc())
    return _newest_first(matches.limit(wanted).tuples().execute(database))


def _matching(query, columns, words):
    """Narrow a query to rows where one of the columns holds each word."""
    for word in words:
        query = query.where(reduce(operator.or_, [_has(column, word) for column in columns]))
    return query


def _has(column, word):
    """Return "column contains word": a plain substring test unless the word has letter case."""
    if word.lower() != word.upper():
        return column.contains(word)  # LIKE/ILIKE: case-insensitive, wildcards escaped
    # Korean has no case: strpos/instr skips LIKE's pattern machinery (3x faster per row).
    return fn.STRPOS(column, word) > 0 if is_postgres() else fn.INSTR(column, word) > 0
