"""Benchmark archives: demo boards of N releases on SQLite or PostgreSQL, built once and cached.

An archive is keyed by its release count and by the code that shapes its rows (the demo seeder and
the search index), and remembers the migrations it was built or upgraded with. A rerun reuses it; a
migration added since is applied to it in place, as `feedserver migrate` does in production (then
planner statistics are refreshed); a change to the seeder, the index code or an applied migration
rebuilds it. A build writes to a temporary name and renames it when complete, so an interrupted
build is never reused.

Usage: python bench/archives.py sqlite|postgres COUNT [--rebuild]   (prints the database URL)
"""
import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BIN, ROOT  # noqa: E402

OUT = ROOT / "bench" / "out" / "archives"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_PREFIX = "feedserver_bench_"
SHAPING = ["feedserver/publishing/demo.py", "feedserver/publishing/demo_text.py", "feedserver/search/index.py"]


def code_version():
    """Return a short hash of the files that decide an archive's rows."""
    digest = hashlib.sha256()
    for path in [ROOT / p for p in SHAPING]:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:10]


def migration_hashes():
    """Return {migration file name: sha256} for the migrations in the tree."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted((ROOT / "feedserver" / "migrations").glob("[0-9]*.py"))}


class Archive:
    """One cached benchmark database: where it lives and how to build it."""

    def __init__(self, engine, count):
        if engine not in ("sqlite", "postgres"):
            raise ValueError(f"unknown engine {engine!r}")
        self.engine, self.count, self.version = engine, count, code_version()
        self.name = f"{engine}-{count}-{self.version}"
        self.attachments = OUT / f"attachments-{count}-{self.version}-{engine}"
        if engine == "sqlite":
            self.path = OUT / f"{self.name}.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            self.dbname = f"{PG_PREFIX}{count}_{self.version}"
            self.url = _pg_url(self.dbname)

    def env(self):
        """Return the FEEDSERVER_* variables that point the app at this archive."""
        return {"FEEDSERVER_DATABASE_URL": self.url,
                "FEEDSERVER_ATTACHMENT_DIR": str(self.attachments)}

    @property
    def record(self):
        """The file that lists the migrations this archive has."""
        return OUT / f"{self.name}.migrations.json"

    def exists(self):
        if self.engine == "sqlite":
            return self.path.exists()
        return self.dbname in _pg_databases()

    def ensure(self, rebuild=False, log=print):
        """Build the archive unless one for this count and code is cached; apply new migrations."""
        OUT.mkdir(parents=True, exist_ok=True)
        if rebuild:
            self.drop()
        if self.exists():
            have = json.loads(self.record.read_text()) if self.record.exists() else None
            now = migration_hashes()
            if have is not None and all(now.get(name) == sha for name, sha in have.items()):
                added = sorted(set(now) - set(have))
                if added:
                    log(f"applying {', '.join(added)} to the cached {self.name}")
                    self._migrate()
                    self.record.write_text(json.dumps(now, indent=1))
                elif self.engine == "postgres":
                    self._migrate(analyze=False)  # an archive built before search/recent.py gets its index
                return self
            log(f"{self.name}: an applied migration changed; rebuilding")
            self.drop()
        self._drop_stale()
        log(f"building {self.name} (once; {self.count:,} releases"
            f"{', a few minutes' if self.count >= 100_000 else ''})")
        if self.engine == "sqlite":
            self._build_sqlite()
        else:
            self._build_postgres()
        self.record.write_text(json.dumps(migration_hashes(), indent=1))
        return self

    def _migrate(self, analyze=True):
        env = {**os.environ, **self.env()}
        subprocess.run([str(BIN / "feedserver"), "migrate"], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        if not analyze:
            return
        if self.engine == "postgres":
            _pg_run(self.url, "ANALYZE")
        else:
            with sqlite3.connect(self.path) as connection:
                connection.execute("ANALYZE")
            connection.close()

    def drop(self):
        self.record.unlink(missing_ok=True)
        if self.engine == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        else:
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
        shutil.rmtree(self.attachments, ignore_errors=True)

    def _seed(self, url):
        shutil.rmtree(self.attachments, ignore_errors=True)
        env = {**os.environ, "FEEDSERVER_DATABASE_URL": url,
               "FEEDSERVER_ATTACHMENT_DIR": str(self.attachments)}
        # migrate again after the load, as an operator would: on PostgreSQL it builds the
        # newest releases' search index (feedserver/search/recent.py), which an empty board has not.
        for args in (["migrate"], ["seed-demo", "--count", str(self.count)], ["migrate"]):
            subprocess.run([str(BIN / "feedserver"), *args], env=env, cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)

    def _build_sqlite(self):
        OUT.mkdir(parents=True, exist_ok=True)
        building = self.path.with_suffix(".building")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{building}{suffix}").unlink(missing_ok=True)
        self._seed(f"sqlite:///{building}")
        # Fold the WAL into the main file before the rename, or the rename loses it.
        connection = sqlite3.connect(building)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        Path(f"{building}-wal").unlink(missing_ok=True)
        Path(f"{building}-shm").unlink(missing_ok=True)
        building.rename(self.path)

    def _build_postgres(self):
        building = self.dbname + "_building"
        _pg_admin(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{building}"')
        self._seed(_pg_url(building))
        # What autovacuum would do within a minute of the bulk load, done now so the
        # planner's statistics do not depend on when the benchmark starts.
        _pg_run(_pg_url(building), "VACUUM ANALYZE")
        _pg_admin(f'ALTER DATABASE "{building}" RENAME TO "{self.dbname}"')

    def _drop_stale(self):
        """Remove archives of the same count and engine built by older code."""
        for old in OUT.glob(f"{self.engine}-{self.count}-*.migrations.json"):
            if old != self.record:
                old.unlink()
        if self.engine == "sqlite":
            for old in OUT.glob(f"sqlite-{self.count}-*.sqlite3*"):
                if not old.name.startswith(self.name):
                    old.unlink()
        else:
            for name in _pg_databases():
                if name.startswith(f"{PG_PREFIX}{self.count}_") and name != self.dbname:
                    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for old in OUT.glob(f"attachments-{self.count}-*-{self.engine}"):
            if old != self.attachments:
                shutil.rmtree(old, ignore_errors=True)


def _pg_url(dbname):
    admin = urlparse(PG_ADMIN_URL)
    return admin._replace(path="/" + dbname).geturl()


def _pg_run(url, sql, fetch=False):
    import psycopg
    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute(sql).fetchall() if fetch else connection.execute(sql)
        return rows if fetch else None


def _pg_admin(sql, fetch=False):
    return _pg_run(PG_ADMIN_URL, sql, fetch)


def _pg_databases():
    return {row[0] for row in _pg_admin("SELECT datname FROM pg_database", fetch=True)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=["sqlite", "postgres"])
    parser.add_argument("count", type=int)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    archive = Archive(args.engine, args.count).ensure(args.rebuild, log=lambda m: print(m, file=sys.stderr))
    print(archive.url)


if __name__ == "__main__":
    main()
