"""Finding releases through the bigram index: the read side of search_index.py."""
import math

from feedserver.db import database, is_mysql, is_postgres
from feedserver.models import VISIBLE_STATUSES, Release
from feedserver.search.index import WEIGHTS, WORD, word_tokens


def query_words(q):
    """Return the letter runs of a query (one letter too: its own token), or None when it has none."""
    words = [w for part in q.lower().split() for w in WORD.findall(part)]
    return words or None


def _index(field, words):
    """Return (index table, its release id column, match condition, its parameter) for this database."""
    p = database.param
    if is_postgres():
        weight = "" if field == "all" else ":" + WEIGHTS[field]
        phrase = " & ".join("(" + " <-> ".join(f"'{t}'{weight}" for t in word_tokens(w)) + ")"
                            for w in words)
        return "release_search", "release_id", f"tsv @@ to_tsquery('simple', {p})", phrase
    if is_mysql():
        columns = "title_g, body_g, author_g" if field == "all" else f"{field}_g"
        phrase = " ".join(f'+"{" ".join(word_tokens(w))}"' for w in words)
        return "release_search", "release_id", f"MATCH({columns}) AGAINST ({p} IN BOOLEAN MODE)", phrase
    scope = "" if field == "all" else f"{field} : "
    phrase = " AND ".join(f'{scope}"{" ".join(word_tokens(w))}"' for w in words)
    return "release_fts", "rowid", f"release_fts MATCH {p}", phrase


def match_ids(field, words, limit, newest=True):
    """Return up to `limit` ids of releases holding every word in field, newest ids first.

    newest=False takes any `limit` matches: GIN and FULLTEXT then stop early instead of
    ordering every match, which is all a "fewer than limit?" probe needs.
    """
    table, column, condition, phrase = _index(field, words)
    order = f"ORDER BY {column} DESC " if newest else ""
    sql = f"SELECT {column} FROM {table} WHERE {condition} {order}LIMIT {database.param}"
    return [row[0] for row in database.execute_sql(sql, [phrase, limit]).fetchall()]


def _time_window(category_id, now, period):
    """Return (conditions, params) choosing visible releases (of a category, within a period) by
    the time index alone, which holds the status too."""
    p = database.param
    conditions = [f"published_at <= {p}", f"status IN ({', '.join([p] * len(VISIBLE_STATUSES))})"]
    params = [Release.published_at.db_value(now), *VISIBLE_STATUSES]
    if category_id is not None:
        conditions.insert(0, f"category_id = {p}")
        params.insert(0, category_id)
    for bound, operator in zip(period, (">=", "<"), strict=True):
        if bound is not None:
            conditions.append(f"published_at {operator} {p}")
            params.append(Release.published_at.db_value(bound))
    return " AND ".join(conditions), params


def fts_newest_ids(category_id, now, field, words, wanted, period=(None, None)):
    """SQLite: the `wanted` newest visible releases FTS5 matches, in one walk of the time index.

    "+id" keeps SQLite from driving the query by the matches' rowids (a row read each, then a
    sort): it walks the covering time index newest first and probes the matches it listed once.
    """
    p = database.param
    where, params = _time_window(category_id, now, period)
    _, _, condition, phrase = _index(field, words)
    sql = (f'SELECT id FROM "release" WHERE {where} AND +id IN (SELECT rowid FROM release_fts '
           f"WHERE {condition}) ORDER BY published_at DESC, id DESC LIMIT {p}")
    return [row[0] for row in database.execute_sql(sql, [*params, phrase, wanted]).fetchall()]


# The id stream reads at most this many times `wanted` of the word's matches before it leaves
# the rest to fts_newest_ids (the word is common elsewhere, rare on this board or in this period).
STREAM_MAX = 8
# Releases published out of id order (backdated, imported) that the stream's check merges in;
# more than this and the stream reads further (in the end fts_newest_ids answers).
OUT_OF_ORDER_MAX = 200


