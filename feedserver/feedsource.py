"""Turn database rows into feed descriptions, and tell when a feed's data last changed."""
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from peewee import fn

from .dates import to_kst
from .models import Attachment, Category, FeedState, Release, utcnow
from .search import FIELDS, apply_search
from .syndication import Enclosure, Feed, Item

EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Scope:
    """Which releases a feed holds: the site, one category, or a search."""

    category: Category | None = None
    field: str = "all"
    q: str = ""

    @property
    def state_key(self):
        return f"cat:{self.category.id}" if self.category else "all"

    def releases(self, now):
        """Return the visible releases of this scope, newest first."""
        query = Release.visible(now)
        if self.category is not None:
            query = query.where(Release.category == self.category)
        return apply_search(query, self.field, self.q) if self.q else query

    def title(self, site_name):
        if self.q:
            return f'{site_name} - "{self.q}" {FIELDS[self.field]} 검색'
        return f"{site_name} - {self.category.name}" if self.category else f"{site_name} - 전체 보도자료"


@dataclass(frozen=True)
class State:
    """What a feed's validators are made of."""

    token: str
    last_modified: datetime


def feed_state(scope, now=None):
    """Return the scope's change state in one query (searches read their rows)."""
    now = now or utcnow()
    if scope.q:
        return _search_state(scope, now)
    due = scope.releases(now).select(fn.MAX(Release.published_at)).order_by()
    row = (FeedState.select(FeedState.version, FeedState.changed_at, due.alias("due"))
           .where(FeedState.key == scope.state_key).tuples().first())
    version, changed_at, due_at = row if row else (0, EPOCH, _scalar(due))
    due_at = _as_utc(due_at) or EPOCH
    last = max(changed_at or EPOCH, due_at)
    return State(f"{version}.{int(due_at.timestamp())}", last)


def _search_state(scope, now):
    rows = list(scope.releases(now).select(Release.id, Release.revision, Release.updated_at,
                                           Release.published_at).limit(100).tuples())
    digest = hashlib.sha256(repr([(r[0], r[1]) for r in rows]).encode()).hexdigest()[:20]
    last = max([max(r[2], r[3]) for r in rows], default=EPOCH)
    return State(digest, last)


def _scalar(query):
    return query.scalar()


def _as_utc(value):
    """Normalise a raw MAX() result (text on SQLite) to aware UTC."""
    if value is None or isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value and value.tzinfo is None else value
    return datetime.fromisoformat(str(value)).replace(tzinfo=timezone.utc)


def load_items(query, base_url):
    """Fetch releases with their category and attachments in two queries."""
    releases = list(query.join(Category).switch(Release).select(Release, Category))
    files = {}
    if releases:
        for file in (Attachment.select().where(Attachment.release.in_([r.id for r in releases]))
                     .order_by(Attachment.id)):
            files.setdefault(file.release_id, []).append(file)
    return [to_item(r, files.get(r.id, []), base_url) for r in releases]


def to_item(release, files, base_url):
    """Describe one release as a feed item."""
    link = f"{base_url}/releases/{release.public_id}"
    return Item(
        id=release.feed_id, title=release.title, link=link,
        published=to_kst(release.published_at),
        updated=to_kst(max(release.updated_at, release.published_at)),
        author=release.author, category=release.category.name,
        category_term=release.category.slug, summary=release.summary,
        content_html=release.body_html,
        enclosures=tuple(Enclosure(f"{link}/files/{f.id}", f.size, f.content_type, f.filename)
                         for f in files),
    )


def describe(scope, items, state, urls, settings, links=None, is_archive=False):
    """Return the Feed description for a scope; `urls` holds link/self/hub/stylesheet."""
    archive = links or {}
    return Feed(
        id=urls["id"], title=scope.title(settings["SITE_NAME"]),
        description=_description(scope, settings["SITE_NAME"]),
        link=urls["link"], self_url=urls["self"], updated=to_kst(state.last_modified),
        items=tuple(items), ttl_minutes=max(1, settings["FEED_MAX_AGE"] // 60),
        hubs=tuple(urls.get("hubs", ())), stylesheet=urls.get("stylesheet"),
        prev_archive=archive.get("prev"), next_archive=archive.get("next"),
        current=archive.get("current"), is_archive=is_archive,
    )


def _description(scope, site_name):
    if scope.q:
        return f'{site_name}에서 "{scope.q}"({FIELDS[scope.field]})이(가) 들어간 보도자료입니다.'
    if scope.category:
        return scope.category.description or f"{scope.category.name} 최신 보도자료입니다."
    return f"{site_name}의 모든 게시판 최신 보도자료입니다."
