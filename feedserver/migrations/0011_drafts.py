"""Nothing typed or chosen is lost: editor autosaves and files staged before a release is saved.

Two new tables, independent of every other migration: rows belong to a user and go with them.
"""
from peewee import (
    BigIntegerField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    Model,
    MySQLDatabase,
    TextField,
)


def up(migrator, db):
    # Frozen copies: later model changes must not change what 0011 creates.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "app_user"

    class Autosave(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        form_key = CharField(max_length=40)
        fields = TextField()
        saved_at = DateTimeField(index=True)

        class Meta:
            indexes = ((("user", "form_key"), True),)

    class StagedFile(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        form_token = CharField(max_length=64)
        token = CharField(max_length=64, unique=True)
        filename = CharField(max_length=255)
        content_type = CharField(max_length=100)
        size = BigIntegerField()
        sha256 = CharField(max_length=64)
        stored_name = CharField(max_length=100, unique=True)
        created_at = DateTimeField(index=True)

        class Meta:
            indexes = ((("user", "form_token"), False),)

    db.create_tables([Autosave, StagedFile])
    if isinstance(db, MySQLDatabase):
        # TEXT holds 64 KB on MariaDB; an autosave holds a whole body (see 0010).
        db.execute_sql("ALTER TABLE autosave MODIFY fields MEDIUMTEXT NOT NULL")


def down(migrator, db):
    db.execute_sql("DROP TABLE staged_file")
    db.execute_sql("DROP TABLE autosave")
