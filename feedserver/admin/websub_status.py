"""The WebSub status page in the admin: subscriptions per feed, pending work, deliveries."""
from flask import Blueprint, render_template

from feedserver.admin.accounts import admin_required
from feedserver.models import OutboxJob, Subscription
from feedserver.web.urls import base_url
from feedserver.websub import outbox
from feedserver.websub.delivery import recent
from feedserver.websub.topics import hub_urls

bp = Blueprint("websub_admin", __name__)


@bp.get("/admin/websub")
@admin_required
def status():
    """Show subscriptions per feed, pending work, recent deliveries and failures."""
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
                           hubs=hub_urls(base_url()))
