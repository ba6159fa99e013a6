"""The OpenAPI 3 description of /api/v1/, served at /api/v1/openapi.json."""
from feedserver.audience.referrers import SOURCES
from feedserver.content.kogl import LICENSE_URL, TYPES
from feedserver.publishing.input import EARLIEST_YEAR, LATEST_YEAR, VISIBLE
from feedserver.publishing.press_fields import EMAIL_PATTERN, LIMITS, PHONE_PATTERN

STRING_OR_NULL = {"type": "string", "nullable": True}
DATE_TIME = {"type": "string", "format": "date-time"}
STATUS = {"type": "string", "enum": ["draft", "scheduled", "published", "withdrawn"]}
# The years publishing stores (1970–9000), as a pattern on the date-time's own year digits.
YEAR_RANGE = r"^(19[7-9][0-9]|[2-8][0-9]{3}|9000)-"
assert (EARLIEST_YEAR, LATEST_YEAR) == (1970, 9000), "keep YEAR_RANGE in step"
INPUT_TIME = {**DATE_TIME, "pattern": YEAR_RANGE,
              "description": f"시간대가 있는 RFC 3339 시각, {EARLIEST_YEAR}–{LATEST_YEAR}년 "
                             "(초 미만은 버림, 윤초 23:59:60은 23:59:59로 저장)"}
# No request may carry NUL in a query or form (web.security.refuse_nul): PostgreSQL text cannot.
NO_NUL = "^[^\\u0000]*$"
INPUT_STATUS = {"type": "string", "enum": ["draft", "published", "scheduled"],
                "description": "draft: 임시저장, published: 게시(미래 시각이면 예약), scheduled: 예약"}


def _text(limit, description, **extra):
    return {"type": "string", "maxLength": limit, "description": description, **extra}


# Korean press-release fields: what the API accepts (publishing.press_fields checks the same).
PRESS_INPUT = {
    "department": _text(LIMITS["department"], "담당부서"),
    "contact_person": _text(LIMITS["contact_person"], "담당자"),
    "contact_phone": _text(LIMITS["contact_phone"], "연락처(전화): 02-123-4567, 031-8008-2114, "
                           "010-1234-5678, 1588-1234 형식 또는 빈 문자열", pattern=PHONE_PATTERN),
    "contact_email": _text(LIMITS["contact_email"], "연락처(전자우편) 또는 빈 문자열",
                           pattern=EMAIL_PATTERN),
    "embargo_text": _text(LIMITS["embargo_text"], "보도시점 (예: \"2024. 5. 7.(화) 조간\", \"즉시 보도\"). "
                          "아직 오지 않은 날짜(와 시각)가 있으면 게시가 그때로 예약됨: 시각이 없으면 "
                          "조간 06:00, 석간 12:00 (한국 시간), \"(온라인 5. 6.(월) 12:00)\"이 있으면 그 시각"),
    # OpenAPI 3.0: `nullable` does not reach into `enum`, so null is listed too.
    "kogl_type": {"type": "integer", "enum": [*TYPES, None], "nullable": True,
                  "description": f"공공누리 유형 1–4, null이면 게시판 기본값 ({LICENSE_URL})"},
    "correction": _text(LIMITS["correction"], "정정 내용 (공개): 바꾸면 정정 시각이 지금으로 기록됨"),
}
LICENSE = {"type": "object", "nullable": True, "required": ["type", "label", "url"], "properties": {
    "type": {"type": "integer"}, "label": {"type": "string"}, "url": {"type": "string", "format": "uri"}}}
PRESS_OUTPUT = {
    **{name: {"type": "string"} for name in ("department", "contact_person", "contact_phone",
                                              "contact_email", "embargo_text", "correction")},
    "kogl_type": {"type": "integer", "nullable": True}, "license": LICENSE,
    "corrected_at": {**DATE_TIME, "nullable": True},
    "modified_at": {**DATE_TIME, "nullable": True,
                    "description": "게시 뒤 내용이 마지막으로 바뀐 시각 (수정일), 없으면 null"},
}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR_TEXT = {
    400: "문서와 맞지 않는 요청 (형식 오류, 필수 항목 누락, 없는 분류 등)", 401: "토큰이 없거나 폐기됨",
    403: "권한 없음: 삭제는 관리자만, 다른 사람이 쓴 보도자료를 고치거나 철회·복원하는 것은 승인자와 "
         "관리자만 할 수 있음. 검토 후 게시하는 분류에서는 편집자 토큰으로 게시(published, scheduled)할 수 "
         "없음: 임시저장(draft)으로 보낸 뒤 관리자 화면에서 검토를 요청", 404: "없는 보도자료", 405: "허용되지 않는 메서드",
    409: "보도자료의 지금 상태와 충돌 (철회됨, 게시 전 등) 또는 external_id 중복",
    413: "파일이 너무 큼",
    415: "본문 형식(Content-Type)이 다르거나 올릴 수 없는 파일 형식 (허용: hwp, hwpx, pdf, docx, xlsx, pptx, jpg, "
         "png, zip; 내용이 확장자와 맞아야 함)",
    422: "형식은 맞지만 규칙상 받을 수 없음: 예약(scheduled)인데 시각이 없거나, 예약 시각이 이미 지남"}
