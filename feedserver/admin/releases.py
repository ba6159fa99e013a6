"""The Korean admin for editors: release list, editor, preview, withdraw, restore, delete."""
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from feedserver.admin import keep
from feedserver.admin.accounts import actor, admin_required, login_required
from feedserver.admin.forms import EditorForm, status_label
from feedserver.admin.labels import review_fields, saved_message
from feedserver.dates import detail_datetime
from feedserver.models import Category, Release
from feedserver.publishing import releases as publishing
from feedserver.publishing.input import FieldErrors, check_fields
from feedserver.publishing.permissions import may_manage
from feedserver.publishing.releases import PublishingError
from feedserver.search.query import apply_search, parse_list_args
from feedserver.web.pagination import Pager

bp = Blueprint("admin", __name__, url_prefix="/admin")
STATUS_FILTERS = {"draft": "임시저장", "scheduled": "예약", "published": "게시", "withdrawn": "철회"}


@bp.app_template_filter("release_status")
def _release_status(release):
    return status_label(release)


@bp.get("/")
@login_required
def index():
    args = parse_list_args(request.args, current_app.config["MAX_QUERY_LENGTH"])
    category = request.args.get("category") or ""
    status = request.args.get("status") or ""
    query = Release.select(Release, Category).join(Category)
    if category:
        query = query.where(Category.slug == category)
    if status in STATUS_FILTERS:  # by effective status: a scheduled release now due is 게시
        query = query.where(Release.with_effective_status(status))
    query = apply_search(query, "all", args.q)
    pager = Pager(args.page, current_app.config["ADMIN_PAGE_SIZE"], query.count())
    if args.page > pager.pages:
        abort(404, description="없는 페이지입니다.")
    rows = list(query.order_by(Release.created_at.desc(), Release.id.desc())
                .offset(pager.offset).limit(pager.per_page))
    filters = {k: v for k, v in (("category", category), ("status", status), ("q", args.q)) if v}

    def page_url(page):
        return url_for("admin.index", **filters, **({"page": page} if page > 1 else {}))

    return render_template("admin/index.html", rows=rows, pager=pager, nav=pager.links(page_url),
                           categories=list(Category.ordered()), statuses=STATUS_FILTERS,
                           filters=filters)


@bp.route("/releases/new", methods=["GET", "POST"])
@login_required
def new():
    form = EditorForm.from_request(None) if request.method == "POST" else EditorForm.blank()
    _open(form, None)
    if request.method == "POST" and not form.previewing:
        release = _save(form, None)
        if release is not None:
            return redirect(url_for("admin.edit", public_id=release.public_id))
    return _editor(form, None)


@bp.route("/releases/<public_id>/edit", methods=["GET", "POST"])
@login_required
def edit(public_id):
    release = get_release(public_id, manage=True)
    form = EditorForm.from_request(release) if request.method == "POST" else EditorForm.of(release)
    _open(form, release)
    if request.method == "POST" and not form.previewing:
        if _save(form, release) is not None:
            return redirect(url_for("admin.edit", public_id=release.public_id))
    return _editor(form, release)


def _open(form, release):
    """Carry staged files through a post; offer or restore an autosave on opening."""
    if request.method == "POST":
        keep.receive(form)
    else:
        keep.prepare(form, release)


def _editor(form, release):
    keep.keep(form)  # whatever was chosen in this post stays chosen
    status = 400 if form.errors else 200
    preview = form.preview() if form.previewing and not form.errors else None
    return render_template("admin/editor.html", form=form, release=release, preview=preview,
                           categories=list(Category.ordered()),
                           attachments=list(release.attachments) if release else [],
                           draft_owner=keep.owner_token(g.user), form_key=keep.form_key(release)), status


def _save(form, release):
    """Check and write the form; return the release, or None with form.errors set."""
    if form.errors:
        return None
    try:
        fields = review_fields(form, check_fields(form.input, current=release), release)
        uploads, key = form.uploads + keep.staged_uploads(form), keep.form_key(release)
        old_status = None if release is None else release.effective_status()
        if release is None:
            release = publishing.create_release(fields, actor(), uploads=uploads)
            flash(saved_message(release, None, created=True))
        elif publishing.update_release(release, fields, actor(), uploads=uploads,
                                       remove_ids=form.remove_ids, expected=form.revision):
            flash(saved_message(release, old_status))
        else:
            flash("바뀐 내용이 없습니다.")
        keep.saved(form, key)
        if fields.get("status") == "scheduled" and form.mode == "publish":  # held by 보도시점
            flash(f"보도시점({release.embargo_text})에 맞춰 "
                  f"{detail_datetime(release.published_at)}에 게시되도록 예약했습니다.")
        return release
    except FieldErrors as error:
        form.errors.update({"publish_at" if k == "published_at" else k: v
                            for k, v in error.fields.items()})
    except PublishingError as error:
        form.errors["form"] = error.message
    return None


@bp.get("/releases/<public_id>/preview")
@login_required
def preview(public_id):
    release = get_release(public_id)
    return render_template("admin/preview.html", release=release,
                           attachments=list(release.attachments))


@bp.route("/releases/<public_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(public_id):
    """Ask for confirmation and a reason, then withdraw (게시 철회)."""
    release = get_release(public_id, manage=True)
    reason = " ".join(request.form.get("reason", "").split())[:500]
    if request.method == "GET" or not reason:
        error = "철회 사유를 입력해 주세요." if request.method == "POST" else None
        return render_template("admin/withdraw.html", release=release, error=error,
                               reason=reason), 400 if error else 200
    return _state_change(public_id, lambda r, a: publishing.withdraw_release(r, a, reason),
                         f"‘{release.title}’ 게시를 철회했습니다. 게시판과 피드에서 내려갔습니다.")


@bp.post("/releases/<public_id>/restore")
@login_required
def restore(public_id):
    return _state_change(public_id, publishing.restore_release, "다시 게시했습니다.")


@bp.post("/releases/<public_id>/unschedule")
@login_required
def unschedule(public_id):
    """Cancel a schedule that has not come yet: the release goes back to draft (예약 취소)."""
    return _state_change(public_id, publishing.cancel_schedule,
                         "예약을 취소했습니다. 임시저장 상태로 돌아갔습니다.")


def _state_change(public_id, change, message):
    release = get_release(public_id, manage=True)
    try:
        change(release, actor())
        flash(message)
    except PublishingError as error:
        flash(error.message, "error")
    return redirect(url_for("admin.edit", public_id=public_id))


@bp.route("/releases/<public_id>/delete", methods=["GET", "POST"])
@admin_required
def delete(public_id):
    release = get_release(public_id)
    if request.method == "GET":
        return render_template("admin/delete.html", release=release)
    publishing.delete_release(release, actor())
    flash(f"‘{release.title}’ 보도자료를 삭제했습니다.")
    return redirect(url_for("admin.index"))


def get_release(public_id, manage=False):
    """Return any release by public id, whatever its status, or 404; 403 if managing another's."""
    release = Release.by_public_id(public_id)
    if release is None:
        abort(404, description="없는 보도자료입니다.")
    if manage and not may_manage(g.user, release):
        abort(403, description="다른 사람이 쓴 보도자료는 승인자나 관리자만 고치거나 철회할 수 있습니다.")
    return release


@bp.app_context_processor
def _admin_user():
    def can_manage(release):
        """Tell whether the signed-in user may edit or withdraw this release (else: preview)."""
        return g.get("user") is not None and may_manage(g.user, release)
    return {"admin_user": g.get("user"), "can_manage": can_manage}
