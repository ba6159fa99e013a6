"""GET /api/v1/audience: the figures of /admin/audience as JSON."""
from flask import current_app

from feedserver.api.payloads import api_error
from feedserver.audience import report
from feedserver.models import Release


def audience_json(args):
    """Return every audience table for ?days=7|30|90 (&release=<public_id>), JSON-ready."""
    days = args.get("days", "30")
    if days not in {str(d) for d in report.PERIODS}:
        api_error(400, "days는 7, 30, 90 중 하나여야 합니다.", {"days": "7, 30, 90 중 하나"})
    period = report.Period.ending(current_app.extensions["feedserver.audience"].clock.today(), int(days))
    release = None
    if args.get("release"):
        release = Release.by_public_id(args["release"])
        if release is None:
            api_error(404, "없는 보도자료입니다.")
    tables = report.everything(period, release)
    for row in tables["daily_views"]:
        row["day"] = row["day"].isoformat()
    for row in tables["top_releases"]:
        row["published_at"] = row["published_at"].isoformat() if row["published_at"] else None
    return {"period": {"days": period.days, "start": period.start.isoformat(), "end": period.end.isoformat()},
            "release": release.public_id if release else None, **tables}
