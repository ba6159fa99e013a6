"""The built-in WebSub hub at /websub, and its status page in the admin."""
import hashlib
from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from . import outbox
from .accounts import csrf, login_required
from .db import database
from .models import Category, OutboxJob, Subscription
from .search import parse_query

bp = Blueprint("websub", __name__)
FEED_ENDPOINTS = ("feeds.site", "feeds.category", "feeds.search")
MAX_URL_LENGTH = 2000


class HubError(Exception):
    """A subscription request we answer with 400 and a short reason."""


def hub_urls(base):
    """Return the hubs feeds advertise: the configured ones, else our own /websub."""
    raw = current_app.config.get("WEBSUB_HUBS") or []
    hubs = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw)
    return hubs or [base.rstrip("/") + "/websub"]


def subscription_ident(topic, callback):
    """Return the unique key of a (topic, callback) pair."""
    return hashlib.sha256(f"{topic}\n{callback}".encode()).hexdigest()


@bp.post("/websub")
@csrf.exempt  # subscribers are other servers, not our forms
def hub():
    try:
        job = _parse(request.form)
    except HubError as error:
        return Response(str(error), 400, mimetype="text/plain")
    with database.atomic():
        outbox.enqueue("verify", job, job["feed_key"])
    return Response("요청을 받았습니다. 콜백으로 확인 요청을 보냅니다.", 202, mimetype="text/plain")


def _parse(form):
    """Check a subscribe/unsubscribe request; return the verification job's payload."""
    mode = form.get("hub.mode", "")
    if mode not in ("subscribe", "unsubscribe"):
        raise HubError("hub.mode는 subscribe 또는 unsubscribe여야 합니다.")
    callback = form.get("hub.callback", "")
    if not _is_http_url(callback):
        raise HubError("hub.callback은 http(s) 주소여야 합니다.")
    topic = form.get("hub.topic", "")
    feed_key = topic_feed_key(topic)
    if feed_key is None:
        raise HubError("hub.topic은 이 사이트의 피드 주소여야 합니다.")
    secret = form.get("hub.secret", "")
    if len(secret.encode()) >= 200:
        raise HubError("hub.secret은 200바이트보다 짧아야 합니다.")
    return {"mode": mode, "topic": topic, "callback": callback, "feed_key": feed_key,
            "secret": secret, "lease_seconds": _lease(form.get("hub.lease_seconds", ""))}


def _is_http_url(url):
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (len(url) <= MAX_URL_LENGTH and parts.scheme in ("http", "https")
            and bool(parts.hostname) and not parts.fragment and url.isprintable()
            and " " not in url)


def _lease(raw):
    """Return the lease the hub grants: the default, or the request clamped to the bounds."""
    config = current_app.config
    if raw.strip() == "":
        return config["WEBSUB_LEASE_SECONDS"]
    if not raw.strip().isdigit() or len(raw.strip()) > 12:
        raise HubError("hub.lease_seconds는 0 이상의 정수여야 합니다.")
    return max(config["WEBSUB_LEASE_MIN_SECONDS"],
               min(config["WEBSUB_LEASE_MAX_SECONDS"], int(raw)))


def topic_feed_key(topic):
    """Return the feed key ("all", "cat:<id>", "search:<field>:<q>") of one of our feed URLs."""
    if not _is_http_url(topic):
        return None
    parts, base = urlsplit(topic), urlsplit(current_app.config.get("BASE_URL") or request.url_root)
    if (parts.scheme, parts.netloc.lower()) != (base.scheme, base.netloc.lower()):
        return None
    try:
        endpoint, values = current_app.url_map.bind(base.netloc).match(parts.path, method="GET")
    except HTTPException:
        return None
    args = MultiDict(parse_qsl(parts.query))
    if endpoint == "feeds.site":
        return "all"
    if endpoint == "feeds.category":
        category = Category.get_or_none(Category.slug == values["slug"])
        return f"cat:{category.id}" if category else None
    if endpoint == "feeds.search":
        try:
            field, q = parse_query(args, current_app.config["MAX_QUERY_LENGTH"], required=True)
        except HTTPException:
            return None
        return f"search:{field}:{q}"
    return None


@bp.get("/admin/websub")
@login_required
def status():
    """Show subscriptions per feed, pending work, recent deliveries and failures."""
    from .delivery import recent
    subs = list(Subscription.select().order_by(Subscription.feed_key, Subscription.topic,
                                               Subscription.id))
    by_feed = {}
    for sub in subs:
        by_feed.setdefault(sub.feed_key, []).append(sub)
    pending = OutboxJob.select().where(OutboxJob.status == "pending").count()
    delivered, failures = recent()
    return render_template("admin/websub.html", by_feed=by_feed, pending=pending,
                           delivered=[(job, outbox.payload(job)) for job in delivered],
                           failures=failures,
                           hubs=hub_urls(request.url_root))
