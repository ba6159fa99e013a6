"""Categories, releases, attachments and feed state, with their query scopes."""
import re
import sqlite3
import uuid
from collections import namedtuple

import lxml.html
import peewee
from lxml import etree
from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    ForeignKeyField,
    IntegerField,
    IntegrityError,
    TextField,
    Tuple,
    fn,
)

from ..db import database, is_mysql, is_postgres, note_write
from .base import BaseModel, SafeCharField, SafeTextField, UTCDateTimeField, new_public_id, utcnow
from .compiled import Compiled, Slot

# peewee's translation of driver errors into its own OperationalError and kin.
DB_ERRORS = getattr(peewee, "__exception_wrapper__")

# Namespace for release feed ids: urn:uuid derived from the public id, so ids
# survive host, title and category changes.
RELEASE_NAMESPACE = uuid.UUID("6f1d3c52-7a8e-4f0b-9c2d-5e4a1b7c9d30")
STATUSES = ("draft", "scheduled", "published", "withdrawn")


# The one definition of "public once its time has come"; every query and check uses it.
VISIBLE_STATUSES = ("published", "scheduled")

class Category(BaseModel):
    slug = CharField(max_length=64, unique=True)
    name = CharField(max_length=100)
    description = TextField(default="")
    sort_order = IntegerField(default=0)
    kogl_type = IntegerField(default=1)  # the board's 공공누리 type for releases that name none
    # Editors of this board submit for review; an approver or admin publishes.
    review_required = BooleanField(default=False)

    @classmethod
    def ordered(cls):
        """Return categories in display order."""
        return cls.select().order_by(cls.sort_order, cls.id)

    @classmethod
    def listed(cls):
        """Return every category in display order as CategoryRefs (id, slug, name), for tabs."""
        return [CategoryRef(*row) for row in _CATEGORIES.all()]

    @classmethod
    def by_slug(cls, slug):
        """Return the category with this slug, or None."""
        return _CATEGORY_BY_SLUG.first(slug=slug)


class Release(BaseModel):
    public_id = CharField(max_length=16, unique=True, default=new_public_id)
    external_id = CharField(max_length=200, null=True, unique=True)
    category = ForeignKeyField(Category, backref="releases", on_delete="RESTRICT")
    title = SafeCharField(max_length=300)
    author = SafeCharField(max_length=100)
    body_html = SafeTextField(default="")
    body_text = SafeTextField(default="")
    summary = SafeTextField(default="")
    status = CharField(max_length=16, default="draft")
    published_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    revision = IntegerField(default=1)
    view_count = BigIntegerField(default=0)
    # Korean press-release fields (migration 0012).
    department = SafeCharField(max_length=100, default="")
    contact_person = SafeCharField(max_length=50, default="")
    contact_phone = SafeCharField(max_length=30, default="")
    contact_email = SafeCharField(max_length=254, default="")
    embargo_text = SafeCharField(max_length=100, default="")
    kogl_type = IntegerField(null=True)  # None: the category's default
    correction = SafeTextField(default="")
    corrected_at = UTCDateTimeField(null=True)
    # The last change readers could see after publication: 수정일 and the feeds' `updated`.
    content_changed_at = UTCDateTimeField(null=True)
    # The writer's user id (no constraint: accounts outlive nothing here, rows only name them).
    created_by_id = IntegerField(null=True, index=True)
    withdrawn_at = UTCDateTimeField(null=True)
    withdraw_reason = SafeTextField(default="")
    review_state = CharField(max_length=16, default="", index=True)  # "", "pending", "returned"
    review_note = SafeTextField(default="")

    class Meta:
        indexes = (
            (("status", "published_at", "id"), False),
            (("category", "status", "published_at", "id"), False),
            (("category", "published_at", "id"), False),
            (("published_at", "id"), False),
        )

    @property
    def feed_id(self):
        """Return the feed id that never changes for this release."""
        return "urn:uuid:" + str(uuid.uuid5(RELEASE_NAMESPACE, self.public_id))

    @property
    def effective_kogl_type(self):
        """Return the 공공누리 type shown: the release's own, else its board's."""
        return self.kogl_type or self.category.kogl_type

    @property
    def modified_at(self):
        """Return when readers last saw the content change after publication, or None."""
        changed = self.content_changed_at
        return changed if changed and self.published_at and changed > self.published_at else None

    def went_live(self, now=None):
        """Tell whether readers have seen this release (it may be withdrawn since)."""
        return (self.status in (*VISIBLE_STATUSES, "withdrawn") and self.published_at is not None
                and self.published_at <= (now or utcnow()))

    @property
    def is_withdrawn(self):
        return self.status == "withdrawn"

    def effective_status(self, now=None):
        """Return the status readers see: a scheduled release whose time has come is published."""
        if self.status == "scheduled" and self.is_public(now):
            return "published"
        return self.status

    @classmethod
    def with_effective_status(cls, status, now=None):
        """Return the condition for releases whose effective status is `status`."""
        now = now or utcnow()
        due = (cls.status == "scheduled") & (cls.published_at <= now)
        if status == "published":
            return (cls.status == "published") | due
        if status == "scheduled":
            return (cls.status == "scheduled") & (cls.published_at > now)
        return cls.status == status

    def is_public(self, now=None):
        """Tell whether readers may see this release now."""
        return (self.status in VISIBLE_STATUSES and self.published_at is not None
                and self.published_at <= (now or utcnow()))

    @classmethod
    def by_public_id(cls, public_id):
        """Return the release (any status) with its category for a public id, or None."""
        # Public ids are short ASCII letters and digits; anything else (NUL, which PostgreSQL
        # refuses in a parameter) names no release and is not asked.
        if not (isinstance(public_id, str) and public_id.isascii() and public_id.isalnum()
                and len(public_id) <= 16):
            return None
        return _BY_PUBLIC_ID.first(public_id=public_id)

    @classmethod
    def visible(cls, now=None):
        """Return releases whose publication time has come, newest first."""
        now = now or utcnow()
        return (cls.select()
                .where(cls.status.in_(VISIBLE_STATUSES), cls.published_at <= now)
                .order_by(cls.published_at.desc(), cls.id.desc()))

    @classmethod
    def visible_in(cls, category_id=None, period=(None, None), now=None):
        """Return visible releases of one board (None: every board) published within period
        [from, until) where given, newest first."""
        query = cls.visible(now)
        if category_id is not None:
            query = query.where(cls.category == category_id)
        since, until = period
        if since is not None:
            query = query.where(cls.published_at >= since)
        if until is not None:
            query = query.where(cls.published_at < until)
        return query

    @classmethod
    def count_view(cls, release_id):
        """Add one view atomically in the database; return the new count, or None when not told.

        PostgreSQL and SQLite 3.35+ say the new count in the same statement (UPDATE ...
        RETURNING), which saves the page a round trip; MariaDB's UPDATE cannot.
        """
        note_write(views=True)
        if is_mysql() or (not is_postgres() and sqlite3.sqlite_version_info < (3, 35)):
            _COUNT_VIEW.execute(id=release_id)
            return None
        with DB_ERRORS:  # SQLite runs the write as the row is read, so a full disk fails there
            return _COUNT_VIEW_RETURNING.scalar(id=release_id)


