"""The revision history: a copy of the release after every save, kept in the save's transaction."""
import json

from feedserver.models import Attachment, Category, ReleaseRevision
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
    data = {name: getattr(release, name) for name in ("author", "summary", *PRESS_FIELDS)}
    category = Category.get_or_none(Category.id == release.category_id)
    data |= {"category": category.slug if category else "",
             "category_name": category.name if category else "",
             "status": release.status, "published_at": rfc3339(release.published_at),
             "attachments": [f.filename for f in release.attachments.order_by(Attachment.id)]}
    return data


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
