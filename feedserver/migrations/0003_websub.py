"""Create WebSub subscriptions and the outbox the worker drains."""
from peewee import CharField, DateTimeField, IntegerField, Model, TextField


def up(migrator, db):
    # Frozen copies: later model changes must not change what 0003 creates.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Subscription(Base):
        ident = CharField(max_length=64, unique=True)
        topic = TextField()
        feed_key = CharField(max_length=255, index=True)
        callback = TextField()
        secret = CharField(max_length=200, null=True)
        lease_seconds = IntegerField()
        expires_at = DateTimeField(index=True)
        verified_at = DateTimeField()

    class OutboxJob(Base):
        kind = CharField(max_length=16)
        feed_key = CharField(max_length=255)
        payload = TextField()
        status = CharField(max_length=16)
        available_at = DateTimeField()
        attempts = IntegerField(default=0)
        locked_by = CharField(max_length=64, null=True, index=True)
        locked_until = DateTimeField(null=True)
        created_at = DateTimeField()
        done_at = DateTimeField(null=True, index=True)
        last_error = TextField(null=True)

        class Meta:
            table_name = "outbox"
            indexes = ((("status", "available_at"), False),)

    db.create_tables([Subscription, OutboxJob])


def down(migrator, db):
    db.execute_sql("DROP TABLE outbox")
    db.execute_sql("DROP TABLE subscription")
