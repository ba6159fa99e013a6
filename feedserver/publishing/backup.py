"""`feedserver backup` and `feedserver restore`: a consistent copy while the site serves."""
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import click
from flask import current_app
from flask.cli import with_appcontext

from feedserver.content.storage import attachment_dir
from feedserver.db import database
from feedserver.models import FeedState, utcnow


def _sqlite_path(url):
    return url[len("sqlite:///"):] if url.startswith("sqlite:///") else None


def backup_to(folder):
    """Copy the database (online) and the attachment files into folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    url = current_app.config["DATABASE_URL"]
    path = _sqlite_path(url)
    if path:
        # SQLite's online backup copies a consistent snapshot while writers go on.
        with sqlite3.connect(path) as source, sqlite3.connect(folder / "feedserver.sqlite3") as target:
            source.backup(target, pages=1024)
    elif urlparse(url).scheme.startswith("postgres"):
        subprocess.run(["pg_dump", "--format=custom", "--file", str(folder / "feedserver.pgdump"), url],
                       check=True)
    else:
        raise click.ClickException("MariaDB: use mariadb-dump --single-transaction (see README).")
    # Attachments are written under fresh names and never changed, so a copy
    # taken after the database snapshot holds every file the snapshot names.
    files = folder / "attachments"
    shutil.copytree(attachment_dir(), files, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.part"))
    return folder


def restore_from(folder):
    """Replace the database and attachments with a backup taken by backup_to."""
    folder = Path(folder)
    url = current_app.config["DATABASE_URL"]
    path = _sqlite_path(url)
    seen = {state.key: state.version for state in FeedState.select()}
    database.close()
    if path:
        with sqlite3.connect(folder / "feedserver.sqlite3") as source, sqlite3.connect(path) as target:
            source.backup(target)
    elif urlparse(url).scheme.startswith("postgres"):
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "-d", url,
                        str(folder / "feedserver.pgdump")], check=True)
    else:
        raise click.ClickException("MariaDB: restore with mariadb < dump.sql (see README).")
    shutil.copytree(folder / "attachments", attachment_dir(), dirs_exist_ok=True)
    _move_states_past(seen)


def _move_states_past(seen):
    """Give every restored feed state a version no running instance has cached content for.

    Caches are keyed by state version: a restored, older version followed by a write would
    land on a version whose kept pages and feeds show what the restore undid.
    """
    now = utcnow()
    with database.atomic():
        for state in FeedState.select():
            version = max(state.version, seen.get(state.key, 0)) + 1
            FeedState.update(version=version, changed_at=now).where(FeedState.key == state.key).execute()


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False))
@with_appcontext
def backup_command(folder):
    """Write a consistent backup of the database and attachments to FOLDER."""
    backup_to(folder)
    click.echo(f"백업을 만들었습니다: {folder}")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(folder, yes):
    """Replace the current data with the backup in FOLDER."""
    if not yes:
        click.confirm("현재 데이터를 백업으로 바꿉니다. 계속할까요?", abort=True)
    restore_from(folder)
    click.echo("복원을 마쳤습니다.")


def init_app(app):
    """Register the commands."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
