"""WebSub: verified subscriptions and the durable outbox that `feedserver worker` drains."""
from peewee import CharField, IntegerField, TextField

from .base import BaseModel, UTCDateTimeField, utcnow


class Subscription(BaseModel):
    """A verified WebSub subscription: one callback on one of our feed URLs until its lease ends."""

    # sha256 of topic and callback: the URLs themselves are too long for a unique index on MariaDB.
    ident = CharField(max_length=64, unique=True)
    topic = TextField()
    feed_key = CharField(max_length=255, index=True)
    callback = TextField()
    secret = CharField(max_length=200, null=True)
    lease_seconds = IntegerField()
    expires_at = UTCDateTimeField(index=True)
    verified_at = UTCDateTimeField(default=utcnow)
    # Who the hub's limits count this subscription against (migration 0009).
    callback_host = CharField(max_length=255, null=True, index=True)
    client_address = CharField(max_length=64, null=True, index=True)

    @classmethod
    def active(cls, now=None):
        """Return subscriptions whose lease has not run out."""
        return cls.select().where(cls.expires_at > (now or utcnow()))


class OutboxJob(BaseModel):
    """One unit of work (changed, due, deliver, verify, ping), claimed by a worker under a lease."""

    kind = CharField(max_length=16)
    feed_key = CharField(max_length=255, default="")
    payload = TextField()
    status = CharField(max_length=16, default="pending")  # pending, done, failed
    available_at = UTCDateTimeField(default=utcnow)
    attempts = IntegerField(default=0)
    locked_by = CharField(max_length=64, null=True, index=True)
    locked_until = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    done_at = UTCDateTimeField(null=True, index=True)
    last_error = TextField(null=True)
    # The host a job calls (per-host caps and limits) and who asked for a verification.
    target_host = CharField(max_length=255, null=True)
    client_address = CharField(max_length=64, null=True)

    class Meta:
        table_name = "outbox"
        indexes = ((("status", "available_at"), False), (("target_host", "status"), False),
                   (("client_address", "status"), False))


WEBSUB_MODELS = [Subscription, OutboxJob]
