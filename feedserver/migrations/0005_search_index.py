"""Add the bigram search index and fill it.

A frozen copy of what this migration needs (the schema and the bigram tokens as they were
when it was written): later changes to feedserver/search/index.py must not change what an
old database gets when it migrates.
"""
import re

from peewee import MySQLDatabase, PostgresqlDatabase

WORD = re.compile(r"[^\W_]+")


def _grams(text):
    out = []
    for word in WORD.findall((text or "").lower()):
        out.extend("z" + word[i:i + 2] for i in range(len(word) - 1))
    return " ".join(out)


def _kind(db):
    return "pg" if isinstance(db, PostgresqlDatabase) else "my" if isinstance(db, MySQLDatabase) else "lite"


def _create_schema(db):
    kind = _kind(db)
    if kind == "pg":
        db.execute_sql("CREATE TABLE release_search (release_id BIGINT PRIMARY KEY "
                       "REFERENCES release (id) ON DELETE CASCADE, tsv TSVECTOR NOT NULL)")
        db.execute_sql("CREATE INDEX release_search_tsv ON release_search USING GIN (tsv)")
    elif kind == "my":
        db.execute_sql(
            "CREATE TABLE release_search (release_id INTEGER PRIMARY KEY, title_g TEXT NOT NULL, "
            "body_g MEDIUMTEXT NOT NULL, author_g TEXT NOT NULL, "
            "FULLTEXT (title_g), FULLTEXT (body_g), FULLTEXT (author_g), "
            "FULLTEXT (title_g, body_g, author_g), "
            "FOREIGN KEY (release_id) REFERENCES `release` (id) ON DELETE CASCADE"
            ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
    else:
        db.execute_sql("CREATE VIRTUAL TABLE release_fts USING fts5("
                       "title, body, author, tokenize = 'unicode61 remove_diacritics 0')")


def _index_rows(db, rows):
    p, kind = db.param, _kind(db)
    if kind == "pg":
        sql = (f"INSERT INTO release_search (release_id, tsv) VALUES ({p}, "
               f"setweight(to_tsvector('simple', {p}), 'A') || setweight(to_tsvector('simple', {p}), 'B')"
               f" || setweight(to_tsvector('simple', {p}), 'C'))")
    elif kind == "my":
        sql = (f"INSERT INTO release_search (release_id, title_g, body_g, author_g) "
               f"VALUES ({p}, {p}, {p}, {p})")
    else:
        sql = f"INSERT INTO release_fts (rowid, title, body, author) VALUES ({p}, {p}, {p}, {p})"
    db.cursor().executemany(sql, [(i, _grams(t), _grams(b), _grams(a)) for i, t, b, a in rows])


def up(migrator, db):
    _create_schema(db)
    table = db.quote[0] + "release" + db.quote[1]
    last = 0
    while True:
        rows = db.execute_sql(f"SELECT id, title, body_text, author FROM {table} WHERE id > {db.param} "
                              "ORDER BY id LIMIT 2000", (last,)).fetchall()
        if not rows:
            return
        _index_rows(db, rows)
        last = rows[-1][0]


def down(migrator, db):
    db.execute_sql("DROP TABLE release_fts" if _kind(db) == "lite" else "DROP TABLE release_search")
