"""Apply numbered schema migrations from feedserver/migrations."""
from pathlib import Path

from playhouse.migrations import Runner

from feedserver.db import database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def migrate():
    """Apply every pending migration and return the names applied."""
    return Runner(database.obj, directory=str(MIGRATIONS_DIR)).up()
