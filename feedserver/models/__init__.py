"""Peewee models, split by concern; import them from here."""
from .accounts import *
from .audience import *
from .base import *
from .base import PUBLIC_ID_ALPHABET, BaseModel, new_public_id, utcnow  # noqa: F401
from .compiled import AsGiven, Compiled, CompiledIn, Slot  # noqa: F401
from .drafts import *
from .mail import *
from .releases import *
from .websub import *

MODELS = (RELEASE_MODELS + ACCOUNT_MODELS + WEBSUB_MODELS + DRAFT_MODELS + AUDIENCE_MODELS
          + MAIL_MODELS)
