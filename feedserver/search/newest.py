"""The newest matches of a board search, read only as far as the page needs.

A common word fills a page from the newest releases at once, where the bigram index would
hand over every one of its hundred thousand matches to be sorted by date; a rare word is
answered by the index, which then holds only a few. So a sample of the newest releases is read
first: the word's share in it sizes the next window (a word found in every third release needs
three times `wanted` releases), and unless the share shows the word is common, the index is
asked whether it is rare anywhere. On PostgreSQL and MariaDB a window goes on from the rows the
last one read. When the time budget (search_budget.py) runs out in a wide window, the narrower
ones' matches are the answer.
"""
import math
from functools import cache

from feedserver.db import is_mysql, is_postgres
from feedserver.models import Release, utcnow
from feedserver.search.budget import Found, budget_ms, within_budget
from feedserver.search.count import capped_count, capped_matches
from feedserver.search.match import (
    Window,
    fts_newest_ids,
    fts_stream_ids,
    match_ids,
    newest_first,
    query_words,
    recent_fts_ids,
)
from feedserver.search.query import exact_filter, index_exact
from feedserver.search.walk import walk_window

# Windows of newest releases, as multiples of the matches wanted; None reads the whole board.
# The first is a sample: a word's share in it calls for a window of its own size when that is
# narrower than the next. Unless the share says the word is common, the index is asked first
# whether it is rare anywhere (then the index alone answers).
WINDOWS = (0.1, 1, 10, 100, 1000, None)
# The fewest releases a window reads: a page of ten would otherwise start with a sample of one.
SAMPLE_MIN = 50
# A word whose share calls for a window wider than this many times `wanted` may be rare.
PROBE_BEYOND = 10
# Margin on the window a word's share calls for, so one window is usually enough.
SLACK = 1.3
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


def newest_counted(category_id, field, q, wanted, cap, now=None, period=(None, None)):
    """Return the ids of the `wanted` newest matches (as newest_ids), with .total: how many
    releases match, counted up to `cap` (None where the ids are every match up to it)."""
    now = now or utcnow()
    if not _counts_apart(q, period) or wanted >= cap:
        return newest_ids(category_id, field, q, cap, now, period)
    return within_budget(_counted(category_id, field, q, wanted, cap, now, period), budget_ms())


def _counts_apart(q, period):
    """Tell whether the count can come from the index apart from the page's matches: on
    PostgreSQL, and on SQLite for words FTS5 matches exactly with no period (the count reads
    the word's matches in id order, however far a period lies back)."""
    if query_words(q) is None or is_mysql():
        return False
    return is_postgres() or (index_exact(q) and period == (None, None))


def _counted(category_id, field, q, wanted, cap, now, period):
    """Find the newest `wanted` matches and count them all up to the cap."""
    if is_postgres():
        return (yield from _counted_postgres(category_id, field, q, wanted, cap, now, period))
    ids = yield from _search(category_id, field, q, wanted, now, period)
    found = Found(ids)
    found.total = getattr(ids, "total", None)  # an id stream that ran out counted every match
    if len(ids) == wanted and found.total is None:  # fewer would be every match
        yield found
        # max(): a release written between the two statements must not count below the list.
        found.total = max(len(ids), capped_count(category_id, field, q, query_words(q), cap, now, period))
    found.total = found.total and min(found.total, cap)
    return found


def _counted_postgres(category_id, field, q, wanted, cap, now, period):
    """PostgreSQL: walk toward the cap; a word not common among the newest asks GIN for its
    matches up to the cap instead: fewer are the whole answer, as many settle the count, and
    the walk goes on for the page's matches alone."""
    every = []

    def rare_anywhere():
        every.extend(capped_matches(category_id, field, q, query_words(q), cap, now, period))
        return newest_first(every)[:wanted] if len(every) < cap else wanted

    ids = yield from _search(category_id, field, q, cap, now, period, rare_anywhere)
    found = Found(ids[:wanted])
    # max(): a release written between two statements must not count below the list.
    found.total = min(cap, max(len(ids), len(every)))
    return found


