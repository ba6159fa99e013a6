"""Read the text of attachments stored before extraction existed (migration 0014 left them "")."""
from feedserver.content import extract
from feedserver.content.storage import attachment_dir
from feedserver.db import database
from feedserver.models import Attachment, Release, bump_feed_state
from feedserver.search import index as search_index

BATCH = 100


def extract_pending(progress=None):
    """Extract every attachment not yet read, reindex its release, bump its board; return the count."""
    done = 0
    while True:
        files = list(Attachment.select().where(Attachment.text_state == "")
                     .order_by(Attachment.id).limit(BATCH))
        if not files:
            return done
        results = [(f.id, *_read(f)) for f in files]
        with database.atomic():
            for file_id, state, text in results:
                Attachment.update(text=text, text_state=state).where(Attachment.id == file_id).execute()
            releases = list(Release.select().where(Release.id.in_({f.release_id for f in files})))
            search_index.reindex(releases)
            # Cached release pages learn of their new 바로보기 links; lists of their new matches.
            bump_feed_state({r.category_id for r in releases})
        done += len(files)
        if progress:
            progress(len(files))


def _read(file):
    """Return (state, text) of a stored file; one whose bytes are gone is unreadable."""
    try:
        data = (attachment_dir() / file.stored_name).read_bytes()
    except OSError:
        return extract.UNREADABLE, ""
    return extract.extract(file.filename, data)
