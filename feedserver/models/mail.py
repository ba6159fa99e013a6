"""E-mail: addresses stored once, citizens' subscriptions, the press list, per-address deliveries."""
from peewee import CharField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, SafeCharField, UTCDateTimeField, utcnow
from .releases import Category, Release


class MailAddress(BaseModel):
    """One e-mail address, whoever uses it: a subscriber, a journalist, or both."""

    address = CharField(max_length=254, unique=True)
    # Random capability for the manage and unsubscribe links; erasing the row voids them.
    token = CharField(max_length=43, unique=True)
    created_at = UTCDateTimeField(default=utcnow)
    confirmed_at = UTCDateTimeField(null=True)  # double opt-in done (subscribers only)
    confirm_sent_at = UTCDateTimeField(null=True)  # the last confirmation request we sent
    digest_hour = IntegerField(null=True)  # None: instant; 0-23: a daily digest at that KST hour
    last_digest_at = UTCDateTimeField(null=True)
    bounces = IntegerField(default=0)
    disabled_at = UTCDateTimeField(null=True)  # too many permanent failures: nothing is sent

    @classmethod
    def usable(cls):
        """Return addresses that may receive mail."""
        return cls.select().where(cls.disabled_at.is_null())


class MailSubscription(BaseModel):
    """A confirmed citizen's choice of one board, or every board (category None)."""

    address = ForeignKeyField(MailAddress, backref="subscriptions", on_delete="CASCADE")
    category = ForeignKeyField(Category, null=True, on_delete="CASCADE")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("address", "category"), True),)


class PressContact(BaseModel):
    """A journalist on the 기자 명단: releases of their boards reach them at once."""

    name = SafeCharField(max_length=100)
    outlet = SafeCharField(max_length=100, default="")
    address = ForeignKeyField(MailAddress, unique=True, on_delete="CASCADE")
    created_at = UTCDateTimeField(default=utcnow)


class PressContactBoard(BaseModel):
    contact = ForeignKeyField(PressContact, backref="boards", on_delete="CASCADE")
    category = ForeignKeyField(Category, on_delete="CASCADE")

    class Meta:
        indexes = ((("contact", "category"), True),)


class MailDelivery(BaseModel):
    """One message to one address: the record that makes a restart send it exactly once.

    message_key names the message ("release:<id>", "correction:<id>:<time>", "digest:<time>",
    "confirm:<time>"); (message_key, address) is unique, so a fan-out run twice adds nothing.
    status: pending -> sending (just before SMTP) -> sent (just after SMTP accepted) | failed.
    """

    message_key = CharField(max_length=120)
    address = ForeignKeyField(MailAddress, backref="deliveries", on_delete="CASCADE")
    release = ForeignKeyField(Release, null=True, on_delete="CASCADE")
    audience = CharField(max_length=16)  # press, subscriber, confirm
    payload = TextField(default="")
    status = CharField(max_length=16, default="pending")
    created_at = UTCDateTimeField(default=utcnow)
    sent_at = UTCDateTimeField(null=True, index=True)
    error = TextField(null=True)

    class Meta:
        indexes = ((("message_key", "address"), True), (("status", "created_at"), False))


MAIL_MODELS = [MailAddress, MailSubscription, PressContact, PressContactBoard, MailDelivery]
