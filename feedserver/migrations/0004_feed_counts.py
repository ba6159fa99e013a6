"""Keep each feed scope's count of published releases beside its version."""
from peewee import BigIntegerField


def up(migrator, db):
    migrator.migrate(migrator.add_column("feed_state", "published_count", BigIntegerField(default=0)))
    # Backfill from the releases so existing boards show the right totals.
    q = db.quote
    key, count, state = f"{q[0]}key{q[1]}", f"{q[0]}published_count{q[1]}", f"{q[0]}feed_state{q[1]}"
    rows = db.execute_sql(
        f"SELECT category_id, COUNT(*) FROM {q[0]}release{q[1]} WHERE status = 'published' "
        "GROUP BY category_id").fetchall()
    total = 0
    for category_id, n in rows:
        total += n
        db.execute_sql(f"UPDATE {state} SET {count} = {db.param} WHERE {key} = {db.param}",
                       (n, f"cat:{category_id}"))
    db.execute_sql(f"UPDATE {state} SET {count} = {db.param} WHERE {key} = 'all'", (total,))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("feed_state", "published_count"))
