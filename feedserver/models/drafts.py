"""Work in progress that is not a release yet: editor autosaves and files staged before saving.

Both belong to one user and are never public: no feed, page or cache reads these tables.
"""
from peewee import BigIntegerField, CharField, ForeignKeyField

from .accounts import User
from .base import BaseModel, SafeTextField, UTCDateTimeField, utcnow


class Autosave(BaseModel):
    """The editor form's fields as last typed, one row per user and form ("new" or a release)."""

    user = ForeignKeyField(User, backref="autosaves", on_delete="CASCADE")
    form_key = CharField(max_length=40)
    fields = SafeTextField()  # JSON object of the form's field values
    saved_at = UTCDateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("user", "form_key"), True),)


class StagedFile(BaseModel):
    """A file chosen in the editor and kept on the server until the form is saved or it expires."""

    user = ForeignKeyField(User, backref="staged_files", on_delete="CASCADE")
    form_token = CharField(max_length=64)
    token = CharField(max_length=64, unique=True)  # what the form carries; unguessable
    filename = CharField(max_length=255)
    content_type = CharField(max_length=100)
    size = BigIntegerField()
    sha256 = CharField(max_length=64)
    stored_name = CharField(max_length=100, unique=True)
    created_at = UTCDateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("user", "form_token"), False),)


DRAFT_MODELS = [Autosave, StagedFile]
