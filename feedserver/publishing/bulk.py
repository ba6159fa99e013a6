"""Many releases in one transaction (imports): all of them or none, each one whole."""
import secrets
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from peewee import CharField, IntegerField, TextField

from feedserver.content import uploads as upload_files
from feedserver.db import database
from feedserver.models import (
    PUBLIC_ID_ALPHABET,
    VISIBLE_STATUSES,
    AuditEntry,
    Release,
    ReleaseRevision,
    bump_feed_state,
    utcnow,
)
from feedserver.publishing import revisions
from feedserver.publishing.releases import attach_files, derive_columns
from feedserver.search import index as search_index
from feedserver.websub.outbox import release_changed

# Every row names the same columns (one executemany), whatever fields an item was given.
PRESS_DEFAULTS = {"department": "", "contact_person": "", "contact_phone": "", "contact_email": "",
                  "embargo_text": "", "kogl_type": None, "correction": "", "corrected_at": None,
                  "content_changed_at": None}


@dataclass
class NewRelease:
    """One release for the bulk path: checked fields plus the columns an import keeps."""

    fields: dict
    external_id: str | None = None
    preserved: dict = dataclass_field(default_factory=dict)
    uploads: list = dataclass_field(default_factory=list)


# Columns with defaults peewee would add to every row's INSERT; given here so rows stay uniform.
DESK_DEFAULTS = {"withdraw_reason": "", "review_state": "", "review_note": ""}


def import_releases(items, actor):
    """Create many releases in one transaction: all of them or none, each one whole."""
    stored = [[upload_files.store_upload(u) for u in item.uploads] for item in items]
    now = utcnow()
    rows = [{"public_id": public_id, "external_id": item.external_id, "created_at": now,
             "updated_at": now, "revision": 1, "view_count": 0, **PRESS_DEFAULTS, **DESK_DEFAULTS,
             **derive_columns(item.fields, None), **item.preserved}
            for item, public_id in zip(items, _public_ids(len(items)))]
    try:
        with database.atomic():
            plain = []  # rows go in file order, so ids (and exports) follow the import
            for row, files in zip(rows, stored):
                if files:
                    _insert_rows(Release, plain)
                    plain = []
                    attach_files(Release.create(**row), files)
                else:
                    plain.append(row)
            _insert_rows(Release, plain)
            _after_import(rows, actor)
            _first_revisions(rows, [[u.filename for u in item.uploads] for item in items], actor)
    except BaseException:
        upload_files.remove_stored(s["stored_name"] for files in stored for s in files)
        raise
    return [row["public_id"] for row in rows]


def _public_ids(count):
    """Return fresh public ids; 32 letters, so a random byte's low five bits pick one evenly."""
    raw = secrets.token_bytes(12 * count)
    return ["".join(PUBLIC_ID_ALPHABET[b & 31] for b in raw[i:i + 12]) for i in range(0, len(raw), 12)]


def _insert_rows(model, rows):
    """Insert uniform rows with one executemany: peewee builds the SQL once, not per row."""
    if not rows:
        return
    names = list(rows[0])
    fields = [model._meta.fields[name] for name in names]
    sql, _ = model.insert_many([tuple(rows[0][n] for n in names)], fields=fields).sql()
    # Text and numbers go to the driver as they are; dates, keys and flags need converting.
    convert = [None if isinstance(f, (CharField, TextField, IntegerField)) else f.db_value
               for f in fields]
    params = [tuple(row[n] if c is None else c(row[n]) for c, n in zip(convert, names))
              for row in rows]
    database.cursor().executemany(sql, params)


def _first_revisions(rows, filenames, actor):
    """Keep each imported release's first revision, as every other save does."""
    ids = dict(Release.select(Release.public_id, Release.id)
               .where(Release.public_id.in_([row["public_id"] for row in rows])).tuples())
    _insert_rows(ReleaseRevision, revisions.imported_rows(rows, ids, filenames, actor))


def _after_import(rows, actor):
    """The bulk form of _after_change: one feed bump, one audit insert, one WebSub note per feed."""
    now = utcnow()
    imported = [Release(**row) for row in rows]
    # Only releases readers can see now move the validators: an embargoed one shows in no ETag.
    public = [release for release in imported if release.is_public(now)]
    if public:
        bump_feed_state({release.category_id for release in public})
    search_index.reindex(Release.select().where(Release.public_id.in_([r["public_id"] for r in rows])))
    _insert_rows(AuditEntry, [
        {"actor": actor.user, "actor_name": actor.label[:64], "via": actor.via,
         "action": "release_import", "target": f"release:{row['public_id']}",
         "summary": f"제목: {row['title']}", "address": actor.address[:64], "created_at": now}
        for row in rows])
    # WebSub: a hub refetches the whole feed, so the newest public release per category stands
    # for the batch instead of one notification per imported release; each release scheduled
    # for later gets its own "due" job, announced when its time comes.
    newest = {}
    for release in sorted(public, key=lambda r: r.published_at):
        newest[release.category_id] = release
    later = [r for r in imported if r.status in VISIBLE_STATUSES
             and r.published_at and r.published_at > now]
    # E-mail: imported releases already public are an archive, not news (mail=False); one
    # scheduled for later is mailed when it comes due, like any scheduled release.
    for release in newest.values():
        release_changed(release, None, "draft", mail=False)
    for release in later:
        release_changed(release, None, "draft")
