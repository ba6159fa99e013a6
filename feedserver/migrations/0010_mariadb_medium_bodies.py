"""MariaDB: release bodies in MEDIUMTEXT (16 MB), so the 1 MiB body limit holds on every database.

TEXT holds 65,535 bytes on MariaDB: a press release with a pasted table passes that easily.
SQLite and PostgreSQL text has no such limit; nothing changes there.
"""
from peewee import MySQLDatabase


def up(migrator, db):
    if isinstance(db, MySQLDatabase):
        db.execute_sql("ALTER TABLE `release` MODIFY body_html MEDIUMTEXT NOT NULL, "
                       "MODIFY body_text MEDIUMTEXT NOT NULL")


def down(migrator, db):
    if isinstance(db, MySQLDatabase):
        db.execute_sql("ALTER TABLE `release` MODIFY body_html TEXT NOT NULL, "
                       "MODIFY body_text TEXT NOT NULL")