def _search(category_id, field, q, wanted, now, period, rare_anywhere=None):
    """Yield the matches found so far before each costly statement; return the whole answer.

    rare_anywhere(): asked instead of the index probe when the word is not common among the
    newest releases; returns the answer if the word is rare, else how many matches the walk
    still has to find.
    """
    words = query_words(q)
    # No LIKE check needed when every word is a run of letters: the index's match is the answer.
    index_is_exact = words is not None and index_exact(q)
    fts = words is not None and not is_postgres() and not is_mysql()

    @cache
    def visible():  # built only where a statement needs it: SQLite's exact windows do not
        return Release.visible_in(category_id, period, now)

    @cache
    def exact():
        return exact_filter(visible(), field, q, words)

    if fts:
        def window(size, ids, read):
            return _fts_window(exact, category_id, now, field, words, size, wanted, period, index_is_exact)
    else:
        def window(size, ids, read):  # a walk goes on from the rows it has read
            return ids + walk_window((category_id, period, now), field, q.split(), size, wanted - len(ids),
                                     skip=read)
    sizes = [times and max(math.ceil(times * wanted), SAMPLE_MIN) for times in WINDOWS]
    ids, size, read, probed = [], sizes[0], 0, words is None
    while True:
        ids, read = window(size, ids, read), size
        if len(ids) >= wanted or size is None or getattr(ids, "whole", False):
            return ids[:wanted]
        yield ids
        wider = _wider(size, len(ids), wanted)
        if not probed and (wider is None or wider > PROBE_BEYOND * wanted):
            probed = True
            if fts and index_is_exact:
                # Not common among the newest: stream the word's matches newest id first (a
                # rare word's stream runs out at once); where that does not settle it, or a
                # period ends before the newest ids, walk the time index probing every match.
                found = None if period[1] else fts_stream_ids(category_id, now, field, words, wanted, period)
                if found is not None:
                    return found
                yield ids
                return fts_newest_ids(category_id, now, field, words, wanted, period)
            # Not common among the newest: ask the index whether the word is rare anywhere.
            if rare_anywhere is not None:
                answer = rare_anywhere()
                if not isinstance(answer, int):
                    return answer
                wanted = answer
                sizes = [times and max(math.ceil(times * wanted), SAMPLE_MIN) for times in WINDOWS]
                if len(ids) >= wanted:
                    return ids[:wanted]
                yield ids
                size = _next_size(sizes, size, _wider(size, len(ids), wanted))
                continue
            every = match_ids(field, words, wanted, newest=False)
            if len(every) < wanted:
                return _admitted(exact(), every)
            yield ids
        size = _next_size(sizes, size, wider)


def _next_size(sizes, size, wider):
    """Return the next window: the next of `sizes`, or wider if the word's share calls for more
    (None: the whole board, also when the share calls for more than the widest window)."""
    fixed = next((s for s in sizes if s is None or s > size), None)
    if fixed is None or wider is None or wider <= fixed:
        return fixed
    widest = max(s for s in sizes if s is not None)
    return wider if wider <= widest else None


def _wider(size, found, wanted):
    """Return the window that holds `wanted` matches if they are as frequent as `found` in `size`
    newest releases (None when none were found: their share is unknown)."""
    return math.ceil(size * wanted / found * SLACK) if found else None


def _admitted(query, ids):
    """Return those of ids the query admits, newest published first."""
    return newest_first(query.where(Release.id.in_(ids)).select(Release.id, Release.published_at).tuples())


def _fts_window(admitting, category_id, now, field, words, size, wanted, period, exact):
    """SQLite: ids of the first `wanted` matches admitting() admits among the newest `size` releases."""
    window = recent_fts_ids(category_id, now, field, words, size, period)
    if exact:
        return Window(window[:wanted], window.whole)  # visible releases only: nothing more to check
    # LIKE checks remain (a word with punctuation): keep those the query admits, in window order.
    admitted, step = set(), min(wanted, ADMIT_CHUNK)
    for start in range(0, len(window), step):
        chunk = window[start:start + step]
        admitted.update(row[0] for row in admitting().where(Release.id.in_(chunk)).select(Release.id).tuples())
        if len(admitted) >= wanted:
            break
    return Window([i for i in window if i in admitted][:wanted], window.whole)
