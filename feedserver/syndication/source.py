"""Turn database rows into feed descriptions, and tell when a feed's data last changed."""
import hashlib
from html import escape
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import datetime, timezone
from functools import lru_cache

from flask import current_app
from peewee import fn

from feedserver.content.kogl import LICENSE_URL, license_of
from feedserver.dates import detail_datetime, to_kst
from feedserver.db import database
from feedserver.models import Attachment, Category, Release, utcnow
from feedserver.search.newest import newest_ids
from feedserver.search.query import FIELDS
from feedserver.syndication.formats import Enclosure, Feed, Item, Rights, truncate_html

FEED_ITEM_BYTES = 32 * 1024

EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Scope:
    """Which releases a feed holds: the site, one category, or a search."""

    category: Category | None = None
    field: str = "all"
    q: str = ""
    # A search's matches by `now`: a request's state and body both ask, the search runs once.
    found: dict = dataclass_field(default_factory=dict, compare=False, repr=False)

    @property
    def state_key(self):
        return f"cat:{self.category.id}" if self.category else "all"

    def releases(self, now):
        """Return the visible releases of this scope, newest first."""
        query = Release.visible(now)
        if self.category is not None:
            query = query.where(Release.category == self.category)
        if self.q:
            # A search feed holds at most 100 items (?limit=): the newest 100 matches,
            # found as the board finds them.
            if now not in self.found:
                category_id = self.category.id if self.category else None
                self.found[now] = newest_ids(category_id, self.field, self.q, 100, now)
            query = query.where(Release.id.in_(self.found[now]))
        return query

    def title(self, site_name):
        if self.q:
            board = f"{self.category.name} " if self.category else ""
            return f'{site_name} - {board}"{self.q}" {FIELDS[self.field]} 검색'
        return f"{site_name} - {self.category.name}" if self.category else f"{site_name} - 전체 보도자료"


@dataclass(frozen=True)
class State:
    """What a feed's validators are made of, and how many releases it spans."""

    token: str
    last_modified: datetime
    count: int = 0
    next_due: datetime | None = None  # when a scheduled release turns visible and the token moves
    newest: datetime | None = None  # publication time of the newest visible release


def feed_state(scope, now=None):
    """Return the site's or a search's change state (one query)."""
    now = now or utcnow()
    if scope.q:
        return _search_state(scope, now)
    row = database.execute_sql(_state_sql(False, type(database.obj)), _params("all", now)).fetchone()
    return _state(row)


# Category ids by slug; every poll re-reads the category row, so a renamed or
# deleted category is noticed at once and the entry dropped.
_category_ids = {}


def category_state(slug, now=None):
    """Return (Category, State) for a slug in one query, or (None, None)."""
    now = now or utcnow()
    for _ in range(2):
        cid = _category_ids.get(slug) or _lookup_id(slug)
        if cid is None:
            return None, None
        sql = _state_sql(True, type(database.obj))
        row = database.execute_sql(sql, _params(f"cat:{cid}", now, cid)).fetchone()
        if row is not None and row[7] == slug:
            _category_ids[slug] = cid
            return Category(id=row[6], slug=row[7], name=row[8], description=row[9],
                            sort_order=row[10], kogl_type=row[11]), _state(row)
        _category_ids.pop(slug, None)
    return None, None


def _params(key, now, cid=None):
    stamp = Release.published_at.db_value(now)
    extra = [cid] if cid else []
    return [key, key, key, stamp, *extra, stamp, *extra, stamp, *extra, *extra]


def _state(row):
    version, changed_at, stored, due_at, due_count, next_due = row[:6]
    changed_at, due_at = _as_utc(changed_at) or EPOCH, _as_utc(due_at) or EPOCH
    return State(f"{version or 0}.{int(due_at.timestamp())}", max(changed_at, due_at),
                 int(stored or 0) + int(due_count or 0), _as_utc(next_due), _as_utc(row[3]))


def _quote(name):
    return database.quote[0] + name + database.quote[1]


@lru_cache(maxsize=16)
def _state_sql(per_category, db_class):
    """Return hand-written SQL for the poll hot path; peewee's SQL building costs more than the query."""
    q, p = _quote, database.param
    scope = f" AND {q('category_id')} = {p}" if per_category else ""
    visible = f"{q('status')} IN ('published', 'scheduled') AND {q('published_at')} <= {p}{scope}"
    due = f"{q('status')} = 'scheduled' AND {q('published_at')} <= {p}{scope}"
    coming = f"{q('status')} IN ('published', 'scheduled') AND {q('published_at')} > {p}{scope}"
    # When the token next moves by itself: a memo that keeps the token (SQLite, and PostgreSQL
    # while its listener is live) must let go then, as no write tells it.
    next_due = f"(SELECT MIN({q('published_at')}) FROM {q('release')} WHERE {coming})"
    state = f"FROM {q('feed_state')} WHERE {q('key')} = {p}"
    sql = (f"SELECT (SELECT {q('version')} {state}), (SELECT {q('changed_at')} {state}), "
           f"(SELECT {q('published_count')} {state}), "
           f"(SELECT MAX({q('published_at')}) FROM {q('release')} WHERE {visible}), "
           f"(SELECT COUNT(*) FROM {q('release')} WHERE {due}), {next_due}")
    if per_category:
        columns = ", ".join(f"c.{q(n)}" for n in ("id", "slug", "name", "description",
                                                    "sort_order", "kogl_type"))
        sql += f", {columns} FROM {q('category')} c WHERE c.{q('id')} = {p}"
    return sql


