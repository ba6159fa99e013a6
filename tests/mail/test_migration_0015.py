"""Migration 0015 adds the e-mail tables and takes them away again, on every database."""
import pytest

from feedserver.db import database

TABLES = {"mail_address", "mail_subscription", "press_contact", "press_contact_board", "mail_delivery"}


@pytest.mark.backends("sqlite", "postgresql", "mysql")
def test_0015_creates_and_drops_the_mail_tables(backend, tmp_path, databases):
    app, runner = databases.app_at_migration(backend, tmp_path, "0014_attachment_text")
    try:
        with app.app_context():
            assert TABLES.isdisjoint(database.obj.get_tables())
            assert runner.up("0015_mail") == ["0015_mail"]
            assert TABLES <= set(database.obj.get_tables())
            indexes = {i.name for i in database.obj.get_indexes("mail_delivery")}
            assert any("message_key" in name for name in indexes)
            assert runner.down() == ["0015_mail"]
            assert TABLES.isdisjoint(database.obj.get_tables())
    finally:
        databases.close_database()
