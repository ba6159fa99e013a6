"""Pictures in a release's body: the editor uploads them here as the release's files (JSON).

A picture is stored like any attachment (content/uploads checks the bytes; publishing/ writes
it and bumps the feed state) and placed as <img src="/releases/<id>/files/<n>">. While a draft
is edited its files are not public yet, so the editor shows them through /admin/... and the
sanitiser stores the public path. A new release gets a draft first (POST /admin/images/draft),
so a picture always belongs to a release; the editor then saves the form onto that draft.
"""
import re
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request, url_for

from feedserver.admin.accounts import actor, load_session_user
from feedserver.admin.releases import get_release
from feedserver.content import storage
from feedserver.content.uploads import UploadError, check_image, read_limited
from feedserver.models import Attachment, Category
from feedserver.publishing import releases as publishing
from feedserver.publishing.input import FieldErrors, check_fields
from feedserver.publishing.permissions import may_manage
from feedserver.publishing.releases import PublishingError

bp = Blueprint("admin_images", __name__, url_prefix="/admin")
UNTITLED = "(제목 없음)"


# An inline picture of the body as stored; a draft's is not public, so staff see it through /admin.
PUBLIC_IMAGE = re.compile(r'(<img\b[^>]*\ssrc=")(/releases/[A-Za-z0-9]+/files/[0-9]+")')


@bp.app_template_filter("staff_image_urls")
def staff_image_urls(html):
    """Point a body's own pictures at the admin's copy, so previews of drafts show them."""
    return PUBLIC_IMAGE.sub(r"\1/admin\2", html or "")


def json_login_required(view):
    """Answer 401 JSON, not a redirect, when the session is gone: the caller is a script."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.user = load_session_user()
        if g.user is None:
            return _error(401, "로그인이 끝났습니다. 다시 로그인해 주세요.")
        return view(*args, **kwargs)
    return wrapper


def _error(status, message):
    return jsonify({"error": message}), status


@bp.post("/images/draft")
@json_login_required
def create_draft():
    """Create a draft from the form's title and category so pictures have a release to join."""
    category = request.form.get("category", "")
    if not Category.select().where(Category.slug == category).exists():
        first = Category.ordered().first()
        if first is None:
            return _error(400, "분류가 없어 그림을 넣을 수 없습니다. 먼저 분류를 만들어 주세요.")
        category = first.slug
    title = " ".join(request.form.get("title", "").split()) or UNTITLED
    try:
        fields = check_fields({"title": title, "category": category, "status": "draft",
                               "author": request.form.get("author", ""), "body": ""})
    except FieldErrors as error:
        return _error(400, " ".join(error.fields.values()) or error.message)
    release = publishing.create_release(fields, actor())
    return jsonify(_release_json(release)), 201


@bp.post("/releases/<public_id>/images")
@json_login_required
def upload(public_id):
    """Store one picture as the release's file; answer its public URL and the new revision."""
    release = get_release(public_id)
    if not may_manage(g.user, release):  # a picture changes the release: its writer's or an approver's
        return _error(403, "다른 사람이 쓴 보도자료에는 승인자나 관리자만 그림을 넣을 수 있습니다.")
    file = request.files.get("image")
    if file is None:
        return _error(400, "그림 파일이 없습니다.")
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    try:
        picture = check_image(file.filename or "image", read_limited(file.stream, limit), limit)
        publishing.update_release(release, {}, actor(), uploads=[picture])
    except UploadError as error:
        return _error(error.status, error.message)
    except PublishingError as error:
        return _error(error.status, error.message)
    stored = release.attachments.order_by(Attachment.id.desc()).first()
    return jsonify({**_release_json(release), "id": stored.id, "filename": stored.filename,
                    "url": f"/releases/{release.public_id}/files/{stored.id}",
                    "admin_url": url_for(".file", public_id=release.public_id,
                                         attachment_id=stored.id)}), 201


@bp.get("/releases/<public_id>/files/<int(max=2147483647):attachment_id>")
@json_login_required
def file(public_id, attachment_id):
    """Serve a release's file to signed-in staff whatever the release's state (drafts too)."""
    return storage.send_release_file(get_release(public_id), attachment_id)


def _release_json(release):
    return {"public_id": release.public_id, "revision": release.revision,
            "edit_url": url_for("admin.edit", public_id=release.public_id),
            "upload_url": url_for(".upload", public_id=release.public_id)}
