"""Review before publishing in the admin: the queue, 승인 게시 and 반려, and the menu's badge."""
from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from feedserver.admin.accounts import actor, login_required
from feedserver.dates import parse_kst_input
from feedserver.models import Category, Release
from feedserver.publishing import review
from feedserver.publishing.permissions import PublishingError, must_review

bp = Blueprint("admin_review", __name__, url_prefix="/admin")


@bp.get("/review")
@login_required
def queue():
    """Approvers see what waits for them; everyone sees their own releases sent back."""
    waiting = list(review.waiting().join(Category).switch(Release).select(Release, Category)) \
        if g.user.is_approver else []
    return render_template("admin/review.html", waiting=waiting,
                           returned=list(review.returned_to(g.user)))


@bp.post("/releases/<public_id>/approve")
@login_required
def approve(public_id):
    release = _release(public_id)
    when = None
    if request.form.get("publish_at", "").strip():
        try:
            when = parse_kst_input(request.form["publish_at"])
        except (ValueError, OverflowError):
            return _back(release, "예약 시각 형식이 올바르지 않습니다.")
    try:
        review.approve(release, actor(), when)
    except PublishingError as error:
        return _back(release, error.message)
    flash(f"‘{release.title}’을(를) 승인하여 " + ("예약했습니다." if when else "게시했습니다."))
    return redirect(url_for("admin_review.queue"))


@bp.post("/releases/<public_id>/return")
@login_required
def send_back(public_id):
    release = _release(public_id)
    note = " ".join(request.form.get("note", "").split())[:1000]
    try:
        review.send_back(release, actor(), note)
    except PublishingError as error:
        return _back(release, error.message)
    flash(f"‘{release.title}’을(를) 반려했습니다. 작성자에게 사유가 보입니다.")
    return redirect(url_for("admin_review.queue"))


def _release(public_id):
    if not g.user.is_approver:
        abort(403, description="검토는 승인자나 관리자만 할 수 있습니다.")
    release = Release.by_public_id(public_id)
    if release is None:
        abort(404, description="없는 보도자료입니다.")
    return release


def _back(release, message):
    flash(message, "error")
    return redirect(url_for("admin.edit", public_id=release.public_id))


@bp.app_context_processor
def _review_context():
    def editor_must_review(release):
        """Tell whether the signed-in user's 게시 buttons become 검토 요청 on this editor page."""
        user = g.get("user")
        if user is None or user.is_approver:
            return False
        if release is not None:
            return must_review(user, release.category)
        return Category.select().where(Category.review_required == True).exists()

    def review_counts():
        return review.counts(g.get("user"))

    return {"editor_must_review": editor_must_review, "review_counts": review_counts}
