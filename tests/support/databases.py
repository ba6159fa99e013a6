"""Test databases: SQLite files under tmp_path, and PostgreSQL/MariaDB when their URLs are set.

Under pytest-xdist (`make test` runs the suite in parallel) each worker has its own server
databases beside the one the URL names ("test_gw0", "test_gw1", ...): a test empties its
database first, which would pull the tables from under a test running in another worker.
"""
import os
from urllib.parse import urlparse

from playhouse.migrations import Runner

from feedserver import create_app
from feedserver.db import database, make_database
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
    if urlparse(url).scheme.startswith("postgres"):
        # An earlier test's background thread (a LISTEN, a worker's) may still be using the
        # schema: DROP SCHEMA then deadlocks with it. End every other session on this database.
        db.execute_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        db.execute_sql("DROP SCHEMA public CASCADE")
        db.execute_sql("CREATE SCHEMA public")
    else:
        db.execute_sql("SET FOREIGN_KEY_CHECKS = 0")
        for (table,) in db.execute_sql("SHOW TABLES").fetchall():
            db.execute_sql(f"DROP TABLE `{table}`")
        db.execute_sql("SET FOREIGN_KEY_CHECKS = 1")
    db.close()


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
