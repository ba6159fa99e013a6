"""Which attachment a 내용 search found a release through, for the rows a list shows."""
from feedserver.models import Attachment, CompiledIn, Slot
from feedserver.search.query import contains, substring

FILE_FIELDS = ("body", "all")  # the fields whose index holds the attachments' text


def matching_files(release_ids, field, q):
    """Return {release id: file name} for shown releases with a file that holds every word of q.

    Asked only for the page's rows (ten or so), never for the whole result, so a substring test
    over their files' text costs little.
    """
    words = q.split()
    ids = list(release_ids)
    if field not in FILE_FIELDS or not words or not ids:
        return {}
    if any(word.lower() != word.upper() for word in words):
        rows = _holding(Attachment.release.in_(ids), words)  # LIKE: built for its escaped words
    else:
        rows = _caseless(len(words)).all(ids, **{f"w{i}": word for i, word in enumerate(words)})
    found = {}
    for release_id, filename in rows:
        found.setdefault(release_id, filename)
    return found


def _holding(among, words):
    """Build the query of (release id, file name) of readable files among these holding every word."""
    query = (Attachment.select(Attachment.release, Attachment.filename)
             .where(among, Attachment.text_state == "readable").order_by(Attachment.id).tuples())
    for word in words:
        query = query.where(contains(Attachment.text, word))
    return query


_CASELESS = {}


def _caseless(count):
    """Return the compiled shape for `count` words without letter case (substring tests): built
    once, where peewee building it each time took a twentieth of a search page."""
    shape = _CASELESS.get(count)
    if shape is None:
        shape = _CASELESS[count] = CompiledIn(lambda ids: _holding(Attachment.release.in_(ids), []).where(
            *[substring(Attachment.text, Slot(f"w{i}")) for i in range(count)]))
    return shape
