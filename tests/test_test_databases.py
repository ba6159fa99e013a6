"""The suite's own databases: a test's new database is empty and migrated, whatever the last test left.

Databases are copied from a migrated SQLite file, and server databases are emptied rather than
dropped while their schema is what a fresh migration gives (tests/support/databases.py).
"""
from peewee import SQL, Table

from feedserver.db import database
from feedserver.migrate import MIGRATIONS_DIR
from feedserver.models import Attachment, Category, Release

MIGRATION_NAMES = sorted(path.stem for path in MIGRATIONS_DIR.glob("[0-9]*.py"))


def _fill(app, releases):
    """Write a board, releases and a file as a test would; return the new ids."""
    with app.app_context():
        board = Category.create(slug="fill", name="채우기")
        ids = [Release.create(public_id=f"fill{n}", title=f"제목 {n}", author="경기지기", body_html="<p>본문</p>",
                              body_text="본문", category=board, status="published").id for n in range(releases)]
        Attachment.create(release=ids[0], filename="a.pdf", content_type="application/pdf", size=1,
                          sha256="0" * 64, stored_name="x")
        return board.id, ids


def _state(app):
    """Return (rows per table that has any but the migrations' record, migrations applied)."""
    with app.app_context():
        rows = {table: database.obj.execute_sql(f"SELECT COUNT(*) FROM {_quoted(table)}").fetchone()[0]
                for table in database.obj.get_tables() if table != "schema_migration"
                and not table.startswith("release_fts_")}  # SQLite FTS5's own bookkeeping
        applied = sorted(name for (name,) in Table("schema_migration").bind(database.obj)
                         .select(SQL("name")).tuples())
        return {table: n for table, n in rows.items() if n}, applied


def _quoted(table):
    return f"`{table}`" if database.obj.__class__.__name__.startswith("MySQL") else f'"{table}"'


def test_each_new_database_is_empty_and_migrated_and_numbers_from_one(db_app, tmp_path, databases):
    backend = db_app.config["BACKEND"]
    first_board, first_ids = _fill(db_app, 3)
    assert _state(db_app)[0]  # rows were written

    for round_ in (1, 2):
        app = databases.build_app(tmp_path / f"again{round_}", databases.fresh_url(backend, tmp_path / f"a{round_}"))
        assert _state(app) == ({}, MIGRATION_NAMES)
        # Ids start where a new database starts them: tests may rely on the first row being 1.
        assert _fill(app, 2) == (first_board, first_ids[:2])


def test_a_changed_schema_is_dropped_and_migrated_again(db_app, tmp_path, databases):
    backend = db_app.config["BACKEND"]
    with db_app.app_context():
        # As a migration test leaves it: an index gone, a table more.
        database.obj.execute_sql("DROP INDEX release_published_at_id_status"
                                 + (" ON `release`" if backend == "mysql" else ""))
        database.obj.execute_sql("CREATE TABLE leftover (id INTEGER PRIMARY KEY)")
    app = databases.build_app(tmp_path / "again", databases.fresh_url(backend, tmp_path / "a"))
    with app.app_context():
        tables = database.obj.get_tables()
        indexes = [index.name for index in database.obj.get_indexes("release")]
    assert "leftover" not in tables
    assert "release_published_at_id_status" in indexes
    assert _state(app) == ({}, MIGRATION_NAMES)
