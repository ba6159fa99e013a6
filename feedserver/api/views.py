"""The JSON API at /api/v1/: releases, attachments and categories for other systems."""
from flask import Blueprint, current_app, jsonify, request
from peewee import IntegrityError, prefetch

from feedserver.api.audience import audience_json
from feedserver.api.auth import api_actor, token_required
from feedserver.api.openapi import document
from feedserver.api.payloads import (
    api_error,
    attachment_json,
    category_json,
    http_error,
    json_body,
    list_args,
    release_json,
    require_keys,
)
from feedserver.content.uploads import UploadError, check_upload, read_limited
from feedserver.models import Attachment, Category, Release
from feedserver.publishing import releases as publishing
from feedserver.publishing.input import FieldErrors, check_external_id, check_fields
from feedserver.publishing.press_fields import NAMES as PRESS_FIELDS
from feedserver.publishing.releases import PublishingError
from feedserver.web.errors import render_error
from feedserver.web.urls import absolute

bp = Blueprint("api", __name__, url_prefix="/api/v1")
RELEASE_KEYS = {"title", "category", "author", "body", "summary", "status", "published_at",
                *PRESS_FIELDS}


@bp.errorhandler(FieldErrors)
def _field_errors(error):
    return render_error(http_error(error.status, error.message, error.fields))


@bp.errorhandler(PublishingError)
def _refused(error):
    return render_error(http_error(error.status, error.message))


@bp.errorhandler(UploadError)
def _bad_upload(error):
    return render_error(http_error(error.status, error.message, {"file": error.message}))


@bp.get("/openapi.json")
def openapi():
    return jsonify(document((c.slug for c in Category.ordered()), current_app.config["MAX_QUERY_LENGTH"]))


@bp.get("/audience")
@token_required
def audience():
    return jsonify(audience_json(request.args))


@bp.get("/categories")
@token_required
def categories():
    return jsonify(items=[category_json(c) for c in Category.ordered()])


@bp.get("/releases")
@token_required
def list_releases():
    args = list_args(request.args, current_app.config["API_PAGE_SIZE"])
    query = args.query.order_by(Release.created_at.desc(), Release.id.desc())
    total = query.count()
    rows = prefetch(query.offset((args.page - 1) * args.per_page).limit(args.per_page),
                    Attachment.listed())
    more = args.page * args.per_page < total
    return jsonify(items=[release_json(r) for r in rows], page=args.page,
                   per_page=args.per_page, total=total,
                   next=absolute("api.list_releases", **args.params(args.page + 1))
                   if more else None)


@bp.post("/releases")
@token_required
def create_release():
    data = json_body()
    require_keys(data, RELEASE_KEYS | {"external_id"})
    external_id = check_external_id(data.get("external_id"))
    existing = Release.get_or_none(Release.external_id == external_id) if external_id else None
    if existing is not None:
        return _replay(existing, data)
    fields = check_fields(data)
    try:
        release = publishing.create_release(fields, api_actor(), external_id=external_id)
    except IntegrityError:  # a concurrent retry created it first
        existing = Release.get_or_none(Release.external_id == external_id) if external_id else None
        if existing is None:
            raise
        return _replay(existing, data)
    return _release_response(release, 201)


def _replay(release, data):
    """Answer a repeated create: the same release if the content matches, else 409."""
    fields = check_fields(data, future_only=False)
    columns = publishing.derive_columns(fields, None)
    columns.pop("corrected_at", None)  # stamped at each save: not part of what was sent
    if not data.get("published_at"):
        columns.pop("published_at", None)  # "publish now" said again is not a new time
    if any(publishing.stored_value(release, name) != value for name, value in columns.items()):
        api_error(409, "같은 external_id로 내용이 다른 보도자료가 이미 있습니다.",
                  {"external_id": f"이미 쓰인 external_id입니다 (보도자료 {release.public_id})."})
    return _release_response(release, 200)


def _release_response(release, status):
    response = jsonify(release_json(release))
    response.status_code = status
    response.headers["Location"] = absolute("api.get_release", public_id=release.public_id)
    return response


@bp.get("/releases/<public_id>")
@token_required
def get_release(public_id):
    return jsonify(release_json(_find(public_id)))


@bp.patch("/releases/<public_id>")
@token_required
def update_release(public_id):
    release = _find(public_id)
    data = json_body()
    require_keys(data, RELEASE_KEYS)
    publishing.update_release(release, check_fields(data, current=release), api_actor())
    return jsonify(release_json(_find(public_id)))


@bp.post("/releases/<public_id>/schedule")
@token_required
def schedule_release(public_id):
    release = _find(public_id)
    data = json_body()
    require_keys(data, {"published_at"})
    if not data.get("published_at"):
        raise FieldErrors({"published_at": "예약 게시 시각을 입력해 주세요."})
    fields = check_fields({"status": "scheduled", "published_at": data["published_at"]},
                          current=release)
    publishing.update_release(release, fields, api_actor(), action="release_schedule")
    return jsonify(release_json(_find(public_id)))


@bp.post("/releases/<public_id>/withdraw")
@token_required
def withdraw_release(public_id):
    publishing.withdraw_release(_find(public_id), api_actor())
    return jsonify(release_json(_find(public_id)))


@bp.post("/releases/<public_id>/restore")
@token_required
def restore_release(public_id):
    publishing.restore_release(_find(public_id), api_actor())
    return jsonify(release_json(_find(public_id)))


@bp.delete("/releases/<public_id>")
@token_required
def delete_release(public_id):
    publishing.delete_release(_find(public_id), api_actor())
    return "", 204


@bp.post("/releases/<public_id>/attachments")
@token_required
def add_attachment(public_id):
    release = _find(public_id)
    if request.mimetype != "multipart/form-data":
        api_error(415, "첨부파일은 multipart/form-data의 file 항목으로 보내 주세요.")
    unknown = sorted((set(request.form) | set(request.files)) - {"file"})
    if unknown:  # the document lists one part, as the JSON bodies list their keys
        api_error(400, "알 수 없는 항목이 있습니다.", {k: "알 수 없는 항목입니다." for k in unknown})
    file = request.files.get("file")
    if file is None or not file.filename:
        api_error(400, "file 항목에 파일이 없습니다.", {"file": "파일을 보내 주세요."})
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    upload = check_upload(file.filename, read_limited(file.stream, limit), limit)
    publishing.update_release(release, {}, api_actor(), uploads=[upload])
    added = release.attachments.order_by(Attachment.id.desc()).first()
    return jsonify(attachment_json(release, added)), 201


@bp.delete("/releases/<public_id>/attachments/<int(max=2147483647):attachment_id>")
@token_required
def remove_attachment(public_id, attachment_id):
    release = _find(public_id)
    if not any(f.id == attachment_id for f in release.attachments):
        api_error(404, "없는 첨부파일입니다.")
    publishing.update_release(release, {}, api_actor(), remove_ids=[attachment_id])
    return "", 204


def _find(public_id):
    release = Release.by_public_id(public_id)
    if release is None:
        api_error(404, "없는 보도자료입니다.")
    return release
