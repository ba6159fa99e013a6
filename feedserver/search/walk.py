"""PostgreSQL, MariaDB: a search's walk down the board's time index, checking each row's text.

A walk runs a window statement, and after the first one a statement for the last key it read,
several times per search. Building their SQL with peewee cost about 1.5 ms per pair at a
million releases, a tenth of a search, so each shape is compiled once (models.compiled) with its
values as Slots. A word with letter case is a LIKE pattern written into the statement, so a
shape holding one is built for its search alone (cached, every such word would stay in memory).
"""
import operator
from functools import reduce

from peewee import Select, Tuple

from feedserver.db import is_mysql
from feedserver.models import Release
from feedserver.models.compiled import Compiled, Slot
from feedserver.models.releases import VISIBLE_STATUSES
from feedserver.search.match import newest_first
from feedserver.search.query import FIELD_COLUMNS, contains, substring

_SHAPES = {}


def walk_window(where, field, words, size, wanted, skip=0, cache=True):
    """Return ids of up to `wanted` matches among the newest visible rows from `skip` to `size`
    (None: to the end), newest first.

    where: (category_id, period, now), the visible releases; cache=False builds every statement
    anew, as peewee does (the reference the compiled shapes are measured and tested against).
    """
    category_id, (since, until), now = where
    values = {"now": now, "category": category_id, "since": since, "until": until,
              **{f"w{i}": word for i, word in enumerate(words)}}
    bounds = (category_id is not None, since is not None, until is not None)
    if skip:
        key = _shape(("key", bounds), lambda: _key_shape(bounds), cache).all(**values, skip=skip - 1)
        if not key:
            return []
        values.update(key_at=key[0][0], key_id=key[0][1])
    cased = tuple(word if word.lower() != word.upper() else None for word in words)
    shape = (bounds, field, cased, bool(skip), size is None, is_mysql())
    window = _shape(shape, lambda: _window_shape(*shape), cache and not any(cased))
    rows = window.execute(**values, wanted=wanted, size=None if size is None else size - skip).fetchall()
    return [row[0] for row in rows] if size is None else newest_first(rows)


def _shape(key, build, cache):
    if not cache:
        return Compiled(build)
    found = _SHAPES.get(key)
    if found is None:
        found = _SHAPES[key] = Compiled(build)
    return found


def _at(name):
    return Slot(name, Release.published_at.db_value)


def _newest(bounds):
    """The visible releases within the bounds the shape has, newest first."""
    has_category, has_since, has_until = bounds
    query = Release.select().where(Release.status.in_(VISIBLE_STATUSES), Release.published_at <= _at("now"))
    if has_category:
        query = query.where(Release.category == Slot("category"))
    if has_since:
        query = query.where(Release.published_at >= _at("since"))
    if has_until:
        query = query.where(Release.published_at < _at("until"))
    return query.order_by(Release.published_at.desc(), Release.id.desc())


def _key_shape(bounds):
    """The (published_at, id) of the row at OFFSET `skip`, from the time index alone."""
    return _newest(bounds).select(Release.published_at, Release.id).offset(Slot("skip")).limit(1).tuples()


def _holding(query, columns, cased):
    """Narrow a query to rows where one of the columns holds each word: a plain substring test of
    the word's slot, or LIKE (escaped, case-insensitive) for a word with letter case."""
    for i, word in enumerate(cased):
        tests = [contains(column, word) if word else substring(column, Slot(f"w{i}")) for column in columns]
        query = query.where(reduce(operator.or_, tests))
    return query


def _window_shape(bounds, field, cased, after, whole, mysql):
    newest = _newest(bounds)
    if after:
        # Go on after the rows already read (a row comparison walks the time index).
        newest = newest.where(Tuple(Release.published_at, Release.id) < Tuple(_at("key_at"), Slot("key_id")))
    if whole:
        return _holding(newest, FIELD_COLUMNS[field], cased).select(Release.id).limit(Slot("wanted"))
    recent = newest.select(Release.id, Release.published_at, *FIELD_COLUMNS["all"]).limit(Slot("size")).alias("w")
    columns = [getattr(recent.c, column.name) for column in FIELD_COLUMNS[field]]
    # Rows stream from the time index; the outer LIMIT stops reading at `wanted` matches.
    matches = _holding(Select([recent], [recent.c.id, recent.c.published_at]), columns, cased)
    if mysql:  # MariaDB materialises the window: order it again (PostgreSQL streams it in order)
        matches = matches.order_by(recent.c.published_at.desc(), recent.c.id.desc())
    return matches.limit(Slot("wanted"))
