"""Bearer-token authentication of API requests (tokens are issued in publishing.tokens)."""
from functools import wraps

from flask import g, request
from werkzeug.exceptions import Unauthorized

from feedserver.models import ApiToken, User, utcnow
from feedserver.publishing import audit
from feedserver.publishing.tokens import digest


def user_for_secret(secret):
    """Return the active user owning an unrevoked token, or None."""
    if not secret or len(secret) > 200:
        return None
    token = (ApiToken.select(ApiToken, User).join(User)
             .where(ApiToken.token_hash == digest(secret), ApiToken.revoked_at.is_null(),
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