# Request lines longer than gunicorn's limit_request_line (and nginx's buffers) never reach the
# app: the server in front answers with its own HTML page.
URI_TOO_LONG = {"description": "요청 줄(URL)이 8190바이트를 넘음: 앱 앞의 서버(gunicorn, nginx)가 HTML로 답함",
                "content": {"text/html": {"schema": {"type": "string"}}}}


def _rows(**properties):
    """An array of objects that have exactly these properties."""
    return {"type": "array", "items": {"type": "object", "required": list(properties),
                                       "properties": properties}}


INT, TEXT = {"type": "integer", "minimum": 0}, {"type": "string"}
AUDIENCE_SCHEMAS = {"Audience": {"type": "object", "required": [
    "period", "release", "feeds", "channels", "top_releases", "daily_views", "sources", "widget_hosts"],
    "properties": {
        "period": {"type": "object", "required": ["days", "start", "end"], "properties": {
            "days": {"type": "integer"}, "start": {"type": "string", "format": "date"},
            "end": {"type": "string", "format": "date"}}},
        "release": STRING_OR_NULL,
        "feeds": _rows(feed=TEXT, subscribers=INT, aggregators=INT, direct=INT, websub=INT, polls=INT,
                       not_modified=INT),
        "channels": _rows(channel=TEXT, subscribers=INT),
        "top_releases": _rows(public_id=TEXT, title=TEXT, published_at={**DATE_TIME, "nullable": True},
                              views=INT),
        "daily_views": _rows(day={"type": "string", "format": "date"}, views=INT),
        "sources": _rows(source={"type": "string", "enum": list(SOURCES)}, label=TEXT, views=INT),
        "widget_hosts": _rows(host=TEXT, loads=INT)}}}


def _errors(*codes):
    errors = {str(code): _json(_ref("Error"), ERROR_TEXT[code]) for code in (401, 405) + codes}
    return {**errors, "414": URI_TOO_LONG}


def _operation(operation_id, summary, responses, *errors, body=None, params=()):
    op = {"operationId": operation_id, "summary": summary,
          "responses": {**responses, **_errors(*errors)}, "security": [{"bearerAuth": []}]}
    if body:
        op["requestBody"] = body
    if params:
        op["parameters"] = list(params)
    return op


def _query(name, schema, description):
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


RELEASE_ID = {"name": "public_id", "in": "path", "required": True,
              "schema": {"type": "string", "minLength": 1, "maxLength": 16}}
ATTACHMENT_ID = {"name": "attachment_id", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}}
JSON_BODY = {"required": True, "content": {"application/json": {"schema": _ref("ReleaseInput")}}}