class Attachment(BaseModel):
    release = ForeignKeyField(Release, backref="attachments", on_delete="CASCADE")
    filename = CharField(max_length=255)
    content_type = CharField(max_length=100)
    size = BigIntegerField()
    sha256 = CharField(max_length=64)
    stored_name = CharField(max_length=100, unique=True)
    created_at = UTCDateTimeField(default=utcnow)
    # Read once when stored (content/extract.py, migration 0014): "readable", "unreadable",
    # "none" (not a text format), or "" for a file stored before that nobody has read yet.
    text = SafeTextField(default="")
    text_state = CharField(max_length=16, default="")

    @classmethod
    def listed(cls):
        """Select files without their text (up to 100,000 characters each): for lists and feeds."""
        return cls.select(*[f for f in cls._meta.sorted_fields if f.name != "text"])

    @property
    def viewable(self):
        """Tell whether 바로보기 has something to show: a PDF, a picture, or a 한글 file."""
        return self.content_type.startswith("image/") or self.content_type == "application/pdf" \
            or self.text_state in ("readable", "unreadable")


class ReleaseRevision(BaseModel):
    """What one save left: the text, the fields (JSON in `data`), who and when."""

    release = ForeignKeyField(Release, backref="revisions", on_delete="CASCADE")
    number = IntegerField()  # the release's `revision` after the save
    created_at = UTCDateTimeField(default=utcnow)
    actor_name = CharField(max_length=64)
    via = CharField(max_length=8)
    action = CharField(max_length=40)
    title = SafeCharField(max_length=300)
    body_html = SafeTextField()
    data = SafeTextField()

    class Meta:
        indexes = ((("release", "id"), False),)


class FeedState(BaseModel):
    """A version per feed scope ("all", "cat:<id>") bumped by every write."""

    key = CharField(max_length=80, primary_key=True)
    version = BigIntegerField(default=0)
    changed_at = UTCDateTimeField(default=utcnow)
    # Releases with status "published"; scheduled ones that came due are counted
    # live, so a count never waits for a write (COUNT(*) over a million rows does).
    published_count = BigIntegerField(default=0)


RELEASE_MODELS = [Category, Release, Attachment, ReleaseRevision, FeedState]


TEXT_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "div", "dt", "dd",
               "blockquote", "pre", "caption", "figcaption", "table", "ul", "ol", "dl")


def html_to_text(html):
    """Return the plain text of a fragment of HTML."""
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except Exception:
        return re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"[ \t]+", " ", re.sub(r"\n\s*\n+", "\n", "".join(_text_parts(root)))).strip()


def _text_parts(root):
    """Yield the text of a tree in order, a line break around every block, cell and <br>."""
    # Read, never written back: lxml refuses to store the control characters a body may hold.
    for event, node in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        line = event in ("start", "end") and (node.tag in TEXT_BLOCKS or node.tag == "br")
        yield "\n" if line else ""
        if event == "start":
            yield node.text or ""
        elif node is not root:  # the end of an element, or a comment: what follows it
            yield node.tail or ""


