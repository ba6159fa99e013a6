"""Database lifecycle: URL -> peewee database, per-request connections, pragmas."""
from pathlib import Path
from urllib.parse import urlparse

from peewee import DatabaseProxy, MySQLDatabase, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect as connect_url

from feedserver import pools

database = DatabaseProxy()
_writes = [0, 0]  # this process's writes to what pages show, and view counts (caching/changes.py)


def note_write(views=False):
    """Count a write to what public pages show, for this process's memos to drop at once.

    PostgreSQL tells other processes by NOTIFY when the write commits; the writer's own
    process should not wait for that to read its own write. views: the write only added a
    view, which moves the counts pages show but not their state token.
    """
    _writes[1 if views else 0] += 1


def local_writes():
    """Return (content writes, view-count writes) note_write() counted in this process."""
    return _writes[0], _writes[1]


def sqlite_url(instance_path):
    """Return the default SQLite URL inside the instance folder."""
    return "sqlite:///" + str(Path(instance_path) / "feedserver.sqlite3")


def make_database(url, pool_size=8, busy_timeout_ms=5000):
    """Build a peewee database for a sqlite://, postgresql:// or mysql:// URL."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        path = url[len("sqlite:///"):]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteDatabase(path, timeout=busy_timeout_ms / 1000, pragmas={
            "journal_mode": "wal",
            "busy_timeout": busy_timeout_ms,
            "foreign_keys": 1,
            "synchronous": "normal",
            "cache_size": -8000,  # 8 MB per connection: hot index pages; the OS caches the rest
        })
    if scheme not in pools.SCHEMES:
        raise ValueError(f"unsupported database URL scheme: {scheme!r}")
    given, url = url, pools.SCHEMES[scheme] + url[len(scheme):]
    options = {"max_connections": pool_size, "stale_timeout": 300, "timeout": 10}
    if scheme in ("mysql", "mariadb"):
        options["charset"] = "utf8mb4"
        # READ COMMITTED, as PostgreSQL does: InnoDB's default REPEATABLE READ takes
        # gap locks that deadlock concurrent inserts into unique indexes.
        options["init_command"] = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"
    db = connect_url(url, **options)
    db.feedserver_url = given  # what caching/changes.py LISTENs on
    return db


def libpq_url(url):
    """Return a postgresql:// URL libpq accepts (the configured one may say postgres://)."""
    return "postgresql://" + url.split("://", 1)[1]


def _target(db):
    return database.obj if db is None else getattr(db, "obj", db)


def is_sqlite(db=None):
    """Tell whether the bound (or given) database, or database class, is SQLite."""
    target = db if isinstance(db, type) else type(_target(db))
    return issubclass(target, SqliteDatabase)


def is_mysql(db=None):
    """Tell whether the database (default: the bound one) speaks MySQL/MariaDB."""
    return isinstance(_target(db), MySQLDatabase)


def is_postgres(db=None):
    """Tell whether the database (default: the bound one) is PostgreSQL."""
    return isinstance(_target(db), PostgresqlDatabase)


def init_app(app):
    """Bind the configured database and open/close connections per request."""
    url = app.config["DATABASE_URL"] or sqlite_url(app.instance_path)
    app.config["DATABASE_URL"] = url
    database.initialize(make_database(
        url, app.config["DATABASE_POOL_SIZE"], app.config["SQLITE_BUSY_TIMEOUT_MS"]))

    keep_open = isinstance(database.obj, SqliteDatabase)

    @app.teardown_appcontext
    def _close(exc):
        # A SQLite connection is a cheap file handle: keep one per thread rather
        # than paying for connect and pragmas on every request. Pooled servers
        # get theirs back into the pool.
        if database.is_closed():
            return
        if keep_open and exc is None and not database.in_transaction():
            return
        database.close()
