"""수정 이력: a release's revisions, the difference between any two, and restoring one."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from feedserver.admin.accounts import actor, login_required
from feedserver.admin.releases import get_release
from feedserver.content.kogl import license_of
from feedserver.content.textdiff import diff_lines
from feedserver.models import html_to_text
from feedserver.publishing import audit, revisions
from feedserver.publishing.releases import LABELS, PublishingError
from feedserver.publishing.revert import restore_revision

bp = Blueprint("admin_revisions", __name__, url_prefix="/admin/releases/<public_id>/revisions")
VIA = audit.VIA
STATUS = {"draft": "임시저장", "scheduled": "예약", "published": "게시", "withdrawn": "철회"}
FIELD_LABELS = {**LABELS, "attachments": "첨부파일"}


@bp.get("/")
@login_required
def history(public_id):
    release = get_release(public_id)
    rows = list(revisions.history(release))
    return render_template("admin/revisions.html", release=release, rows=rows, via=VIA,
                           label=audit.action_label)


@bp.get("/diff")
@login_required
def diff(public_id):
    release = get_release(public_id)
    old, new = _revision(release, "a"), _revision(release, "b")
    if old.id > new.id:
        old, new = new, old
    old_data, new_data = revisions.data_of(old), revisions.data_of(new)
    return render_template(
        "admin/revision_diff.html", release=release, old=old, new=new,
        title_rows=diff_lines(old.title, new.title),
        body_rows=diff_lines(html_to_text(old.body_html), html_to_text(new.body_html)),
        same_body=old.body_html == new.body_html,
        fields=_field_changes(old_data, new_data))


@bp.post("/<int(max=2147483647):revision_id>/restore")
@login_required
def restore(public_id, revision_id):
    release = get_release(public_id, manage=True)  # restoring is editing: the owner's or an approver's
    revision = revisions.find(release, revision_id) or abort(404, description="없는 판입니다.")
    try:
        if restore_revision(release, revision, actor()):
            flash(f"{revision.number}판의 내용으로 되돌렸습니다. 새 판으로 저장했습니다.")
        else:
            flash("지금 내용이 그 판과 같습니다.")
    except PublishingError as error:
        flash(error.message, "error")
    return redirect(url_for("admin_revisions.history", public_id=public_id))


def _revision(release, name):
    raw = request.args.get(name, "")
    if not (raw.isdigit() and len(raw) < 10):
        abort(400, description="비교할 두 판을 고르세요.")
    return revisions.find(release, int(raw)) or abort(404, description="없는 판입니다.")


def _field_changes(old, new):
    """Return (label, before, after) for each kept field that differs, in people's words."""
    rows = []
    for name in revisions.KEPT:
        before, after = _shown(name, old), _shown(name, new)
        if before != after:
            rows.append((FIELD_LABELS.get(name, name), before, after))
    return rows


def _shown(name, data):
    value = data.get(name)
    if name == "category":
        return data.get("category_name") or value or ""
    if name == "status":
        return STATUS.get(value, value or "")
    if name == "kogl_type":
        lic = license_of(value)
        return lic.label if lic else "게시판 기본값"
    if name == "attachments":
        return ", ".join(value or []) or "없음"
    return "" if value is None else str(value)
