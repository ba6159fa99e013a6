"""audience_agents: per address, scope and day, how many readers it brought (the view cap's counter).

On PostgreSQL a first view within the cap is one statement that upserts this counter (models/
audience.py); the other databases count audience_seen rows. Today's rows are filled from
audience_seen, so an upgrade mid-day keeps the cap of the readers already seen.
"""
from peewee import CharField, DateField, IntegerField, Model


def _table(db):
    # A frozen copy: later model changes must not change what 0022 creates.
    class AudienceAgents(Model):
        day = DateField()
        scope = CharField(max_length=120)
        address = CharField(max_length=32)
        agents = IntegerField(default=0)

        class Meta:
            database = db
            legacy_table_names = False
            indexes = ((("day", "scope", "address"), True),)

    return AudienceAgents


def up(migrator, db):
    db.create_tables([_table(db)])
    db.execute_sql('INSERT INTO audience_agents (day, scope, address, agents) '
                   'SELECT day, scope, address, COUNT(*) FROM audience_seen GROUP BY day, scope, address')


def down(migrator, db):
    db.drop_tables([_table(db)])
