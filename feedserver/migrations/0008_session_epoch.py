"""Revocable sessions and login throttling per (address, name).

A session cookie names its user's session epoch; moving the epoch (logout, password
change, deactivation, "sign out everywhere") ends every cookie issued before at once.
Failures are counted per (address, name), so one index serves the lock check.
"""
from peewee import IntegerField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("app_user", "session_epoch", IntegerField(default=0)),
        migrator.add_index("login_failure", ("address", "username", "created_at"), False),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("login_failure", "login_failure_address_username_created_at"),
        migrator.drop_column("app_user", "session_epoch"),
    )
