"""Publishing: accounts, API tokens, login throttling and the audit log."""
from peewee import BooleanField, CharField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, UTCDateTimeField, utcnow

ROLES = ("admin", "approver", "editor")
ROLE_LABELS = {"admin": "관리자", "approver": "승인자", "editor": "편집자"}


class User(BaseModel):
    username = CharField(max_length=64, unique=True)
    password_hash = CharField(max_length=255)
    role = CharField(max_length=16, default="editor")
    active = BooleanField(default=True)
    created_at = UTCDateTimeField(default=utcnow)
    last_login_at = UTCDateTimeField(null=True)
    # Moved to end every session of this user at once (logout, password change, ...).
    session_epoch = IntegerField(default=0)

    class Meta:
        table_name = "app_user"  # "user" is reserved in PostgreSQL

    @property
    def is_admin(self):
        return self.role == "admin"

    @property
    def is_approver(self):
        """Approvers (and admins) publish on review boards and manage anyone's releases."""
        return self.role in ("admin", "approver")

    @property
    def role_label(self):
        return ROLE_LABELS.get(self.role, self.role)


class ApiToken(BaseModel):
    """A bearer token; only its sha256 is stored, the secret is shown once."""

    user = ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    name = CharField(max_length=100)
    token_hash = CharField(max_length=64, unique=True)
    prefix = CharField(max_length=16)
    created_at = UTCDateTimeField(default=utcnow)
    last_used_at = UTCDateTimeField(null=True)
    revoked_at = UTCDateTimeField(null=True)


class LoginFailure(BaseModel):
    """One failed login; kept in the database so every worker sees the lock."""

    username = CharField(max_length=64)
    address = CharField(max_length=64)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("username", "created_at"), False), (("address", "created_at"), False),
                   (("address", "username", "created_at"), False))


class AuditEntry(BaseModel):
    """Who did what and when; rows are only ever inserted."""

    created_at = UTCDateTimeField(default=utcnow, index=True)
    actor = ForeignKeyField(User, null=True, backref="audit_entries", on_delete="SET NULL")
    actor_name = CharField(max_length=64)
    via = CharField(max_length=8)
    action = CharField(max_length=40)
    target = CharField(max_length=200, default="")
    summary = TextField(default="")
    address = CharField(max_length=64, default="")

    def save(self, *args, **kwargs):
        if self.id is not None:
            raise PermissionError("the audit log is append-only")
        return super().save(*args, **kwargs)

    def delete_instance(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")


ACCOUNT_MODELS = [User, ApiToken, LoginFailure, AuditEntry]
