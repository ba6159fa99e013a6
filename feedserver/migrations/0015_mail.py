"""E-mail: addresses, citizens' subscriptions, the press list and per-address delivery records.

New tables only; nothing existing changes. Frozen copies of the models, so later changes to
feedserver/models/mail.py do not change what 0015 creates.
"""
from peewee import (
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Category(Base):
        pass

    class Release(Base):
        pass

    class MailAddress(Base):
        address = CharField(max_length=254, unique=True)
        token = CharField(max_length=43, unique=True)
        created_at = DateTimeField()
        confirmed_at = DateTimeField(null=True)
        confirm_sent_at = DateTimeField(null=True)
        digest_hour = IntegerField(null=True)
        last_digest_at = DateTimeField(null=True)
        bounces = IntegerField(default=0)
        disabled_at = DateTimeField(null=True)

    class MailSubscription(Base):
        address = ForeignKeyField(MailAddress, on_delete="CASCADE")
        category = ForeignKeyField(Category, null=True, on_delete="CASCADE")
        created_at = DateTimeField()

        class Meta:
            indexes = ((("address", "category"), True),)

    class PressContact(Base):
        name = CharField(max_length=100)
        outlet = CharField(max_length=100, default="")
        address = ForeignKeyField(MailAddress, unique=True, on_delete="CASCADE")
        created_at = DateTimeField()

    class PressContactBoard(Base):
        contact = ForeignKeyField(PressContact, on_delete="CASCADE")
        category = ForeignKeyField(Category, on_delete="CASCADE")

        class Meta:
            indexes = ((("contact", "category"), True),)

    class MailDelivery(Base):
        message_key = CharField(max_length=120)
        address = ForeignKeyField(MailAddress, on_delete="CASCADE")
        release = ForeignKeyField(Release, null=True, on_delete="CASCADE")
        audience = CharField(max_length=16)
        payload = TextField(default="")
        status = CharField(max_length=16, default="pending")
        created_at = DateTimeField()
        sent_at = DateTimeField(null=True, index=True)
        error = TextField(null=True)

        class Meta:
            indexes = ((("message_key", "address"), True), (("status", "created_at"), False))

    db.create_tables([MailAddress, MailSubscription, PressContact, PressContactBoard,
                      MailDelivery])


def down(migrator, db):
    for table in ("mail_delivery", "press_contact_board", "press_contact", "mail_subscription",
                  "mail_address"):
        db.execute_sql(f"DROP TABLE {table}")
