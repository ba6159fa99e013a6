"""Add the bigram search index (see feedserver/search_index.py) and fill it."""


def up(migrator, db):
    from feedserver.search.index import create_schema, index_rows
    create_schema(db)
    table = db.quote[0] + "release" + db.quote[1]
    last = 0
    while True:
        rows = db.execute_sql(f"SELECT id, title, body_text, author FROM {table} WHERE id > {db.param} "
                              "ORDER BY id LIMIT 2000", (last,)).fetchall()
        if not rows:
            return
        index_rows(db, rows)
        last = rows[-1][0]


def down(migrator, db):
    from feedserver.db import is_mysql, is_postgres
    db.execute_sql("DROP TABLE release_search" if is_postgres(db) or is_mysql(db) else "DROP TABLE release_fts")
