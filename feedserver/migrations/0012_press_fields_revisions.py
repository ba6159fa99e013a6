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

# Database-level defaults too (add_empty_text): rows inserted by hand (the demo seeder, other
# columns' migrations) that do not name the new columns still get them.
TEXT_COLUMNS = (("department", "VARCHAR(100)"), ("contact_person", "VARCHAR(50)"),
                ("contact_phone", "VARCHAR(30)"), ("contact_email", "VARCHAR(254)"),
                ("embargo_text", "VARCHAR(100)"), ("correction", "TEXT"))


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
    for name, sql_type in TEXT_COLUMNS:
        add_empty_text(db, "release", name, sql_type)
    migrator.migrate(
        migrator.add_column("release", "kogl_type", IntegerField(null=True)),
        migrator.add_column("release", "corrected_at", DateTimeField(null=True)),
        migrator.add_column("release", "content_changed_at", DateTimeField(null=True)),
        migrator.add_column("category", "kogl_type",
                            IntegerField(default=1, constraints=[SQL("DEFAULT 1")])),
    )
    if isinstance(db, MySQLDatabase):  # peewee's NOT NULL step (MODIFY) drops the default there
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
