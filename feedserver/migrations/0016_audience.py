"""Audience: daily counts per feed, aggregator, release and widget host, and one day's visitor hashes.

Six new tables, independent of every other migration but release (views cascade with it).
"""
from peewee import (
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
)


def _tables(db):
    # Frozen copies: later model changes must not change what 0016 creates.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Release(Base):
        class Meta:
            table_name = "release"

    class AudienceSalt(Base):
        day = DateField(primary_key=True)
        salt = CharField(max_length=64)

    class AudienceSeen(Base):
        day = DateField()
        scope = CharField(max_length=120)
        visitor = CharField(max_length=32)
        address = CharField(max_length=32)

        class Meta:
            indexes = ((("day", "scope", "visitor"), True), (("day", "scope", "address"), False))

    class FeedAudience(Base):
        day = DateField()
        feed = CharField(max_length=120)
        polls = IntegerField(default=0)
        not_modified = IntegerField(default=0)
        direct = IntegerField(default=0)

        class Meta:
            indexes = ((("day", "feed"), True),)

    class FeedAggregator(Base):
        day = DateField()
        feed = CharField(max_length=120)
        aggregator = CharField(max_length=40)
        subscribers = IntegerField(default=0)
        seen_at = DateTimeField()

        class Meta:
            indexes = ((("day", "feed", "aggregator"), True),)

    class ReleaseAudience(Base):
        day = DateField()
        release = ForeignKeyField(Release, on_delete="CASCADE")
        source = CharField(max_length=16)
        views = IntegerField(default=0)

        class Meta:
            indexes = ((("day", "release", "source"), True),)

    class WidgetHost(Base):
        day = DateField()
        host = CharField(max_length=255)
        loads = IntegerField(default=0)

        class Meta:
            indexes = ((("day", "host"), True),)

    return [AudienceSalt, AudienceSeen, FeedAudience, FeedAggregator, ReleaseAudience, WidgetHost]


def up(migrator, db):
    db.create_tables(_tables(db))


def down(migrator, db):
    db.drop_tables(_tables(db))
