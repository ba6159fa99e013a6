"""PostgreSQL, MariaDB: a search's walk down the board's time index, checking each row's text.

A walk runs a window statement, and after the first one a statement for the last key it read,
several times per search. Building their SQL with peewee cost about 1.5 ms per pair at a
million releases, a tenth of a search, so each shape is compiled once (models.compiled) with its
values as Slots. Words with letter case keep peewee's LIKE build: their pattern is not a value.
"""
import operator
from functools import reduce

from peewee import Select, Tuple

from feedserver.db import database, is_mysql
from feedserver.models import Release
from feedserver.models.compiled import Compiled, Slot
from feedserver.models.releases import VISIBLE_STATUSES
from feedserver.search.match import newest_first
from feedserver.search.query import FIELD_COLUMNS, holding, substring

_SHAPES = {}


def walk_window(visible, where, field, words, size, wanted, skip=0):
    """Return ids of up to `wanted` matches among the newest visible rows from `skip` to `size`
    (None: to the end), newest first.

    visible(): the peewee query of the visible releases; where: (category_id, period, now), the
    same releases as values for the compiled shapes.
    """
    if any(word.lower() != word.upper() for word in words):
        return _built_window(visible(), field, words, size, wanted, skip)
    category_id, (since, until), now = where
    values = {"now": now, "category": category_id, "since": since, "until": until,
              **{f"w{i}": word for i, word in enumerate(words)}}
    bounds = (category_id is not None, since is not None, until is not None)
    if skip:
        key = _shape(("key", bounds), lambda: _key_shape(bounds)).all(**values, skip=skip - 1)
        if not key:
            return []
        values.update(key_at=key[0][0], key_id=key[0][1])
    shape = (bounds, field, len(words), bool(skip), size is None, is_mysql())
    window = _shape(shape, lambda: _window_shape(*shape))
    rows = window.execute(**values, wanted=wanted, size=None if size is None else size - skip).fetchall()
    return [row[0] for row in rows] if size is None else newest_first(rows)


def _shape(key, build):
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


def _holding(query, columns, count):
    """Narrow a query to rows where one of the columns holds each word slot (plain substring)."""
    for i in range(count):
        query = query.where(reduce(operator.or_, [substring(column, Slot(f"w{i}")) for column in columns]))
    return query


def _window_shape(bounds, field, count, after, whole, mysql):
    newest = _newest(bounds)
    if after:
        # Go on after the rows already read (a row comparison walks the time index).
        newest = newest.where(Tuple(Release.published_at, Release.id) < Tuple(_at("key_at"), Slot("key_id")))
    if whole:
        return _holding(newest, FIELD_COLUMNS[field], count).select(Release.id).limit(Slot("wanted"))
    recent = newest.select(Release.id, Release.published_at, *FIELD_COLUMNS["all"]).limit(Slot("size")).alias("w")
    columns = [getattr(recent.c, column.name) for column in FIELD_COLUMNS[field]]
    # Rows stream from the time index; the outer LIMIT stops reading at `wanted` matches.
    matches = _holding(Select([recent], [recent.c.id, recent.c.published_at]), columns, count)
    if mysql:  # MariaDB materialises the window: order it again (PostgreSQL streams it in order)
        matches = matches.order_by(recent.c.published_at.desc(), recent.c.id.desc())
    return matches.limit(Slot("wanted"))


def _built_window(query, field, words, size, wanted, skip=0):
    """The same walk built by peewee each time (words with letter case: LIKE)."""
    newest = query.order_by(Release.published_at.desc(), Release.id.desc())
    if skip:
        key = newest.select(Release.published_at, Release.id).offset(skip - 1).limit(1).tuples().first()
        if key is None:
            return []
        here = Tuple(Release.published_at.db_value(key[0]), key[1])
        newest = newest.where(Tuple(Release.published_at, Release.id) < here)
    if size is None:
        matches = holding(newest, FIELD_COLUMNS[field], words).select(Release.id).limit(wanted)
        return [row[0] for row in database.execute(matches).fetchall()]
    recent = newest.select(Release.id, Release.published_at, *FIELD_COLUMNS["all"]).limit(size - skip).alias("w")
    columns = [getattr(recent.c, column.name) for column in FIELD_COLUMNS[field]]
    matches = holding(Select([recent], [recent.c.id, recent.c.published_at]), columns, words)
    if is_mysql():
        matches = matches.order_by(recent.c.published_at.desc(), recent.c.id.desc())
    # Rows as the driver gives them: peewee's row-by-row wrapper cost more than the query.
    return newest_first(database.execute(matches.limit(wanted)).fetchall())
