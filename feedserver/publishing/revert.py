"""Restore an earlier revision's content: a save like any other, so it is a new revision."""
from feedserver.models import Category
from feedserver.publishing import revisions
from feedserver.publishing.press_fields import NAMES as PRESS_FIELDS
from feedserver.publishing.releases import update_release

# What a restore brings back: the content. The publication state (status, time) stays as it
# is now, and attachments stay: a removed file is gone, and the history lists its name only.
# The public 정정 note stays too: readers were told of a correction, and a restore is one more
# change (the editor writes a new note if it needs one).
RESTORED_TEXT = ("author", "summary", *(name for name in PRESS_FIELDS if name != "correction"))


def restore_revision(release, revision, actor):
    """Make the release's content what it was in `revision`; return False if already so."""
    data = revisions.data_of(revision)
    fields = {"title": revision.title, "body_html": revision.body_html}
    fields |= {name: data[name] for name in RESTORED_TEXT if name in data}
    category = Category.get_or_none(Category.slug == data.get("category"))
    if category is not None:  # a board deleted since is not brought back
        fields["category"] = category
    return update_release(release, fields, actor, action="release_revert")
