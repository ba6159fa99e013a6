"""Which attachment a 내용 search found a release through, for the rows a list shows."""
from feedserver.models import Attachment
from feedserver.search.query import contains

FILE_FIELDS = ("body", "all")  # the fields whose index holds the attachments' text


def matching_files(release_ids, field, q):
    """Return {release id: file name} for shown releases with a file that holds every word of q.

    Asked only for the page's rows (ten or so), never for the whole result, so LIKE over
    their files' text costs little.
    """
    words = q.split()
    ids = list(release_ids)
    if field not in FILE_FIELDS or not words or not ids:
        return {}
    query = (Attachment.select(Attachment.release, Attachment.filename)
             .where(Attachment.release.in_(ids), Attachment.text_state == "readable")
             .order_by(Attachment.id).tuples())
    for word in words:
        query = query.where(contains(Attachment.text, word))
    found = {}
    for release_id, filename in query:
        found.setdefault(release_id, filename)
    return found
