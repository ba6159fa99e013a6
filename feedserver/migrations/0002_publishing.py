"""Create users, API tokens, login failures and the audit log."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, Model, TextField


def up(migrator, db):
    # Frozen copies: later model changes must not change what 0002 creates.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        username = CharField(max_length=64, unique=True)
        password_hash = CharField(max_length=255)
        role = CharField(max_length=16, default="editor")
        active = BooleanField(default=True)
        created_at = DateTimeField()
        last_login_at = DateTimeField(null=True)

        class Meta:
            table_name = "app_user"

    class ApiToken(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        name = CharField(max_length=100)
        token_hash = CharField(max_length=64, unique=True)
        prefix = CharField(max_length=16)
        created_at = DateTimeField()
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)

    class LoginFailure(Base):
        username = CharField(max_length=64)
        address = CharField(max_length=64)
        created_at = DateTimeField()

        class Meta:
            indexes = ((("username", "created_at"), False), (("address", "created_at"), False))

    class AuditEntry(Base):
        created_at = DateTimeField(index=True)
        actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
        actor_name = CharField(max_length=64)
        via = CharField(max_length=8)
        action = CharField(max_length=40)
        target = CharField(max_length=200, default="")
        summary = TextField(default="")
        address = CharField(max_length=64, default="")

    db.create_tables([User, ApiToken, LoginFailure, AuditEntry])


def down(migrator, db):
    db.execute_sql("DROP TABLE audit_entry")
    db.execute_sql("DROP TABLE login_failure")
    db.execute_sql("DROP TABLE api_token")
    db.execute_sql("DROP TABLE app_user")
