"""A bigram index for Korean search on every database: substring search without a table scan.

Korean has no spaces inside words ("경기도는"), so word-based full-text search misses
"경기도". Each word of a release is stored as overlapping two-character tokens
("z경기 z기도 z도는"); a query word becomes a phrase of its bigrams, which matches
exactly the texts holding it inside one word. The "z" prefix keeps tokens at three
characters, the shortest InnoDB indexes. Each database indexes the tokens with its own
full-text engine: SQLite FTS5, PostgreSQL tsvector + GIN, MariaDB/MySQL FULLTEXT.

The body field also holds the text read from the release's attachments (content/extract.py),
so 내용 search finds a word that is only inside a .hwp or .pdf; a release is reindexed
whenever its files change, in the same transaction.
"""
import re

from feedserver.db import database, is_mysql, is_postgres
from feedserver.models import Attachment

WORD = re.compile(r"[^\W_]+")
FIELDS = ("title", "body", "author")
WEIGHTS = {"title": "A", "body": "B", "author": "C"}
# Characters of attachment text indexed per release: a long annex must not blow PostgreSQL's
# 1 MB tsvector or MariaDB's row; the whole text stays on the attachment for 바로보기.
ATTACHMENT_INDEX_CHARS = 60_000


def grams(text):
    """Return the bigram tokens of a text, word by word."""
    out = []
    for word in WORD.findall((text or "").lower()):
        out.extend("z" + word[i:i + 2] for i in range(len(word) - 1))
    return " ".join(out)


def reindex(releases):
    """Replace the index rows of these releases (call inside the write's transaction)."""
    releases = list(releases)
    if releases:
        remove([r.id for r in releases])
        files = attachment_texts([r.id for r in releases])
        index_rows(database, [(r.id, r.title, with_files(r.body_text, files.get(r.id)), r.author)
                              for r in releases])


def attachment_texts(release_ids):
    """Return {release id: its attachments' text, bounded} for the releases that have any."""
    out = {}
    ids = list(release_ids)
    for start in range(0, len(ids), 500):
        query = (Attachment.select(Attachment.release, Attachment.text)
                 .where(Attachment.release.in_(ids[start:start + 500]), Attachment.text != "")
                 .order_by(Attachment.id).tuples())
        for release_id, text in query:
            before = out.get(release_id, "")
            out[release_id] = (before + "\n" + text)[:ATTACHMENT_INDEX_CHARS]
    return out


def with_files(body_text, files_text):
    """Return the body field the index holds: the body, then the attachments' text."""
    return f"{body_text}\n{files_text}" if files_text else body_text


def index_rows(db, rows):
    """Index (id, title, body_text, author) rows that are not indexed yet."""
    p = db.param
    if is_postgres(db):
        sql = (f"INSERT INTO release_search (release_id, tsv) VALUES ({p}, "
               f"setweight(to_tsvector('simple', {p}), 'A') || setweight(to_tsvector('simple', {p}), 'B')"
               f" || setweight(to_tsvector('simple', {p}), 'C'))")
    elif is_mysql(db):
        sql = (f"INSERT INTO release_search (release_id, title_g, body_g, author_g) "
               f"VALUES ({p}, {p}, {p}, {p})")
    else:
        sql = f"INSERT INTO release_fts (rowid, title, body, author) VALUES ({p}, {p}, {p}, {p})"
    db.cursor().executemany(sql, [(i, grams(t), grams(b), grams(a)) for i, t, b, a in rows])


def remove(ids):
    """Drop the index rows of these release ids."""
    ids = list(ids)
    if not ids:
        return
    marks = ", ".join([database.param] * len(ids))
    if is_postgres() or is_mysql():
        database.execute_sql(f"DELETE FROM release_search WHERE release_id IN ({marks})", ids)
    else:
        database.execute_sql(f"DELETE FROM release_fts WHERE rowid IN ({marks})", ids)
