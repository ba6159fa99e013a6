"""RFC 5005 archive documents anchored to months of publication, so a change moves only its own.

A document is one calendar month (Asia/Seoul) of a scope's visible releases. A month holding more
than `size` releases is split into fixed blocks of `size` release ids (id // size), so no document
holds more than `size` items and none is numbered over the whole archive: withdrawing a release
changes only the document that held it, a new release lands in the newest document, and an edit
that moves published_at changes the two documents it leaves and joins.

The month's own URL ("2024-05") always names its oldest part, so the previous month's
next-archive link never moves while the current month grows or splits; the later parts are
"2024-05-p<block>". Only a change of shape in a month that has ended (gaining its first release,
or a withdrawal or backdated release crossing `size`) also moves a neighbour's link.
"""
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from peewee import fn

from feedserver.dates import KST, to_kst
from feedserver.models import Category, Release

KEY = re.compile(r"^(\d{4})-(\d{2})(?:-p(\d{1,15}))?$")


@dataclass(frozen=True)
class DocKey:
    """One archive document: a month ("2024-05"), and an id block when the month is split."""

    month: str
    block: int | None = None

    @property
    def slug(self):
        return self.month if self.block is None else f"{self.month}-p{self.block}"

    @classmethod
    def parse(cls, text):
        """Return the key a URL names, or None when it names no possible document."""
        found = KEY.match(text)
        if found is None or not 1 <= int(found[2]) <= 12 or not 1000 <= int(found[1]) <= 9998:
            return None
        return cls(f"{found[1]}-{found[2]}", None if found[3] is None else int(found[3]))


@dataclass(frozen=True)
class Plan:
    """What one archive document holds and links to, and the validator made of exactly that."""

    key: DocKey
    prev: DocKey | None
    next: DocKey | None
    digest: str
    last_modified: datetime
    month_end: datetime  # no release joins a month that has ended, unless an edit moves it there
    ids: tuple = (None, None)  # [low, high) release ids of a split month's part


def month_of(instant):
    """Return the Asia/Seoul month of an instant, "YYYY-MM"."""
    return to_kst(instant).strftime("%Y-%m")


def month_bounds(month):
    """Return the UTC instants [start, end) of a month in Asia/Seoul."""
    year, number = int(month[:4]), int(month[5:7])
    start = datetime(year, number, 1, tzinfo=KST)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=KST)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def newest(scope, now, size, latest):
    """Return the key of the newest (open) document, given the newest visible publication time."""
    return None if latest is None else _last_part(scope, now, month_of(latest), size)


def plan(scope, key, now, size):
    """Describe document `key` of a scope, or return None when no such document exists."""
    parts = _parts(_month_ids(scope, now, key.month), size)
    blocks = [block for block, _ in parts]
    if key.block not in blocks:
        return None
    index = blocks.index(key.block)
    prev = DocKey(key.month, blocks[index - 1]) if index > 0 else _neighbour(scope, now, key.month, size, True)
    later = (DocKey(key.month, blocks[index + 1]) if index + 1 < len(parts)
             else _neighbour(scope, now, key.month, size, False))
    ids = parts[index][1]
    rows, last_modified = _signature(scope, key.month, ids, now)
    category = scope.category
    about = (category.slug, category.name, category.description) if category else None
    digest = hashlib.sha256(repr((key, prev, later, about, rows)).encode()).hexdigest()[:24]
    return Plan(key, prev, later, digest, last_modified, month_bounds(key.month)[1], ids)


def releases(scope, plan, now):
    """Return the query for the releases of one planned document, newest first."""
    return _in_doc(_visible(scope, now, plan.key.month), plan.key.month, plan.ids)


def all_keys(scope, now, size):
    """Return every document key of a scope, oldest first (one pass; for tools, not requests)."""
    months = {}
    for published_at, release_id in scope.releases(now).select(Release.published_at, Release.id).tuples():
        months.setdefault(month_of(published_at), []).append(release_id)
    return [DocKey(m, block) for m in sorted(months) for block, _ in _parts(months[m], size)]


def _visible(scope, now, month):
    """Return the scope's visible releases, asked so that an index walks one month only.

    Visibility is published_at <= now; with the month's bounds beside it, SQLite takes now as
    the upper end of its index range and walks every later release (0.2 s for a 1999 month of a
    1,000,000-release board). "Visible by the month's end" is the same set within the month.
    """
    return scope.releases(min(now, month_bounds(month)[1]))


def _in_doc(query, month, ids):
    start, end = month_bounds(month)
    query = query.where(Release.published_at >= start, Release.published_at < end)
    low, high = ids
    if low is not None:
        query = query.where(Release.id >= low)
    if high is not None:
        query = query.where(Release.id < high)
    return query


def _month_ids(scope, now, month):
    start, end = month_bounds(month)
    query = _visible(scope, now, month).select(Release.id).order_by()
    return [row[0] for row in query.where(Release.published_at >= start,
                                          Release.published_at < end).tuples()]


def _parts(ids, size):
    """Return a month's documents as (block, (low, high) ids), oldest first.

    Up to `size` releases: one document, block None. Past it: one per id block, the oldest
    under block None (the month's own URL), so each holds at most `size` releases.
    """
    if len(ids) <= size:
        return [(None, (None, None))] if ids else []
    blocks = sorted({release_id // size for release_id in ids})
    return [(None, (None, blocks[1] * size))] + [
        (block, (block * size, (block + 1) * size)) for block in blocks[1:]]


def _last_part(scope, now, month, size):
    """Return a month's newest document from its count and highest id (one query, no id list)."""
    start, end = month_bounds(month)
    count, highest = (_visible(scope, now, month).select(fn.COUNT(Release.id), fn.MAX(Release.id))
                      .order_by()
                      .where(Release.published_at >= start, Release.published_at < end).tuples().first())
    return DocKey(month, highest // size if count > size else None)


def _neighbour(scope, now, month, size, older):
    """Return the nearest document of the next older (or newer) month that has one."""
    found = _edge_time(scope, now, month, older)
    if found is None:
        return None
    # A newer month is entered at its own URL, its oldest part: no need to know its shape.
    return _last_part(scope, now, month_of(found), size) if older else DocKey(month_of(found))


def _edge_time(scope, now, month, older):
    """Return the latest publication time before `month` (or the earliest after it)."""
    start, end = month_bounds(month)
    # The first row along the publication-time index, not MAX/MIN: with status IN (...) SQLite
    # cannot use its min/max shortcut and counts through every older release instead.
    if older:
        query = (scope.releases(min(now, start)).where(Release.published_at < start)
                 .order_by(Release.published_at.desc()))
    else:
        query = (scope.releases(now).where(Release.published_at >= end)
                 .order_by(Release.published_at.asc()))
    found = query.select(Release.published_at).limit(1).tuples().first()
    return None if found is None else _as_utc(found[0])


def _signature(scope, month, ids, now):
    """Return what a document's items are made of, and its newest publication or edit time."""
    columns = (Release.id, Release.revision, Release.updated_at, Release.published_at,
               Category.slug, Category.name)
    query = _in_doc(_visible(scope, now, month).select(*columns).join(Category), month, ids)
    rows, latest = [], None
    for rid, revision, updated, published, slug, name in query.order_by(Release.id).tuples():
        updated, published = _as_utc(updated), _as_utc(published)
        rows.append((rid, revision, updated.isoformat(), published.isoformat(), slug, name))
        latest = max(filter(None, (latest, updated, published)))
    return tuple(rows), latest


def _as_utc(value):
    """Normalise a raw value (text from SQLite aggregates) to aware UTC."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