def _schemas(slugs):
    release_fields = {
        "title": {"type": "string", "maxLength": 300, "pattern": VISIBLE,
                  "description": "비어 있지 않은 제목"},
        "category": {"type": "string", "enum": slugs, "description": "분류의 slug"},
        "author": {"type": "string", "maxLength": 100, "description": "비우면 기본 작성자"},
        "body": {"type": "string", "description": "HTML 또는 줄바꿈이 있는 글; 저장할 때 정리됨"},
        "summary": {"type": "string", "maxLength": 1000},
        "status": INPUT_STATUS,
        "published_at": {**INPUT_TIME, "nullable": True},
        **PRESS_INPUT,
    }
    return {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["status", "message", "fields"], "properties": {
                "status": {"type": "integer"}, "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}},
        "Category": {"type": "object", "required": ["slug", "name", "description"], "properties": {
            "slug": {"type": "string"}, "name": {"type": "string"},
            "description": {"type": "string"}}},
        "Attachment": {"type": "object",
                       "required": ["id", "filename", "content_type", "size", "sha256", "url"],
                       "properties": {"id": {"type": "integer"}, "filename": {"type": "string"},
                                      "content_type": {"type": "string"},
                                      "size": {"type": "integer"}, "sha256": {"type": "string"},
                                      "url": {"type": "string", "format": "uri"}}},
        "Release": {"type": "object", "required": [
            "id", "external_id", "category", "title", "author", "body", "summary", "status",
            "visible", "published_at", "created_at", "updated_at", "revision", *PRESS_OUTPUT,
            "url", "attachments"], "properties": {
            "id": {"type": "string"}, "external_id": STRING_OR_NULL,
            "category": {"type": "string"}, "title": {"type": "string"},
            "author": {"type": "string"}, "body": {"type": "string"},
            "summary": {"type": "string"}, "status": STATUS, "visible": {"type": "boolean"},
            "published_at": {**DATE_TIME, "nullable": True}, "created_at": DATE_TIME,
            "updated_at": DATE_TIME, "revision": {"type": "integer"},
            **PRESS_OUTPUT,
            "url": {"type": "string", "format": "uri"},
            "attachments": {"type": "array", "items": _ref("Attachment")}}},
        "ReleaseList": {"type": "object", "required": ["items", "page", "per_page", "total", "next"],
                        "properties": {"items": {"type": "array", "items": _ref("Release")},
                                       "page": {"type": "integer"},
                                       "per_page": {"type": "integer"},
                                       "total": {"type": "integer"},
                                       "next": {"type": "string", "nullable": True}}},
        "ReleaseInput": {"type": "object", "additionalProperties": False,
                         "required": ["title", "category"], "properties": {**release_fields, "external_id": {
                             "type": "string", "maxLength": 200, "nullable": True,
                             "pattern": f"^[^\\u0000-\\u001f]*{VISIBLE}[^\\u0000-\\u001f]*$",
                             "description": "보내는 시스템의 고유 번호: 같은 값으로 다시 보내도 하나만 생김"}}},
        "ReleasePatch": {"type": "object", "additionalProperties": False,
                         "properties": release_fields},
        **AUDIENCE_SCHEMAS,
        "Schedule": {"type": "object", "additionalProperties": False,
                     "required": ["published_at"], "properties": {"published_at": INPUT_TIME}},
    }


def _links(*operation_ids, id_from="$response.body#/id"):
    """Link a response to the operations that take the release it names (for stateful clients)."""
    return {op[0].upper() + op[1:]: {"operationId": op, "parameters": {"public_id": id_from}}
            for op in operation_ids}


def _release(description, *operation_ids, id_from="$response.body#/id"):
    return {**_json(_ref("Release"), description), "links": _links(*operation_ids, id_from=id_from)}


EVERY_RELEASE_OPERATION = ("getRelease", "updateRelease", "deleteRelease", "scheduleRelease",
                           "withdrawRelease", "restoreRelease", "addAttachment")
UPLOAD = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "additionalProperties": False,
    "properties": {"file": {"type": "string", "format": "binary", "minLength": 1,
                            "description": "파일 이름(확장자 포함)이 있는 비어 있지 않은 파일"}}}}}}


