"""PostgreSQL: a write to what public pages show notifies the channel `feedserver_changed`.

Every app process listens (caching/changes.py) and counts the notifications; while its listener
is live, the count stands in for SQLite's PRAGMA data_version, so a warm feed poll skips its
state query. Triggers fire per statement, and PostgreSQL delivers a transaction's identical
notifications once, at commit. Other databases: nothing to do.
"""
from feedserver.db import is_postgres

TABLES = ("release", "category", "feed_state", "attachment")


def up(migrator, db):
    if not is_postgres(db):
        return
    db.execute_sql(
        "CREATE OR REPLACE FUNCTION feedserver_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('feedserver_changed', ''); RETURN NULL; END $$")
    for table in TABLES:
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{table}_changed" ON "{table}"')
        db.execute_sql(f'CREATE TRIGGER "{table}_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                       f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION feedserver_changed()')


def down(migrator, db):
    if not is_postgres(db):
        return
    for table in TABLES:
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{table}_changed" ON "{table}"')
    db.execute_sql("DROP FUNCTION IF EXISTS feedserver_changed()")
