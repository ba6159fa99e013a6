"""The schedule: releases set to go live in the coming days, by day in Korean time."""
from datetime import timedelta
from itertools import groupby

from flask import Blueprint, render_template, request

from feedserver.admin.accounts import login_required
from feedserver.dates import to_kst
from feedserver.models import Category, Release, utcnow

bp = Blueprint("admin_schedule", __name__, url_prefix="/admin")
DAY_CHOICES = (7, 14, 30, 90)


@bp.get("/schedule")
@login_required
def schedule():
    """List scheduled releases not yet live, grouped by their KST day."""
    days = request.args.get("days", "14")
    days = int(days) if days.isdigit() and int(days) in DAY_CHOICES else 14
    now = utcnow()
    rows = (Release.select(Release, Category).join(Category)
            .where(Release.status == "scheduled", Release.published_at > now,
                   Release.published_at <= now + timedelta(days=days))
            .order_by(Release.published_at, Release.id))
    by_day = [(releases[0].published_at, releases) for _, group in
              groupby(rows, key=lambda r: to_kst(r.published_at).date())
              for releases in [list(group)]]
    return render_template("admin/schedule.html", by_day=by_day, days=days, choices=DAY_CHOICES)
