"""A bigram index for Korean search on every database: substring search without a table scan.

Korean has no spaces inside words ("경기도는"), so word-based full-text search misses
"경기도". Each word of a release is stored as overlapping two-character tokens
("z경기 z기도 z도는"); a query word becomes a phrase of its bigrams, which matches
exactly the texts holding it inside one word. The "z" prefix keeps tokens at three
characters, the shortest InnoDB indexes. Each database indexes the tokens with its own
full-text engine: SQLite FTS5, PostgreSQL tsvector + GIN, MariaDB/MySQL FULLTEXT.
"""
import re

from feedserver.db import database, is_mysql, is_postgres

WORD = re.compile(r"[^\W_]+")
FIELDS = ("title", "body", "author")
WEIGHTS = {"title": "A", "body": "B", "author": "C"}


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
        index_rows(database, [(r.id, r.title, r.body_text, r.author) for r in releases])


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
