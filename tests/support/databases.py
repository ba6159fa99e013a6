"""Test databases: SQLite files under tmp_path, and PostgreSQL/MariaDB when their URLs are set.

Under pytest-xdist (`make test` runs the suite in parallel) each worker has its own server
databases beside the one the URL names ("test_gw0", "test_gw1", ...): a test empties its
database first, which would pull the tables from under a test running in another worker.

Migrating costs more than most tests (0.1 s on SQLite, 0.3 s on PostgreSQL, 0.7 s on MariaDB, of
a suite that runs ~1,500 of them): a test's new database is a copy of one migrated SQLite file,
and a server database still at the schema a fresh migration gives is emptied rather than dropped.
"""
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from playhouse.migrations import Runner

from feedserver import create_app
from feedserver.db import database, is_postgres, make_database
from feedserver.migrate import MIGRATIONS_DIR, migrate

GIVEN_URLS = {
    "postgresql": os.environ.get("FEEDSERVER_TEST_POSTGRES_URL", ""),
    "mysql": os.environ.get("FEEDSERVER_TEST_MYSQL_URL", ""),
}
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _own(url):
    """Return url naming this xdist worker's own database (url itself outside xdist)."""
    if not url or not WORKER:
        return url
    parts = urlparse(url)
    return parts._replace(path=f"{parts.path}_{WORKER}").geturl()


SERVER_URLS = {name: _own(url) for name, url in GIVEN_URLS.items()}
BACKENDS = ["sqlite"] + [name for name, url in SERVER_URLS.items() if url]
IN_CI = os.environ.get("CI", "").lower() == "true"


def reset_server_database(url):
    """Drop every table of a PostgreSQL or MariaDB test database."""
    db = make_database(url, pool_size=1)
    db.connect()
    if is_postgres(db):
        _end_other_sessions(db)
        db.execute_sql("DROP SCHEMA public CASCADE")
        db.execute_sql("CREATE SCHEMA public")
    else:
        db.execute_sql("SET FOREIGN_KEY_CHECKS = 0")
        for (table,) in db.execute_sql("SHOW TABLES").fetchall():
            db.execute_sql(f"DROP TABLE `{table}`")
        db.execute_sql("SET FOREIGN_KEY_CHECKS = 1")
    db.close()


# url -> the schema fingerprint a fresh migration gave there (this process's, per server database)
_MIGRATED = {}
_SQLITE_TEMPLATE = []


def fresh_url(name, tmp_path):
    """Return a URL on one backend whose database build_app() finds empty and migrated (or empty)."""
    if name == "sqlite":
        return backend_url(name, tmp_path)  # build_app copies a migrated file there
    url = SERVER_URLS[name]
    db = make_database(url, pool_size=1)
    db.connect()
    try:
        _end_other_sessions(db)
        known = _MIGRATED.get(url)
        if known is not None and known == _fingerprint(db):
            _empty_tables(db)
            return url
    finally:
        db.close()
    reset_server_database(url)
    _migrate_bare(url)
    return url


def _migrate_bare(url):
    """Migrate an empty server database and remember the schema that gave."""
    db = make_database(url, pool_size=1)
    db.connect()
    try:
        Runner(db, directory=str(MIGRATIONS_DIR)).up()
        _MIGRATED[url] = _fingerprint(db)
    finally:
        db.close()


def _copy_migrated_sqlite(path):
    """Put a copy of a migrated SQLite file at path (migrated once per process)."""
    if path.exists():
        return
    if not _SQLITE_TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="feedserver-migrated-")) / "migrated.sqlite3"
        db = make_database("sqlite:///" + str(template))
        db.connect()
        Runner(db, directory=str(MIGRATIONS_DIR)).up()
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the file itself
        db.close()
        _SQLITE_TEMPLATE.append(template)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_SQLITE_TEMPLATE[0], path)


def _end_other_sessions(db):
    """End PostgreSQL sessions an earlier test left on this database (a LISTEN, a worker's):
    they would hold locks that DROP SCHEMA or TRUNCATE waits for, or deadlocks with."""
    if is_postgres(db):
        db.execute_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")


