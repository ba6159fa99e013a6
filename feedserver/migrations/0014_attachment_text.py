"""Attachments keep the text read from them when stored, for 바로보기 and 내용 search.

attachment.text holds the extracted text (MEDIUMTEXT on MariaDB, whose TEXT stops at 64 KB);
attachment.text_state says "readable", "unreadable", "none" (not a text format), or "" for
files stored before this migration, which `feedserver migrate` reads right after migrating
(and `feedserver extract-attachments` at any time).
Both columns go in with one ALTER TABLE ... NOT NULL DEFAULT '' each, as in 0012/0013.
"""
from peewee import MySQLDatabase


def up(migrator, db):
    q = db.quote
    text_type = "MEDIUMTEXT" if isinstance(db, MySQLDatabase) else "TEXT"
    for name, sql_type in (("text", text_type), ("text_state", "VARCHAR(16)")):
        db.execute_sql(f"ALTER TABLE {q[0]}attachment{q[1]} ADD COLUMN {q[0]}{name}{q[1]} "
                       f"{sql_type} NOT NULL DEFAULT ''")


def down(migrator, db):
    migrator.migrate(migrator.drop_column("attachment", "text_state"),
                     migrator.drop_column("attachment", "text"))
