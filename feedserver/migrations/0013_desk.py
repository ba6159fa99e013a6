"""The press office's desk: who wrote a release, why it was withdrawn, and review before publishing.

release.created_by names the writer (editors withdraw or edit only their own releases);
release.withdrawn_at / withdraw_reason are shown on the public 410 page; release.review_state
('' / 'pending' / 'returned') and review_note carry a release through review; and
category.review_required makes a board's editors submit for review instead of publishing.
Existing releases get their writer from the audit log's release_create entries, and withdrawn
ones their last change as the time of withdrawal.
"""
from peewee import (
    SQL,
    BooleanField,
    IntegerField,
    MySQLDatabase,
    Table,
)

from feedserver.models.base import UTCDateTimeField

# Defaults kept in the database too: the demo seeder and bulk paths insert rows with raw SQL.
FALSE = [SQL("DEFAULT FALSE")]


def add_empty_text(db, table, name, sql_type):
    """Add a NOT NULL column that defaults to '' in one statement, without rewriting the table.

    peewee's add_column adds it nullable, fills it, then sets NOT NULL, which on SQLite copies
    the whole table (minutes per column for a 1,000,000-release board) and on MariaDB drops the
    default. One ALTER TABLE ... NOT NULL DEFAULT '' is instant on SQLite, PostgreSQL 11+ and
    MariaDB 10.3+.
    """
    q = db.quote
    db.execute_sql(f"ALTER TABLE {q[0]}{table}{q[1]} ADD COLUMN {q[0]}{name}{q[1]} {sql_type} "
                   f"NOT NULL DEFAULT ''")


def up(migrator, db):
    for name, sql_type in (("withdraw_reason", "TEXT"), ("review_state", "VARCHAR(16)"),
                           ("review_note", "TEXT")):
        add_empty_text(db, "release", name, sql_type)
    migrator.migrate(
        migrator.add_column("release", "created_by_id", IntegerField(null=True)),
        migrator.add_column("release", "withdrawn_at", UTCDateTimeField(null=True)),
        migrator.add_column("category", "review_required",
                            BooleanField(default=False, constraints=FALSE)),
        migrator.add_index("release", ("review_state",), False),
        migrator.add_index("release", ("created_by_id",), False),
    )
    if isinstance(db, MySQLDatabase):  # its NOT NULL step (MODIFY COLUMN) dropped the default
        db.execute_sql("ALTER TABLE category ALTER COLUMN review_required SET DEFAULT 0")
    release = Table("release", ("id", "public_id", "status", "updated_at", "created_by_id",
                                "withdrawn_at")).bind(db)
    audit = Table("audit_entry", ("id", "actor_id", "action", "target")).bind(db)
    (release.update(withdrawn_at=release.updated_at)
     .where(release.status == "withdrawn").execute())
    writers = audit.select(audit.target, audit.actor_id).where(
        audit.action == "release_create", audit.actor_id.is_null(False)).order_by(audit.id)
    for row in list(writers.dicts()):
        public_id = (row["target"] or "").removeprefix("release:")
        (release.update(created_by_id=row["actor_id"])
         .where(release.public_id == public_id, release.created_by_id.is_null()).execute())


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("release", "release_created_by_id"),
        migrator.drop_index("release", "release_review_state"),
        migrator.drop_column("category", "review_required"),
        migrator.drop_column("release", "review_note"),
        migrator.drop_column("release", "review_state"),
        migrator.drop_column("release", "withdraw_reason"),
        migrator.drop_column("release", "withdrawn_at"),
        migrator.drop_column("release", "created_by_id"),
    )
