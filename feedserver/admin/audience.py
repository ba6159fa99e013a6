"""독자 현황 (/admin/audience): subscribers per feed and channel, views, referrers, widget sites."""
import csv
import io

from flask import Blueprint, abort, current_app, render_template, request

from feedserver.admin.accounts import login_required
from feedserver.audience import report
from feedserver.audience.charts import bar_chart, day_chart, korean_number
from feedserver.dates import to_kst
from feedserver.models import Release

bp = Blueprint("admin_audience", __name__, url_prefix="/admin")


def chosen(args):
    """Return (Period, release or None) from ?days=&release=, or abort 400/404 in Korean."""
    days = args.get("days", "30")
    if days not in {str(d) for d in report.PERIODS}:
        abort(400, description="기간은 7일, 30일, 90일 중 하나를 고르세요.")
    period = report.Period.ending(current_app.extensions["feedserver.audience"].clock.today(), int(days))
    public_id = args.get("release", "")
    if not public_id:
        return period, None
    release = Release.by_public_id(public_id)
    if release is None:
        abort(404, description="없는 보도자료입니다.")
    return period, release


@bp.get("/audience")
@login_required
def page():
    """Show every audience table with its chart."""
    period, release = chosen(request.args)
    tables = report.everything(period, release)
    if release is None and tables["top_releases"]:
        release = Release.by_public_id(tables["top_releases"][0]["public_id"])
        tables["daily_views"] = report.daily_views(period, release)
    published = to_kst(release.published_at).date() if release and release.published_at else None
    charts = {
        "feeds": bar_chart("피드별 구독자", [(r["feed"], r["subscribers"]) for r in tables["feeds"]]),
        "channels": bar_chart("경로별 구독자", [(r["channel"], r["subscribers"]) for r in tables["channels"]]),
        "top_releases": bar_chart("많이 본 보도자료", [(r["title"], r["views"]) for r in tables["top_releases"]]),
        "sources": bar_chart("유입 경로", [(r["label"], r["views"]) for r in tables["sources"]]),
        "widget_hosts": bar_chart("위젯을 단 사이트", [(r["host"], r["loads"]) for r in tables["widget_hosts"]]),
        "daily_views": day_chart("일별 조회", tables["daily_views"], published),
    }
    return render_template("admin/audience.html", period=period, periods=report.PERIODS, release=release,
                           published=published, tables=tables, charts=charts, headings=report.TABLES,
                           number=korean_number)


def _cell(value):
    """Keep a spreadsheet from reading text as a formula (a title or a Referer's host is text)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.get("/audience.csv")
@login_required
def csv_export():
    """Send one table of the page as CSV (UTF-8 with BOM, so Excel reads the Korean)."""
    name = request.args.get("table", "")
    if name not in report.TABLES:
        abort(404, description="없는 표입니다.")
    period, release = chosen(request.args)
    rows = report.everything(period, release)[name]
    columns = report.TABLES[name][1]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([heading for _, heading in columns])
    for row in rows:
        writer.writerow([_cell(row[key]) for key, _ in columns])
    response = current_app.response_class(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="audience-{name}-{period.days}d.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
