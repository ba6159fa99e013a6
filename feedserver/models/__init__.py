"""Peewee models, split by concern; import them from here."""
from .accounts import *  # noqa: F401,F403
from .base import *  # noqa: F401,F403
from .base import PUBLIC_ID_ALPHABET, BaseModel, new_public_id, utcnow  # noqa: F401
from .drafts import *  # noqa: F401,F403
from .mail import *  # noqa: F401,F403
from .releases import *  # noqa: F401,F403
from .websub import *  # noqa: F401,F403

MODELS = RELEASE_MODELS + ACCOUNT_MODELS + WEBSUB_MODELS + DRAFT_MODELS + MAIL_MODELS  # noqa: F405