def fts_stream_ids(category_id, now, field, words, wanted, period=(None, None)):
    """SQLite: the `wanted` newest visible matches, read from FTS5 newest id first.

    Ids follow publication almost everywhere, so the word's newest ids hold its newest matches;
    FTS5 streams them in reverse without listing the rest (where fts_newest_ids lists every
    match, 50,000 for a word in one release of twenty). Exact all the same: releases published
    later than the last one kept but with a lower id than the stream reached are looked up in
    the time index and merged. Returns None when fts_newest_ids should answer.
    """
    where, params = _time_window(category_id, now, period)
    _, _, condition, phrase = _index(field, words)
    p = database.param
    found, below, step = {}, None, math.ceil(wanted * 1.05)
    for _ in range(STREAM_MAX * wanted // step + 1):
        bound = f"AND rowid < {p} " if below is not None else ""
        # One statement: the chunk's ids as FTS5 streams them, each with its time if visible.
        rows = database.execute_sql(
            f'SELECT f.rowid, CASE WHEN {where} THEN r.published_at END FROM (SELECT rowid FROM '
            f"release_fts WHERE {condition} {bound}ORDER BY rowid DESC LIMIT {p}) AS f "
            f'JOIN "release" AS r ON r.id = f.rowid',
            [*params, phrase, *([below] if below is not None else []), step]).fetchall()
        found.update((i, at) for i, at in rows if at is not None)
        if len(rows) < step:  # the word has no older matches: every one was seen (and counted)
            return Window(_newest(found)[:wanted], whole=True, total=len(found))
        below = min(i for i, _ in rows)
        if len(found) >= wanted:
            merged = _merge_out_of_order(found, below, wanted, where, params, condition, phrase)
            if merged is not None:
                return merged
            # Too many releases out of id order above the last one kept: read further.
        step *= 2
    return None


def fts_capped_count(category_id, now, field, words, cap, period=(None, None)):
    """SQLite: how many visible releases FTS5 matches, counting at most `cap`, in no order: the
    word's matches as FTS5 lists them, each release row looked up by id for its visibility."""
    where, params = _time_window(category_id, now, period)
    _, _, condition, phrase = _index(field, words)
    p = database.param
    return database.execute_sql(
        f'SELECT count(*) FROM (SELECT 1 FROM release_fts JOIN "release" ON "release".id = release_fts.rowid '
        f"WHERE {condition} AND {where} LIMIT {p})", [phrase, *params, cap]).fetchone()[0]


def _visible(ids, where, params):
    """Return {id: published_at} of those releases the time window admits (rows read by id)."""
    if not ids:
        return {}
    marks = ", ".join([database.param] * len(ids))
    return dict(database.execute_sql(
        f'SELECT id, published_at FROM "release" WHERE id IN ({marks}) AND {where}', [*ids, *params]).fetchall())


def _merge_out_of_order(found, below, wanted, where, params, condition, phrase):
    """Add matches published after the last one kept but with ids below where the stream ended."""
    top = _newest(found)[:wanted]
    p = database.param
    late = [row[0] for row in database.execute_sql(
        f'SELECT id FROM "release" WHERE {where} AND published_at > {p} AND id < {p} LIMIT {p}',
        [*params, found[top[-1]], below, OUT_OF_ORDER_MAX + 1]).fetchall()]
    if not late:
        return top
    if len(late) > OUT_OF_ORDER_MAX:
        return None
    marks = ", ".join([p] * len(late))
    matched = [row[0] for row in database.execute_sql(
        f"SELECT rowid FROM release_fts WHERE {condition} AND rowid IN ({marks})", [phrase, *late]).fetchall()]
    found.update(_visible(matched, where, params))
    return _newest(found)[:wanted]


def newest_first(rows):
    """Return the ids of (id, published_at) rows, newest published first."""
    return [i for i, _ in sorted(rows, key=lambda row: (row[1], row[0]), reverse=True)]


def _newest(found):
    """Return the ids of {id: published_at}, newest published first."""
    return newest_first(found.items())


def recent_fts_ids(category_id, now, field, words, window, period=(None, None)):
    """SQLite: ids among the newest `window` visible releases (None: all) that FTS5 matches, newest first.

    The window comes from the time index alone (within the period [from, until) when given);
    FTS5 then reads only the matches whose ids lie within the window's range, so neither side
    touches a release row.
    """
    p = database.param
    where, params = _time_window(category_id, now, period)
    ids = [row[0] for row in database.execute_sql(
        f'SELECT id FROM "release" WHERE {where} '
        f"ORDER BY published_at DESC, id DESC LIMIT {p}", [*params, window or -1]).fetchall()]
    # A window that held fewer releases than it asked for read the whole board.
    whole = window is None or len(ids) < window
    if not ids:
        return Window([], whole)
    _, _, condition, phrase = _index(field, words)
    found = {row[0] for row in database.execute_sql(
        f"SELECT rowid FROM release_fts WHERE {condition} AND rowid BETWEEN {p} AND {p}",
        [phrase, min(ids), max(ids)]).fetchall()}
    return Window([i for i in ids if i in found], whole)


class Window(list):
    """Matches among a window of the newest releases; `whole` when the window was the whole board.
    `total`: how many matched in all, where known."""

    def __init__(self, ids, whole, total=None):
        super().__init__(ids)
        self.whole, self.total = whole, total
