"""The built-in WebSub hub at /websub, and its status page in the admin."""
from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, Response, current_app, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from feedserver.clients import client_key
from feedserver.db import database
from feedserver.models import Category, OutboxJob, Subscription
from feedserver.search.query import parse_query
from feedserver.web.urls import base_url
from feedserver.websub import netguard, outbox
from feedserver.websub.topics import (
    allowed_networks,
    normal_url,
    search_feed_key,
    subscription_ident,
)

bp = Blueprint("websub", __name__)
FEED_ENDPOINTS = ("feeds.site", "feeds.category", "feeds.search", "feeds.category_search")
MAX_URL_LENGTH = 2000
BUSY_RETRY_SECONDS = 60
BUSY_HUB = ("확인을 기다리는 구독 요청이 너무 많습니다. 잠시 후 다시 시도해 주세요. "
            "(too many pending verifications, try again later)")
BUSY_CLIENT = ("이 주소에서 보낸 구독 요청이 아직 확인 중입니다. 잠시 후 다시 시도해 주세요. "
               "(too many pending verifications from your address, try again later)")
FULL_HOST = ("콜백 호스트 {host}의 구독이 한도에 이르렀습니다. "
             "(subscription limit reached for callback host {host})")
FULL_CLIENT = "이 주소에서 만든 구독이 한도에 이르렀습니다. (subscription limit reached for your address)"


class HubError(Exception):
    """A subscription request we refuse with a status (400 unless said) and a short reason."""

    def __init__(self, message, status=400, retry_after=None):
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


@bp.record_once
def _check_settings(state):
    allowed_networks(state.app.config)  # a mistyped network stops the start, not a request


@bp.post("/websub")  # CSRF-exempt (create_app): subscribers are servers, not our forms
def hub():
    client = client_key(request.remote_addr)
    try:
        job = _parse(request.form)
        _check_limits(job, client)
    except HubError as error:
        response = Response(str(error), error.status, mimetype="text/plain")
        if error.retry_after:
            response.headers["Retry-After"] = str(error.retry_after)
        return response
    with database.atomic():
        outbox.enqueue("verify", job, job["feed_key"], client_address=client,
                       target_host=netguard.host_key(job["callback"]))
    return Response("요청을 받았습니다. 콜백으로 확인 요청을 보냅니다.", 202, mimetype="text/plain")


def _parse(form):
    """Check a subscribe/unsubscribe request; return the verification job's payload."""
    mode = form.get("hub.mode", "")
    if mode not in ("subscribe", "unsubscribe"):
        raise HubError("hub.mode는 subscribe 또는 unsubscribe여야 합니다.")
    callback = normal_url(form.get("hub.callback", ""))
    if not _is_http_url(callback):
        raise HubError("hub.callback은 http(s) 주소여야 합니다.")
    topic = normal_url(form.get("hub.topic", ""))
    feed_key = topic_feed_key(topic)
    if feed_key == ARCHIVE:
        raise HubError(ARCHIVE_REFUSED)
    if feed_key is None:
        raise HubError("hub.topic은 이 사이트의 피드 주소여야 합니다.")
    secret = form.get("hub.secret", "")
    if len(secret.encode()) >= 200:
        raise HubError("hub.secret은 200바이트보다 짧아야 합니다.")
    lease = _lease(form.get("hub.lease_seconds", ""))
    try:  # last: the only check that asks DNS
        netguard.resolve(callback, allowed_networks())
    except (netguard.Refused, netguard.Unresolved) as error:
        raise HubError(f"hub.callback을 쓸 수 없습니다 (callback refused): {error}") from None
    return {"mode": mode, "topic": topic, "callback": callback, "feed_key": feed_key,
            "secret": secret, "lease_seconds": lease}


def _is_http_url(url):
    if not url:
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        return False
    return (len(url) <= MAX_URL_LENGTH and parts.scheme in ("http", "https")
            and bool(parts.hostname) and not parts.fragment and url.isprintable()
            and " " not in url)


