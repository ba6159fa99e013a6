"""API tokens: random secrets shown once, stored as sha256, sent as Bearer tokens."""
import hashlib
import secrets
from functools import wraps

from flask import g, request
from werkzeug.exceptions import Unauthorized

from feedserver.db import database
from feedserver.models import ApiToken, User, utcnow
from feedserver.publishing import audit

PREFIX = "fs_"


def _digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(user, name, actor):
    """Create a token for user; return (token row, secret). The secret is not stored."""
    secret = PREFIX + secrets.token_urlsafe(32)
    with database.atomic():
        token = ApiToken.create(user=user, name=name[:100] or "API", token_hash=_digest(secret),
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


def user_for_secret(secret):
    """Return the active user owning an unrevoked token, or None."""
    if not secret or len(secret) > 200:
        return None
    token = (ApiToken.select(ApiToken, User).join(User)
             .where(ApiToken.token_hash == _digest(secret), ApiToken.revoked_at.is_null(),
                    User.active == True)  # noqa: E712 - peewee needs ==
             .first())
    if token is None:
        return None
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.update(last_used_at=now).where(ApiToken.id == token.id).execute()
    return token.user


def bearer_secret():
    """Return the token from `Authorization: Bearer …`, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


def token_required(view):
    """Authenticate the request by Bearer token or answer 401."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        user = user_for_secret(bearer_secret())
        if user is None:
            error = Unauthorized("유효한 API 토큰이 필요합니다. Authorization: Bearer <토큰>을 보내 주세요.")
            error.headers = {"WWW-Authenticate": 'Bearer realm="feedserver"'}
            raise error
        g.user = user
        return view(*args, **kwargs)
    return wrapper


def api_actor():
    return audit.Actor(g.user, "api", request.remote_addr or "")
