"""The revision history: a copy of the release after every save, kept in the save's transaction."""
import json

from feedserver.models import Attachment, Category, ReleaseRevision, utcnow
from feedserver.publishing.input import rfc3339
from feedserver.publishing.press_fields import NAMES as PRESS_FIELDS

# What a revision keeps besides title and body, in the order the diff lists them.
KEPT = ("author", "category", "summary", *PRESS_FIELDS, "status", "published_at", "attachments")
# What readers see of a release (besides its title and body): a change to these after
# publication moves 수정일 and the feeds' `updated`.
PUBLIC_CONTENT = ("title", "body_html", "author", "summary",
                  *(name for name in PRESS_FIELDS))


def snapshot(release):
    """Return the fields a revision keeps (JSON-ready), besides title and body."""
    category = Category.get_or_none(Category.id == release.category_id)
    files = [f.filename for f in release.attachments.order_by(Attachment.id)]
    return kept_data({name: getattr(release, name) for name in COLUMNS}, category, files)


COLUMNS = ("author", "summary", *PRESS_FIELDS, "status", "published_at")


def kept_data(columns, category, filenames):
    """Return a revision's `data` from a release's column values, its category and file names."""
    data = {name: columns.get(name) for name in COLUMNS}
    data |= {"category": category.slug if category else "",
             "category_name": category.name if category else "",
             "published_at": rfc3339(columns.get("published_at")), "attachments": list(filenames)}
    return data


def imported_rows(rows, ids, filenames, actor):
    """Return release_revision rows for releases an import created (the bulk path's first revision)."""
    categories = {c.id: c for c in Category.select()}
    now = utcnow()
    return [{"release": ids[row["public_id"]], "number": row["revision"], "created_at": now,
             "actor_name": actor.label[:64], "via": actor.via, "action": "release_import",
             "title": row["title"], "body_html": row["body_html"],
             "data": json.dumps(kept_data(row, categories.get(row["category"]), files),
                                ensure_ascii=False)}
            for row, files in zip(rows, filenames, strict=True)]


def record(release, actor, action):
    """Keep what the release looks like now as its revision; call inside the save's transaction."""
    return ReleaseRevision.create(
        release=release.id, number=release.revision, actor_name=actor.label[:64],
        via=actor.via, action=action, title=release.title, body_html=release.body_html,
        data=json.dumps(snapshot(release), ensure_ascii=False))


def history(release):
    """Return a release's revisions, newest first."""
    return (ReleaseRevision.select().where(ReleaseRevision.release == release.id)
            .order_by(ReleaseRevision.id.desc()))


def find(release, revision_id):
    """Return one revision of this release by its id, or None."""
    return (ReleaseRevision.select()
            .where(ReleaseRevision.release == release.id, ReleaseRevision.id == revision_id)
            .first())


def data_of(revision):
    """Return a revision's kept fields as a dict."""
    return json.loads(revision.data or "{}")


def forget(release):
    """Delete a release's revisions (the release is being deleted); inside its transaction."""
    ReleaseRevision.delete().where(ReleaseRevision.release == release.id).execute()
