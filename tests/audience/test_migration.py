"""Migration 0016 creates the audience tables on every database, and takes them away again."""
from feedserver.db import database

TABLES = {"audience_salt", "audience_seen", "feed_audience", "feed_aggregator", "release_audience", "widget_host"}


def test_migration_0016_up_and_down(db_app, tmp_path, databases):
    app, runner = databases.app_at_migration(db_app.config["BACKEND"], tmp_path, "0013_desk")
    with app.app_context():
        db = database.obj
        assert not TABLES & set(db.get_tables())
        assert "0016_audience" in runner.up()
        assert TABLES <= set(db.get_tables())
        unique = {i.name for i in db.get_indexes("audience_seen") if i.unique}
        assert unique, "one first view per reader, release and day needs a unique index"
        assert "0016_audience" in runner.down("0016_audience")
        assert not TABLES & set(db.get_tables())
    databases.close_database()
