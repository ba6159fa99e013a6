"""WebSub limits and fair delivery: who asked for a subscription, and which host a job calls.

subscription.callback_host / client_address and outbox.target_host / client_address let the
hub count subscriptions and pending verifications per callback host and per client, and let
the worker cap requests in flight per host. Scheduled releases' "changed" jobs queued for
later become one "due" job per release, which checks at its time that the release is public.
"""
import json
from urllib.parse import urlsplit

from peewee import CharField, Table


def _host(url):
    try:
        return (urlsplit(url or "").hostname or "")[:255]
    except ValueError:
        return ""


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("subscription", "callback_host", CharField(max_length=255, null=True)),
        migrator.add_column("subscription", "client_address", CharField(max_length=64, null=True)),
        migrator.add_column("outbox", "target_host", CharField(max_length=255, null=True)),
        migrator.add_column("outbox", "client_address", CharField(max_length=64, null=True)),
        migrator.add_index("subscription", ("callback_host",), False),
        migrator.add_index("subscription", ("client_address",), False),
        migrator.add_index("outbox", ("target_host", "status"), False),
        migrator.add_index("outbox", ("client_address", "status"), False),
    )
    subscription = Table("subscription", ("id", "callback", "callback_host")).bind(db)
    for row in list(subscription.select(subscription.id, subscription.callback).dicts()):
        (subscription.update(callback_host=_host(row["callback"]))
         .where(subscription.id == row["id"]).execute())
    outbox = Table("outbox", ("id", "kind", "feed_key", "payload", "status", "available_at",
                              "attempts", "created_at", "target_host")).bind(db)
    pending = outbox.select().where(outbox.status == "pending")
    for row in list(pending.where(outbox.kind.in_(["deliver", "verify", "ping"])).dicts()):
        data = json.loads(row["payload"] or "{}")
        host = _host(data.get("callback") or data.get("hub"))
        outbox.update(target_host=host).where(outbox.id == row["id"]).execute()
    _scheduled_to_due(outbox, pending)


def _scheduled_to_due(outbox, pending):
    """Replace "changed" jobs queued for a release's scheduled time with one "due" job each."""
    later = list(pending.where(outbox.kind == "changed", outbox.available_at > outbox.created_at)
                 .order_by(outbox.available_at).dicts())
    first = {}
    for row in later:
        release = json.loads(row["payload"] or "{}").get("release")
        if release:
            first.setdefault(release, row)
    for release, row in first.items():
        outbox.insert(kind="due", feed_key=f"release:{release}",
                      payload=json.dumps({"release": release}), status="pending",
                      available_at=row["available_at"], attempts=0,
                      created_at=row["created_at"]).execute()
    if later:
        outbox.delete().where(outbox.id.in_([row["id"] for row in later])).execute()


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("outbox", "outbox_client_address_status"),
        migrator.drop_index("outbox", "outbox_target_host_status"),
        migrator.drop_index("subscription", "subscription_client_address"),
        migrator.drop_index("subscription", "subscription_callback_host"),
        migrator.drop_column("outbox", "client_address"),
        migrator.drop_column("outbox", "target_host"),
        migrator.drop_column("subscription", "client_address"),
        migrator.drop_column("subscription", "callback_host"),
    )
