"""Create categories, releases, attachments and feed states."""
from peewee import BigIntegerField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def up(migrator, db):
    # Frozen copies: later model changes must not change what 0001 creates.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Category(Base):
        slug = CharField(max_length=64, unique=True)
        name = CharField(max_length=100)
        description = TextField(default="")
        sort_order = IntegerField(default=0)

    class Release(Base):
        public_id = CharField(max_length=16, unique=True)
        external_id = CharField(max_length=200, null=True, unique=True)
        category = ForeignKeyField(Category, on_delete="RESTRICT")
        title = CharField(max_length=300)
        author = CharField(max_length=100)
        body_html = TextField()
        body_text = TextField()
        summary = TextField()
        status = CharField(max_length=16)
        published_at = DateTimeField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        revision = IntegerField(default=1)
        view_count = BigIntegerField(default=0)

        class Meta:
            indexes = (
                (("status", "published_at", "id"), False),
                (("category", "status", "published_at", "id"), False),
            )

    class Attachment(Base):
        release = ForeignKeyField(Release, on_delete="CASCADE")
        filename = CharField(max_length=255)
        content_type = CharField(max_length=100)
        size = BigIntegerField()
        sha256 = CharField(max_length=64)
        stored_name = CharField(max_length=100, unique=True)
        created_at = DateTimeField()

    class FeedState(Base):
        key = CharField(max_length=80, primary_key=True)
        version = BigIntegerField(default=0)
        changed_at = DateTimeField()

    db.create_tables([Category, Release, Attachment, FeedState])


def down(migrator, db):
    db.execute_sql("DROP TABLE attachment")
    db.execute_sql("DROP TABLE release")
    db.execute_sql("DROP TABLE category")
    db.execute_sql("DROP TABLE feed_state")
