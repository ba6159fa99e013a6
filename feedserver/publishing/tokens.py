"""API tokens: random secrets shown once, stored as sha256; issuing and revoking are audited."""
import hashlib
import secrets

from feedserver.db import database
from feedserver.models import ApiToken, utcnow
from feedserver.publishing import audit

PREFIX = "fs_"


def digest(secret):
    """Return the stored form of a token secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(user, name, actor):
    """Create a token for user; return (token row, secret). The secret is not stored."""
    secret = PREFIX + secrets.token_urlsafe(32)
    with database.atomic():
        token = ApiToken.create(user=user, name=name[:100] or "API", token_hash=digest(secret),
                                prefix=secret[:10])
        audit.record(actor, "token_create", f"token:{token.id}",
                     f"{user.username}의 토큰 ‘{token.name}’ ({token.prefix}…)")
    return token, secret


def revoke_token(token, actor):
    """Revoke a token for good; a revoked token never authenticates again."""
    if token.revoked_at is not None:
        return False
    with database.atomic():
        ApiToken.update(revoked_at=utcnow()).where(ApiToken.id == token.id).execute()
        audit.record(actor, "token_revoke", f"token:{token.id}",
                     f"{token.user.username}의 토큰 ‘{token.name}’ ({token.prefix}…)")
    return True