def _paths(slugs, max_query_length):
    created = _release("새로 만듦", *EVERY_RELEASE_OPERATION)
    replayed = _release("같은 external_id, 같은 내용: 이미 있는 보도자료", *EVERY_RELEASE_OPERATION)

    def same(*operation_ids):  # the release the request named, linked to what may follow
        return _release("보도자료", *operation_ids, id_from="$request.path.public_id")
    one = {"parameters": [RELEASE_ID]}
    attachment = {**_json(_ref("Attachment"), "올린 파일"), "links": {"DeleteAttachment": {
        "operationId": "deleteAttachment",
        "parameters": {"public_id": "$request.path.public_id", "attachment_id": "$response.body#/id"}}}}
    return {
        "/audience": {"get": _operation(
            "getAudience", "독자 현황: 피드별·경로별 구독자, 많이 본 보도자료, 일별 조회, 유입 경로, 위젯을 단 사이트",
            {"200": _json(_ref("Audience"), "기간의 집계 (한국 날짜)")}, 400, 404,
            params=[_query("days", {"type": "integer", "enum": [7, 30, 90], "default": 30}, "기간(일)"),
                    _query("release", {"type": "string", "maxLength": 16, "pattern": NO_NUL},
                           "일별 조회와 유입 경로를 볼 보도자료의 id (없으면 전체)")])},
        "/categories": {"get": _operation("listCategories", "분류 목록", {"200": _json(
            {"type": "object", "required": ["items"],
             "properties": {"items": {"type": "array", "items": _ref("Category")}}}, "분류들")})},
        "/releases": {
            "get": _operation("listReleases", "보도자료 목록 (최근 작성 순)",
                              {"200": _json(_ref("ReleaseList"), "목록")}, 400,
                              params=[_query("status", STATUS, "상태로 거르기"),
                                      _query("category", {"type": "string", "enum": slugs},
                                             "분류 slug"),
                                      _query("q", {"type": "string", "maxLength": max_query_length,
                                                   "pattern": NO_NUL}, "제목·본문·작성자 검색"),
                                      _query("page", {"type": "integer", "minimum": 1, "maximum": 10**6}, "쪽"),
                                      _query("per_page", {"type": "integer", "minimum": 1,
                                                          "maximum": 100}, "쪽당 개수")]),
            "post": _operation("createRelease", "보도자료 작성 (external_id가 같으면 같은 보도자료)",
                               {"200": replayed, "201": created}, 400, 403, 409, 415, 422, body=JSON_BODY)},
        "/releases/{public_id}": {**one,
            "get": _operation("getRelease", "보도자료 읽기", {"200": same("updateRelease")}, 404),
            "patch": _operation("updateRelease", "보도자료 고치기 (보낸 항목만)",
                                {"200": same("getRelease", "scheduleRelease", "withdrawRelease")},
                                400, 403, 404, 409, 415, 422, body={"required": True, "content": {
                                    "application/json": {"schema": _ref("ReleasePatch")}}}),
            "delete": _operation("deleteRelease", "보도자료 삭제 (관리자)",
                                 {"204": {"description": "삭제함"}}, 403, 404)},
        "/releases/{public_id}/schedule": {**one, "post": _operation(
            "scheduleRelease", "예약 게시", {"200": same("getRelease", "withdrawRelease")}, 400, 403, 404, 409, 415,
            422,
            body={"required": True, "content": {"application/json": {"schema": _ref("Schedule")}}})},
        "/releases/{public_id}/withdraw": {**one, "post": _operation(
            "withdrawRelease", "게시 철회 (게시 화면은 410, 피드에서 빠짐)",
            {"200": same("restoreRelease", "getRelease")}, 403, 404, 409)},
        "/releases/{public_id}/restore": {**one, "post": _operation(
            "restoreRelease", "철회한 보도자료 다시 게시",
            {"200": same("getRelease", "withdrawRelease", "deleteRelease")}, 403, 404, 409)},
        "/releases/{public_id}/attachments": {**one, "post": _operation(
            "addAttachment", "첨부파일 올리기", {"201": attachment}, 400, 403, 404, 409, 413, 415,
            body=UPLOAD)},
        "/releases/{public_id}/attachments/{attachment_id}": {
            "parameters": [RELEASE_ID, ATTACHMENT_ID],
            "delete": _operation("deleteAttachment", "첨부파일 삭제",
                                 {"204": {"description": "삭제함"}}, 403, 404, 409)},
    }


def document(slugs, max_query_length):
    """Return the OpenAPI document as a dict; category slugs are listed as they are now."""
    slugs = list(slugs) or [""]
    return {
        "openapi": "3.0.3",
        "info": {"title": "feedserver 보도자료 API", "version": "1.0.0",
                 "description": "보도자료를 읽고 쓰는 API. 관리자 화면에서 발급한 토큰을 "
                                "Authorization: Bearer 머리글로 보냅니다. 오류는 "
                                "{\"error\": {\"status\", \"message\", \"fields\"}} 형식입니다. "
                                "400은 요청이 이 문서와 맞지 않을 때, 422는 형식은 맞지만 규칙(예약 시각 등)에 "
                                "맞지 않을 때, 409는 보도자료의 지금 상태와 충돌할 때입니다. 403은 역할이 허락하지 "
                                "않을 때입니다: 검토 후 게시하는 분류에서 편집자의 토큰은 게시할 수 없고(검토 "
                                "요청은 관리자 화면에서), 편집자는 자기가 쓴 보도자료만 고치거나 철회합니다."},
        "servers": [{"url": "/api/v1"}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
                       "schemas": _schemas(slugs)},
        "security": [{"bearerAuth": []}],
        "paths": _paths(slugs, max_query_length),
    }