# Tables, columns, indexes, triggers and the migrations applied: what a test could have changed.
_PG_SCHEMA = """
SELECT 'c', table_name::text, column_name::text, data_type::text || is_nullable || coalesce(column_default, '')
  FROM information_schema.columns WHERE table_schema = 'public'
UNION ALL SELECT 'i', tablename::text, indexname::text, indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL SELECT 't', event_object_table::text, trigger_name::text, event_manipulation::text
  FROM information_schema.triggers WHERE trigger_schema = 'public'
UNION ALL SELECT 'p', '', proname::text, md5(prosrc) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE nspname = 'public'
"""
_MY_SCHEMA = """
SELECT 'c', table_name, column_name, concat(column_type, is_nullable, coalesce(column_default, ''))
  FROM information_schema.columns WHERE table_schema = DATABASE()
UNION ALL SELECT 'i', table_name, index_name, concat(seq_in_index, column_name, non_unique)
  FROM information_schema.statistics WHERE table_schema = DATABASE()
UNION ALL SELECT 't', event_object_table, trigger_name, event_manipulation
  FROM information_schema.triggers WHERE trigger_schema = DATABASE()
"""


def _fingerprint(db):
    """Return a digest of the database's schema and applied migrations."""
    rows = sorted(tuple(str(v) for v in row) for row in
                  db.execute_sql(_PG_SCHEMA if is_postgres(db) else _MY_SCHEMA).fetchall())
    if "schema_migration" in db.get_tables():
        rows += sorted(("m", name) for (name,) in db.execute_sql("SELECT name FROM schema_migration").fetchall())
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _empty_tables(db):
    """Delete every row but the migrations' record, numbering from 1 again."""
    tables = [t for t in db.get_tables() if t != "schema_migration"]
    if is_postgres(db):
        db.execute_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        return
    db.execute_sql("SET FOREIGN_KEY_CHECKS = 0")
    try:
        numbered = dict(db.execute_sql(
            "SELECT table_name, auto_increment FROM information_schema.tables "
            "WHERE table_schema = DATABASE()").fetchall())
        for table in tables:
            if (numbered.get(table) or 1) > 1:
                db.execute_sql(f"TRUNCATE TABLE `{table}`")  # also numbers from 1 again
            else:
                db.execute_sql(f"DELETE FROM `{table}`")
    finally:
        db.execute_sql("SET FOREIGN_KEY_CHECKS = 1")


def create_own_databases():
    """Create this xdist worker's databases on the servers the given URLs name, if missing."""
    for name, url in SERVER_URLS.items():
        if not url or url == GIVEN_URLS[name]:
            continue
        own = urlparse(url).path.lstrip("/")
        db = make_database(GIVEN_URLS[name], pool_size=1)
        db.connect()
        try:
            if name == "postgresql":
                if not db.execute_sql("SELECT 1 FROM pg_database WHERE datname = %s", (own,)).fetchone():
                    db.execute_sql(f'CREATE DATABASE "{own}"')
            else:
                db.execute_sql(f"CREATE DATABASE IF NOT EXISTS `{own}` CHARACTER SET utf8mb4")
        finally:
            db.close()
            db.close_all()


def close_database():
    """Close the bound database and every pooled connection."""
    obj = database.obj
    if obj is None:
        return
    if not obj.is_closed():
        obj.close()
    if hasattr(obj, "close_all"):
        obj.close_all()


def build_app(tmp_path, url, **extra):
    """Create a migrated app on `url` with files under tmp_path."""
    close_database()
    if url.startswith("sqlite:///"):
        _copy_migrated_sqlite(Path(url[len("sqlite:///"):]))
    config = {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret",
              "ATTACHMENT_DIR": str(tmp_path / "attachments"), "BASE_URL": "",
              "WTF_CSRF_ENABLED": True,
              # No background writer: a test flushes the audience counters when it means to.
              "AUDIENCE_FLUSH_SECONDS": 0, **extra}
    app = create_app(config)
    with app.app_context():
        migrate()
    return app


def backend_url(name, tmp_path):
    """Return a fresh database URL on one backend: a new SQLite file, or an emptied server database."""
    if name == "sqlite":
        return "sqlite:///" + str(tmp_path / "test.sqlite3")
    reset_server_database(SERVER_URLS[name])
    return SERVER_URLS[name]


def app_at_migration(backend, tmp_path, target):
    """Return (app, runner): a fresh database on `backend` migrated up to `target` only.

    Use the runner inside app.app_context() to apply the migration under test (runner.up()).
    """
    close_database()
    folder = tmp_path / "before"
    folder.mkdir(exist_ok=True)
    app = create_app({"TESTING": True, "DATABASE_URL": backend_url(backend, folder),
                      "SECRET_KEY": "test-secret", "ATTACHMENT_DIR": str(tmp_path / "attachments")})
    with app.app_context():
        runner = Runner(database.obj, directory=str(MIGRATIONS_DIR))
        runner.up(target)
    return app, runner
