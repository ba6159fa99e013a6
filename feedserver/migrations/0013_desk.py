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
    CharField,
    IntegerField,
    MySQLDatabase,
    Table,
    TextField,
)

from feedserver.models.base import UTCDateTimeField

# Defaults kept in the database too: the demo seeder and bulk paths insert rows with raw SQL.
EMPTY, FALSE = [SQL("DEFAULT ''")], [SQL("DEFAULT FALSE")]


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("release", "created_by_id", IntegerField(null=True)),
        migrator.add_column("release", "withdrawn_at", UTCDateTimeField(null=True)),
        migrator.add_column("release", "withdraw_reason", TextField(default="", constraints=EMPTY)),
        migrator.add_column("release", "review_state",
                            CharField(max_length=16, default="", constraints=EMPTY)),
        migrator.add_column("release", "review_note", TextField(default="", constraints=EMPTY)),
        migrator.add_column("category", "review_required",
                            BooleanField(default=False, constraints=FALSE)),
        migrator.add_index("release", ("review_state",), False),
        migrator.add_index("release", ("created_by_id",), False),
    )
    if isinstance(db, MySQLDatabase):  # its NOT NULL step (MODIFY COLUMN) dropped the defaults
        db.execute_sql("ALTER TABLE `release` ALTER COLUMN withdraw_reason SET DEFAULT '', "
                       "ALTER COLUMN review_state SET DEFAULT '', ALTER COLUMN review_note SET DEFAULT ''")
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
