"""Finding releases through the bigram index: the read side of search_index.py."""
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
    """Matches among a window of the newest releases; `whole` when the window was the whole board."""

    def __init__(self, ids, whole):
        super().__init__(ids)
        self.whole = whole