def summarize(text, limit=200):
    """Return a plain-text summary of at most `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def bump_feed_state(category_ids):
    """Bump versions and recount the site and the given categories; call inside the write's transaction."""
    now = utcnow()
    ids = sorted(set(category_ids))
    note_write()
    # "all" first, then categories in id order: every writer locks rows in one order.
    _bump("all", now)
    for cid in ids:
        count = Release.select().where(Release.category == cid, Release.status == "published").count()
        _bump(f"cat:{cid}", now, count)
    total = (FeedState.select(fn.COALESCE(fn.SUM(FeedState.published_count), 0))
             .where(FeedState.key.startswith("cat:")).scalar())
    FeedState.update(published_count=total).where(FeedState.key == "all").execute()


def _bump(key, now, count=None):
    changes = {"version": FeedState.version + 1, "changed_at": now}
    if count is not None:
        changes["published_count"] = count
    if FeedState.update(**changes).where(FeedState.key == key).execute():
        return
    try:
        with database.atomic():
            FeedState.create(key=key, version=1, changed_at=now, published_count=count or 0)
    except IntegrityError:  # another writer created it first
        FeedState.update(**changes).where(FeedState.key == key).execute()


def visible_count(category_id=None, now=None):
    """Count visible releases from the stored count plus scheduled ones now due, in one query."""
    key = f"cat:{category_id}" if category_id else "all"
    shape = _VISIBLE_COUNT[bool(category_id)]
    return shape.scalar(now=now or utcnow(), key=key, category=category_id) or 0


def _visible_count(in_category):
    stored = FeedState.select(FeedState.published_count).where(FeedState.key == Slot("key"))
    due = Release.select(fn.COUNT(Release.id) + fn.COALESCE(stored, 0)).where(
        Release.status == "scheduled", Release.published_at <= Slot("now", Release.published_at.db_value))
    if in_category:
        due = due.where(Release.category == Slot("category"))
    return due.tuples()


_VISIBLE_COUNT = {in_category: Compiled(lambda in_category=in_category: _visible_count(in_category))
                  for in_category in (False, True)}

# Below this many skipped rows OFFSET is cheap; beyond it a page starts from its first row's key.
DEEP_OFFSET = 1000


def page_window(offset, limit, total):
    """Return (skip, count, newest): how to read rows offset..offset+limit of a newest-first list
    of `total`, from its newest end or, past the middle, from its oldest end."""
    if offset <= total // 2:
        return offset, limit, True
    # OFFSET walks every skipped row: the last page of a million would walk them all.
    return max(0, total - offset - limit), min(limit, total - offset), False


def deep_offset(skip):
    """Tell whether skipping this many rows needs a key seek (PostgreSQL, MariaDB) over OFFSET."""
    # SQLite seeks a table row only for rows it returns, so its OFFSET already skips by the
    # index (status is in the time indexes).
    return skip >= DEEP_OFFSET and (is_postgres() or is_mysql())


def newest_first_page(query, offset, limit, total):
    """Return rows offset..offset+limit of a newest-first query, reading deep pages from the old end."""
    skip, count, newest = page_window(offset, limit, total)
    rows = _page_from(query, skip, count, newest)
    return rows if newest else list(reversed(rows))


def _page_from(query, offset, limit, newest):
    """Return `limit` rows after skipping `offset`, newest or oldest first."""
    order = (Release.published_at.desc(), Release.id.desc()) if newest else \
        (Release.published_at.asc(), Release.id.asc())
    query = query.order_by(*order)
    if not deep_offset(offset):
        return list(query.offset(offset).limit(limit))
    # PostgreSQL reads each skipped row unless only the key is asked for (an index-only scan);
    # the page's rows are then read from its first key on: 0.56 s -> 75 ms at page 50,000 of 1M.
    first = query.select(Release.published_at, Release.id).offset(offset).limit(1).tuples().first()
    if first is None:
        return []
    here = Tuple(Release.published_at, Release.id)
    key = Tuple(Release.published_at.db_value(first[0]), first[1])
    return list(query.where(here <= key if newest else here >= key).limit(limit))


# Shapes every release page runs (models/compiled.py: built once, run with new values).
_BY_PUBLIC_ID = Compiled(lambda: Release.select(Release, Category).join(Category)
                         .where(Release.public_id == Slot("public_id")).limit(1))
def _count_view():
    return Release.update(view_count=Release.view_count + 1).where(Release.id == Slot("id"))


_COUNT_VIEW = Compiled(_count_view)
_COUNT_VIEW_RETURNING = Compiled(lambda: _count_view().returning(Release.view_count).tuples())
# A board as lists name it: tabs and each row's tag.
CategoryRef = namedtuple("CategoryRef", "id slug name")
_CATEGORIES = Compiled(lambda: Category.ordered().select(Category.id, Category.slug, Category.name).tuples())
_CATEGORY_BY_SLUG = Compiled(lambda: Category.select().where(Category.slug == Slot("slug")).limit(1))
