"""Korean press-release fields, 공공누리 licence types, corrections, and the revision history.

release: 담당부서, 담당자, 연락처 (phone, e-mail), 보도시점, a KOGL type (NULL: the board's
default), a public correction note with its time, and content_changed_at, the last change
readers could see after publication (수정일, the feeds' `updated`).
category: the board's default KOGL type (1: 출처표시).
release_revision: a copy of what every save left, for the history, diffs and restores.
Only new columns and a new table: it applies on top of 0010 alone or beside 0011/0013/0014.
"""
from peewee import (
    SQL,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    MySQLDatabase,
    TextField,
)

# Database-level defaults too: rows inserted by hand (the demo seeder, other columns' migrations)
# that do not name the new columns still get them.
EMPTY = [SQL("DEFAULT ''")]


def _text(length):
    return CharField(max_length=length, default="", constraints=EMPTY)


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("release", "department", _text(100)),
        migrator.add_column("release", "contact_person", _text(50)),
        migrator.add_column("release", "contact_phone", _text(30)),
        migrator.add_column("release", "contact_email", _text(254)),
        migrator.add_column("release", "embargo_text", _text(100)),
        migrator.add_column("release", "kogl_type", IntegerField(null=True)),
        migrator.add_column("release", "correction", TextField(default="", constraints=EMPTY)),
        migrator.add_column("release", "corrected_at", DateTimeField(null=True)),
        migrator.add_column("release", "content_changed_at", DateTimeField(null=True)),
        migrator.add_column("category", "kogl_type",
                            IntegerField(default=1, constraints=[SQL("DEFAULT 1")])),
    )

    if isinstance(db, MySQLDatabase):  # peewee's NOT NULL step (MODIFY) drops the default there
        for name in ("department", "contact_person", "contact_phone", "contact_email",
                     "embargo_text", "correction"):
            db.execute_sql(f"ALTER TABLE `release` ALTER COLUMN `{name}` SET DEFAULT ''")
        db.execute_sql("ALTER TABLE `category` ALTER COLUMN `kogl_type` SET DEFAULT 1")

    # Frozen copies: later model changes must not change what 0012 creates.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Release(Base):
        class Meta:
            table_name = "release"

    class ReleaseRevision(Base):
        release = ForeignKeyField(Release, on_delete="CASCADE")
        number = IntegerField()
        created_at = DateTimeField()
        actor_name = CharField(max_length=64)
        via = CharField(max_length=8)
        action = CharField(max_length=40)
        title = CharField(max_length=300)
        body_html = TextField()
        data = TextField()

        class Meta:
            indexes = ((("release", "id"), False),)

    db.create_tables([ReleaseRevision])
    if isinstance(db, MySQLDatabase):  # TEXT holds 64 KB there; bodies may be 1 MiB (see 0010)
        db.execute_sql("ALTER TABLE release_revision MODIFY body_html MEDIUMTEXT NOT NULL, "
                       "MODIFY data MEDIUMTEXT NOT NULL")


def down(migrator, db):
    db.execute_sql("DROP TABLE release_revision")
    migrator.migrate(*[migrator.drop_column("release", name) for name in (
        "department", "contact_person", "contact_phone", "contact_email", "embargo_text",
        "kogl_type", "correction", "corrected_at", "content_changed_at")],
        migrator.drop_column("category", "kogl_type"))
