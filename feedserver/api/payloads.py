"""JSON in and out for the API: request bodies, list arguments, representations, errors."""
from dataclasses import dataclass

from flask import current_app, request
from peewee import Query
from werkzeug.exceptions import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    RequestEntityTooLarge,
    UnprocessableEntity,
    UnsupportedMediaType,
)

from feedserver.content.kogl import license_of
from feedserver.models import STATUSES, Category, Release
from feedserver.publishing.input import find_category, json_problems, rfc3339
from feedserver.search.query import apply_search
from feedserver.web.urls import absolute

LIST_KEYS = {"status", "category", "q", "page", "per_page"}
ERRORS = {400: BadRequest, 403: Forbidden, 404: NotFound, 409: Conflict,
          413: RequestEntityTooLarge, 415: UnsupportedMediaType, 422: UnprocessableEntity}


def http_error(status, message, fields=None):
    """Return the HTTP error that errors.py renders as {"error": {status, message, fields}}."""
    error = ERRORS[status](message)
    error.fields = fields or {}
    return error


def api_error(status, message, fields=None):
    raise http_error(status, message, fields)


def json_body():
    """Return the request's JSON object, or answer 415 or 400."""
    if request.mimetype != "application/json":
        api_error(415, "본문은 Content-Type: application/json 이어야 합니다.")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # the C parser gives up on deep nesting this way, not as ValueError
        api_error(400, "JSON이 너무 깊게 중첩되어 있습니다.")
    if data is None:
        api_error(400, "JSON 형식이 올바르지 않습니다.")
    if not isinstance(data, dict):
        api_error(400, "JSON 객체({ … })를 보내 주세요.")
    problems = json_problems(data)
    if problems:
        api_error(400, "보낸 JSON에 받을 수 없는 값이 있습니다.", problems)
    return data


# Keys whose empty string the document refuses: a time is RFC 3339 or null, an id has a letter.
NOT_EMPTY = {"published_at": "게시 시각은 RFC 3339 시각이거나 null이어야 합니다.",
             "external_id": "external_id는 비어 있지 않은 문자열이거나 null이어야 합니다."}


def require_keys(data, allowed):
    """Refuse keys the endpoint does not know, so typos are not silently ignored."""
    unknown = sorted(set(data) - allowed)
    if unknown:
        api_error(400, "알 수 없는 항목이 있습니다.", {k: "알 수 없는 항목입니다." for k in unknown})
    empty = {key: message for key, message in NOT_EMPTY.items() if key in allowed and data.get(key) == ""}
    if empty:  # imports read "" as "none"; the API's document does not
        api_error(400, "입력값을 확인해 주세요.", empty)


@dataclass(frozen=True)
class ApiQuery:
    query: Query
    page: int
    per_page: int
    filters: dict

    def params(self, page):
        return {**self.filters, "page": page, "per_page": self.per_page}


def list_args(args, default_size):
    """Parse ?status=&category=&q=&page=&per_page= into a release query."""
    fields, filters = {k: "알 수 없는 항목입니다." for k in set(args) - LIST_KEYS}, {}
    page = _integer(args, "page", 1, 1, 10**6, fields)
    per_page = _integer(args, "per_page", default_size, 1, 100, fields)
    query = Release.select(Release, Category).join(Category)
    status = args.get("status")
    if status is not None:
        if status in STATUSES:
            query, filters["status"] = query.where(Release.status == status), status
        else:
            fields["status"] = "상태는 " + ", ".join(STATUSES) + " 중 하나여야 합니다."
    slug = args.get("category")
    if slug is not None:
        category = find_category(slug) if slug else None
        if category is None:
            fields["category"] = "없는 분류입니다."
        else:
            query, filters["category"] = query.where(Release.category == category.id), slug
    raw_q = args.get("q") or ""
    q = " ".join(raw_q.split())
    if len(raw_q) > current_app.config["MAX_QUERY_LENGTH"]:  # the document's maxLength, as sent
        fields["q"] = "검색어가 너무 깁니다."
    elif q:
        query, filters["q"] = apply_search(query, "all", q), q
    if fields:
        api_error(400, "목록 조건을 확인해 주세요.", fields)
    return ApiQuery(query, page, per_page, filters)


def _integer(args, name, default, low, high, fields):
    raw = args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        fields[name] = f"{low}부터 {high}까지의 정수여야 합니다."
        return default
    return int(raw)


def category_json(category):
    return {"slug": category.slug, "name": category.name, "description": category.description}


def attachment_json(release, file):
    return {"id": file.id, "filename": file.filename, "content_type": file.content_type,
            "size": file.size, "sha256": file.sha256,
            "url": absolute("board.attachment", public_id=release.public_id, attachment_id=file.id)}


def release_json(release):
    """Return the API representation of a release."""
    return {
        "id": release.public_id,
        "external_id": release.external_id,
        "category": release.category.slug,
        "title": release.title,
        "author": release.author,
        "body": release.body_html,
        "summary": release.summary,
        "status": release.status,
        "visible": release.is_public(),
        "published_at": rfc3339(release.published_at),
        "created_at": rfc3339(release.created_at),
        "updated_at": rfc3339(release.updated_at),
        "revision": release.revision,
        **press_json(release),
        "url": absolute("board.release", public_id=release.public_id),
        "attachments": [attachment_json(release, f) for f in
                        sorted(release.attachments, key=lambda f: f.id)],
    }


def press_json(release):
    """Return the Korean press-release fields, the 공공누리 licence shown and the 정정 note."""
    lic = license_of(release.effective_kogl_type)
    return {"department": release.department, "contact_person": release.contact_person,
            "contact_phone": release.contact_phone, "contact_email": release.contact_email,
            "embargo_text": release.embargo_text, "kogl_type": release.kogl_type,
            "license": lic.as_json() if lic else None,
            "correction": release.correction, "corrected_at": rfc3339(release.corrected_at),
            "modified_at": rfc3339(release.modified_at)}