def _lease(raw):
    """Return the lease the hub grants: the default, or the request clamped to the bounds."""
    config = current_app.config
    raw = raw.strip()
    if raw == "":
        return config["WEBSUB_LEASE_SECONDS"]
    # ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise HubError("hub.lease_seconds는 0 이상의 정수여야 합니다.")
    return max(config["WEBSUB_LEASE_MIN_SECONDS"],
               min(config["WEBSUB_LEASE_MAX_SECONDS"], int(raw)))


def _check_limits(job, client):
    """Refuse a request past the hub's limits; unsubscribing or renewing adds no subscription."""
    config = current_app.config
    pending = OutboxJob.select().where(OutboxJob.kind == "verify", OutboxJob.status == "pending")
    mine = pending.where(OutboxJob.client_address == client)
    if _over(config["WEBSUB_MAX_PENDING_VERIFICATIONS"], pending):
        raise HubError(BUSY_HUB, 503, BUSY_RETRY_SECONDS)
    if _over(config["WEBSUB_MAX_PENDING_PER_CLIENT"], mine):
        raise HubError(BUSY_CLIENT, 429, BUSY_RETRY_SECONDS)
    ident = subscription_ident(job["topic"], job["callback"])
    if job["mode"] != "subscribe" or Subscription.get_or_none(Subscription.ident == ident):
        return
    host, active = netguard.host_key(job["callback"]), Subscription.active()
    if _over(config["WEBSUB_MAX_SUBSCRIPTIONS_PER_HOST"],
             active.where(Subscription.callback_host == host),
             pending.where(OutboxJob.target_host == host)):
        raise HubError(FULL_HOST.format(host=host), 403)
    if _over(config["WEBSUB_MAX_SUBSCRIPTIONS_PER_CLIENT"],
             active.where(Subscription.client_address == client), mine):
        raise HubError(FULL_CLIENT, 403)


def _over(limit, *queries):
    """Tell whether the rows of the queries together already reach limit; 0 means no limit."""
    return bool(limit) and sum(query.count() for query in queries) >= limit


# RFC 5005 archive documents carry no rel="hub" (feeds.py): they change rarely, so they are no topic.
ARCHIVE = "archive"
ARCHIVE_REFUSED = ("hub.topic이 보관 피드(RFC 5005)입니다. 보관 피드는 거의 바뀌지 않아 구독 대상이 아니며 "
                   "hub 링크도 없습니다. 구독 피드(rel=\"current\" 주소)를 구독하세요.")


def topic_feed_key(topic):
    """Return the feed key ("all", "cat:<id>", "search:<field>[@<id>]:<q>") of one of our feed URLs.

    ARCHIVE for an archive document (refused with its own reason), None for anything else.
    """
    if not _is_http_url(topic):
        return None
    parts, base = urlsplit(topic), urlsplit(base_url())
    if (parts.scheme, parts.netloc.lower()) != (base.scheme, base.netloc.lower()):
        return None
    try:
        endpoint, values = current_app.url_map.bind(base.netloc).match(parts.path, method="GET")
    except HTTPException:
        return None
    args = MultiDict(parse_qsl(parts.query))
    if endpoint in ("feeds.site_archive", "feeds.category_archive"):
        return ARCHIVE
    if endpoint == "feeds.site":
        return "all"
    if endpoint in ("feeds.category", "feeds.category_search"):
        category = Category.get_or_none(Category.slug == values["slug"])
        if category is None:
            return None
        return f"cat:{category.id}" if endpoint == "feeds.category" else _search_key(args, category)
    if endpoint == "feeds.search":
        return _search_key(args)
    return None


def _search_key(args, category=None):
    """Return the feed key of a search topic's query, or None when the feed would answer 400."""
    try:
        field, q = parse_query(args, current_app.config["MAX_QUERY_LENGTH"], required=True)
    except HTTPException:
        return None
    return search_feed_key(field, q, category.id if category else None)
