"""PostgreSQL: a release's view count moving notifies "views", not a change of what pages show.

Every reader's first view is an UPDATE of release.view_count. Under migration 0019 it notified
like an edit, so every app process dropped its memo of the state token and the next request
(a poll, a page) read the state again: on a busy release page, one query per view. Now the
release trigger fires on UPDATE OF every column but view_count, and a second trigger on
UPDATE OF view_count notifies with the payload "views", which moves only filled view counts
(caching/changes.py). A later migration that adds a release column runs quiet_views(db) again
(tests/caching/test_changes.py checks that every column is covered). Other databases: nothing.
"""
from feedserver.db import is_postgres

COUNT_COLUMN = "view_count"


def up(migrator, db):
    if is_postgres(db):
        quiet_views(db)


def quiet_views(db):
    """(Re)create release's two statement triggers: content changes, and view counts alone."""
    columns = [name for (name,) in db.execute_sql(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'release' ORDER BY ordinal_position").fetchall() if name != COUNT_COLUMN]
    listed = ", ".join(f'"{name}"' for name in columns)
    db.execute_sql(
        "CREATE OR REPLACE FUNCTION feedserver_viewed() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('feedserver_changed', 'views'); RETURN NULL; END $$")
    db.execute_sql('DROP TRIGGER IF EXISTS "release_changed" ON "release"')
    db.execute_sql('DROP TRIGGER IF EXISTS "release_viewed" ON "release"')
    db.execute_sql(f'CREATE TRIGGER "release_changed" AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF {listed} '
                   'ON "release" FOR EACH STATEMENT EXECUTE FUNCTION feedserver_changed()')
    db.execute_sql(f'CREATE TRIGGER "release_viewed" AFTER UPDATE OF "{COUNT_COLUMN}" '
                   'ON "release" FOR EACH STATEMENT EXECUTE FUNCTION feedserver_viewed()')


def down(migrator, db):
    if not is_postgres(db):
        return
    db.execute_sql('DROP TRIGGER IF EXISTS "release_viewed" ON "release"')
    db.execute_sql('DROP TRIGGER IF EXISTS "release_changed" ON "release"')
    db.execute_sql('CREATE TRIGGER "release_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                   'ON "release" FOR EACH STATEMENT EXECUTE FUNCTION feedserver_changed()')
    db.execute_sql("DROP FUNCTION IF EXISTS feedserver_viewed()")