def _lookup_id(slug):
    sql = f"SELECT {_quote('id')} FROM {_quote('category')} WHERE {_quote('slug')} = {database.param}"
    row = database.execute_sql(sql, [slug]).fetchone()
    return row[0] if row else None


def _search_state(scope, now):
    rows = list(scope.releases(now).select(Release.id, Release.revision, Release.updated_at,
                                           Release.published_at).limit(100).tuples())
    digest = hashlib.sha256(repr([(r[0], r[1]) for r in rows]).encode()).hexdigest()[:20]
    last = max([max(r[2], r[3]) for r in rows], default=EPOCH)
    return State(digest, last)


def _as_utc(value):
    """Normalise a raw MAX() result (text on SQLite) to aware UTC."""
    if value is None or isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value and value.tzinfo is None else value
    return datetime.fromisoformat(str(value)).replace(tzinfo=timezone.utc)


def with_category(query):
    """Select each release with its category (one query, no N+1) and only what a feed item shows."""
    # One character over the limit tells truncate_html the body is longer: a 15 MB body
    # is not read to show 32 KB of it. Feeds never use body_text.
    head = fn.SUBSTR(Release.body_html, 1, item_bytes() + 1).alias("body_html")
    columns = [f for f in Release._meta.sorted_fields if f.name not in ("body_html", "body_text")]
    return query.join(Category).switch(Release).select(*columns, head, Category)


def item_bytes(settings=None):
    """Return FEED_ITEM_BYTES: the most body HTML one feed item carries."""
    return (settings or current_app.config).get("FEED_ITEM_BYTES", FEED_ITEM_BYTES)


def load_items(query, base_url):
    """Fetch releases with their category and attachments in two queries."""
    return items_from_rows(list(with_category(query)), base_url)


def items_from_rows(releases, base_url):
    """Describe fetched releases as items, loading all their attachments in one query."""
    files = {}
    if releases:
        for file in (Attachment.listed().where(Attachment.release.in_([r.id for r in releases]))
                     .order_by(Attachment.id)):
            files.setdefault(file.release_id, []).append(file)
    return [to_item(r, files.get(r.id, []), base_url) for r in releases]


def to_item(release, files, base_url):
    """Describe one release as a feed item."""
    link = f"{base_url}/releases/{release.public_id}"
    kogl = license_of(release.effective_kogl_type)
    return Item(
        id=release.feed_id, title=release.title, link=link,
        published=to_kst(release.published_at),
        # `updated` moves only when readers' content changed after publication.
        updated=to_kst(release.modified_at or release.published_at),
        author=release.author, category=release.category.name,
        category_term=release.category.slug, summary=release.summary,
        content_html=correction_html(release) + release.body_html,
        enclosures=tuple(Enclosure(f"{link}/files/{f.id}", f.size, f.content_type, f.filename)
                         for f in files),
        rights=Rights(kogl.type, kogl.label, kogl.url) if kogl else None,
    )


def correction_html(release):
    """Return the public 정정 note as the feeds' items carry it, before the body."""
    if not (release.correction and release.corrected_at):
        return ""
    text = escape(release.correction).replace("\n", "<br>")
    return (f'<p class="correction"><strong>정정</strong>: {text} '
            f"({detail_datetime(release.corrected_at)})</p>")


def feed_rights(scope):
    """Return a feed's rights/copyright text: its board's 공공누리 type, or the general rule."""
    kogl = license_of(scope.category.kogl_type) if scope.category is not None else None
    if kogl is not None:
        return f"{kogl.label}, 보도자료마다 표시된 유형이 우선합니다 ({LICENSE_URL})"
    return f"공공누리: 보도자료마다 표시된 유형에 따라 이용할 수 있습니다 ({LICENSE_URL})"


def describe(scope, items, last_modified, urls, settings, links=None, is_archive=False,
             item_limit=None):
    """Return the Feed description for a scope; `urls` holds link/self/hub/stylesheet."""
    archive = links or {}
    limit = item_limit or item_bytes(settings)
    items = [replace(i, content_html=truncate_html(i.content_html, limit, i.link)) for i in items]
    return Feed(
        id=urls["id"], title=scope.title(settings["SITE_NAME"]),
        description=_description(scope, settings["SITE_NAME"]),
        link=urls["link"], self_url=urls["self"], updated=to_kst(last_modified),
        items=tuple(items), ttl_minutes=max(1, settings["FEED_MAX_AGE"] // 60),
        hubs=tuple(urls.get("hubs", ())), stylesheet=urls.get("stylesheet"),
        prev_archive=archive.get("prev"), next_archive=archive.get("next"),
        current=archive.get("current"), is_archive=is_archive, rights=feed_rights(scope),
    )


def _description(scope, site_name):
    if scope.q:
        where = f"{site_name} {scope.category.name} 게시판" if scope.category else site_name
        return f'{where}에서 "{scope.q}"({FIELDS[scope.field]})이(가) 들어간 보도자료입니다.'
    if scope.category:
        return scope.category.description or f"{scope.category.name} 최신 보도자료입니다."
    return f"{site_name}의 모든 게시판 최신 보도자료입니다."
