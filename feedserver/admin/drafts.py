"""The editor's autosave endpoint and its staged files: JSON under /admin, for their owner only."""
from flask import Blueprint, abort, g, jsonify, redirect, request, send_file, url_for

from feedserver.admin.accounts import load_session_user, login_required
from feedserver.admin.keep import form_key
from feedserver.content import staging
from feedserver.dates import to_kst
from feedserver.models import Release
from feedserver.publishing import autosave

bp = Blueprint("admin_drafts", __name__, url_prefix="/admin")
EXPIRED = "세션이 만료되었습니다. 저장 버튼을 누르면 입력한 내용이 보관되고, 다시 로그인하면 되살아납니다."


def _json_error(status, message):
    return jsonify(error={"status": status, "message": message}), status


@bp.post("/autosave")
def save():
    """Store the editor's fields for the signed-in user; answer the time saved (KST)."""
    g.user = load_session_user()
    if g.user is None:
        return _json_error(401, EXPIRED)
    if (request.content_length or 0) > autosave.MAX_BYTES:
        return _json_error(413, "자동 저장하기에 너무 깁니다.")
    draft = request.get_json(silent=True)
    if not isinstance(draft, dict):
        return _json_error(400, "자동 저장할 내용이 올바르지 않습니다.")
    key = draft.get("form")
    release = None if key in (None, "", "new") else Release.by_public_id(key)
    if key not in (None, "", "new") and release is None:
        return _json_error(404, "없는 보도자료입니다.")
    try:
        saved_at = autosave.store(g.user, form_key(release), draft)
    except autosave.AutosaveRefused as error:
        return _json_error(error.status, error.message)
    return jsonify(saved_at=to_kst(saved_at).strftime("%H:%M:%S"))


@bp.post("/autosave/discard")
@login_required
def discard():
    """Forget the signed-in user's autosave of one form and reopen the form."""
    key = request.form.get("form") or "new"
    release = None if key == "new" else Release.by_public_id(key)
    if key != "new" and release is None:
        abort(404, description="없는 보도자료입니다.")
    autosave.discard(g.user, form_key(release))
    if release is None:
        return redirect(url_for("admin.new"))
    return redirect(url_for("admin.edit", public_id=release.public_id))


@bp.get("/staged/<token>")
@login_required
def staged_file(token):
    """Send a staged file to its owner; to anyone else it does not exist."""
    staged = staging.owned(g.user.id, token)
    if staged is None or not staging.path_of(staged).is_file():
        abort(404, description="없거나 기한이 지난 파일입니다.")
    return send_file(staging.path_of(staged), mimetype=staged.content_type, as_attachment=True,
                     download_name=staged.filename)
