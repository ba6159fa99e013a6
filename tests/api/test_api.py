"""The token API: create, read, update, schedule, withdraw, idempotency and every error status."""
import io
import re
from datetime import timedelta

import pytest

from feedserver.models import Attachment, Release, utcnow
from feedserver.publishing.input import rfc3339

NEW = {"title": "경기도, 반도체 클러스터 지원", "category": "press",
       "body": "<p>본문</p><script>alert(1)</script>", "status": "published",
       "external_id": "press-office:2025-0001"}


@pytest.fixture
def api(staff):
    def api(app, method, url, who="admin", **kwargs):
        client = app.test_client()
        return getattr(client, method)("/api/v1" + url, headers={**staff.bearer(app, who), **kwargs.pop("headers", {})},
                                       **kwargs)
    return api


def count(app):
    with app.app_context():
        return Release.select().count()


def test_create_read_update_withdraw(staff_db_app, api):
    app = staff_db_app
    created = api(app, "post", "/releases", json=NEW)
    assert created.status_code == 201
    body = created.get_json()
    assert body["body"] == "<p>본문</p>" and body["status"] == "published" and body["visible"]
    assert body["author"] == "경기지기" and body["external_id"] == NEW["external_id"]
    assert created.headers["Location"].endswith(f"/api/v1/releases/{body['id']}")
    assert app.test_client().get(f"/releases/{body['id']}").status_code == 200

    read = api(app, "get", f"/releases/{body['id']}").get_json()
    assert read == body

    updated = api(app, "patch", f"/releases/{body['id']}", json={"title": "고친 제목", "summary": "요약"})
    assert updated.status_code == 200
    assert (updated.get_json()["title"], updated.get_json()["revision"]) == ("고친 제목", 2)
    assert updated.get_json()["published_at"] == body["published_at"]

    same = api(app, "patch", f"/releases/{body['id']}", json={"title": "고친 제목"})
    assert same.get_json()["revision"] == 2 and same.get_json()["updated_at"] == updated.get_json()["updated_at"]

    withdrawn = api(app, "post", f"/releases/{body['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert app.test_client().get(f"/releases/{body['id']}").status_code == 410
    restored = api(app, "post", f"/releases/{body['id']}/restore")
    assert restored.get_json()["status"] == "published"


def test_same_external_id_twice_is_one_release(staff_db_app, api):
    app = staff_db_app
    first = api(app, "post", "/releases", json=NEW)
    again = api(app, "post", "/releases", json=NEW)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"] and count(app) == 1
    changed = api(app, "post", "/releases", json={**NEW, "title": "다른 제목"})
    assert changed.status_code == 409
    error = changed.get_json()["error"]
    assert error["status"] == 409 and "external_id" in error["fields"]
    assert count(app) == 1


def test_schedule_then_visible_only_by_time(staff_db_app, api):
    app = staff_db_app
    draft = api(app, "post", "/releases", json={"title": "예약할 글", "category": "notice"}).get_json()
    assert draft["status"] == "draft" and draft["published_at"] is None
    when = rfc3339(utcnow() + timedelta(hours=3))
    scheduled = api(app, "post", f"/releases/{draft['id']}/schedule", json={"published_at": when})
    assert scheduled.status_code == 200
    assert (scheduled.get_json()["status"], scheduled.get_json()["published_at"]) == ("scheduled", when)
    assert not scheduled.get_json()["visible"]
    assert app.test_client().get(f"/releases/{draft['id']}").status_code == 404
    past = api(app, "post", f"/releases/{draft['id']}/schedule", json={"published_at": "2020-01-01T00:00:00Z"})
    assert past.status_code == 422 and "published_at" in past.get_json()["error"]["fields"]


def test_list_and_categories(staff_app, api):
    for n in range(3):
        api(staff_app, "post", "/releases", json={"title": f"글 {n}", "category": "press", "status": "published"})
    api(staff_app, "post", "/releases", json={"title": "공지", "category": "notice"})
    listing = api(staff_app, "get", "/releases?category=press&per_page=2").get_json()
    assert [i["title"] for i in listing["items"]] == ["글 2", "글 1"]
    assert listing["total"] == 3 and "page=2" in listing["next"]
    assert api(staff_app, "get", "/releases?status=draft").get_json()["total"] == 1
    assert api(staff_app, "get", "/releases?q=공지").get_json()["items"][0]["title"] == "공지"
    categories = api(staff_app, "get", "/categories").get_json()["items"]
    assert [c["slug"] for c in categories] == ["press", "notice"]


def test_upload_attachment_keeps_the_korean_name(staff_app, samples, api):
    release = api(staff_app, "post", "/releases", json={**NEW, "external_id": None}).get_json()
    response = api(staff_app, "post", f"/releases/{release['id']}/attachments",
                   data={"file": (io.BytesIO(samples.tiny_pdf()), "붙임 2. 추진 계획.pdf")})
    assert response.status_code == 201
    file = response.get_json()
    assert (file["filename"], file["content_type"], file["size"]) == (
        "붙임 2. 추진 계획.pdf", "application/pdf", len(samples.tiny_pdf()))
    download = staff_app.test_client().get(file["url"])
    assert download.data == samples.tiny_pdf()
    assert "%EB%B6%99%EC%9E%84%202." in download.headers["Content-Disposition"]
    assert api(staff_app, "delete", f"/releases/{release['id']}/attachments/{file['id']}").status_code == 204
    with staff_app.app_context():
        assert not Attachment.select().exists()


def error_of(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status and error["message"]
    return error


def test_401_missing_wrong_and_revoked_tokens(staff_app, staff, api):
    client = staff_app.test_client()
    response = client.get("/api/v1/releases")
    error_of(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    error_of(client.get("/api/v1/releases", headers={"Authorization": "Bearer fs_nope"}), 401)
    error_of(client.get("/api/v1/releases", headers={"Authorization": "Basic YWRtaW46eA=="}), 401)

    from feedserver.models import ApiToken, User
    from feedserver.publishing.tokens import revoke_token
    with staff_app.app_context():
        token = ApiToken.select().join(User).where(User.username == "editor").get()
        revoke_token(token, staff.CLI)
    error_of(api(staff_app, "get", "/releases", who="editor"), 401)


def test_400_malformed_json_missing_title_unknown_category_and_fields(staff_app, api):
    error = error_of(api(staff_app, "post", "/releases", data="{title: 1",
                         content_type="application/json"), 400)
    assert "JSON" in error["message"]
    error_of(api(staff_app, "post", "/releases", json=["a list"]), 400)
    error = error_of(api(staff_app, "post", "/releases", json={"category": "press"}), 400)
    assert error["fields"] == {"title": "제목을 입력해 주세요."}
    error = error_of(api(staff_app, "post", "/releases", json={"title": "제목", "category": "nope"}), 400)
    assert error["fields"] == {"category": "없는 분류입니다."}
    error = error_of(api(staff_app, "post", "/releases", json={"title": "제목", "category": "press",
                                                               "colour": "red"}), 400)
    assert error["fields"] == {"colour": "알 수 없는 항목입니다."}
    error = error_of(api(staff_app, "get", "/releases?per_page=1000&status=gone"), 400)
    assert set(error["fields"]) == {"per_page", "status"}
    assert count(staff_app) == 0


def test_403_editor_deleting(staff_app, api):
    release = api(staff_app, "post", "/releases", json={"title": "삭제 시험", "category": "press"}).get_json()
    error = error_of(api(staff_app, "delete", f"/releases/{release['id']}", who="editor"), 403)
    assert "관리자" in error["message"]
    assert api(staff_app, "delete", f"/releases/{release['id']}").status_code == 204
    assert count(staff_app) == 0


def test_404_409_413_415(staff_app, samples, api):
    error_of(api(staff_app, "get", "/releases/nosuchid"), 404)
    error_of(api(staff_app, "patch", "/releases/nosuchid", json={"title": "x"}), 404)
    draft = api(staff_app, "post", "/releases", json={"title": "초안", "category": "press"}).get_json()
    error_of(api(staff_app, "post", f"/releases/{draft['id']}/withdraw"), 409)
    error_of(api(staff_app, "post", f"/releases/{draft['id']}/restore"), 409)
    staff_app.config["MAX_ATTACHMENT_BYTES"] = 1024
    error_of(api(staff_app, "post", f"/releases/{draft['id']}/attachments",
                 data={"file": (io.BytesIO(samples.tiny_pdf() + b"\0" * 2048), "큰.pdf")}), 413)
    staff_app.config["MAX_CONTENT_LENGTH"] = 4096
    error_of(api(staff_app, "post", f"/releases/{draft['id']}/attachments",
                 data={"file": (io.BytesIO(b"\0" * 8192), "더 큰.pdf")}), 413)
    error_of(api(staff_app, "post", "/releases", data="title=x",
                 content_type="application/x-www-form-urlencoded"), 415)
    error = error_of(api(staff_app, "post", f"/releases/{draft['id']}/attachments",
                         data={"file": (io.BytesIO(b"MZ\x90"), "run.exe")}), 415)
    assert "file" in error["fields"]
    error_of(api(staff_app, "post", f"/releases/{draft['id']}/attachments",
                 data={"file": (io.BytesIO(b"<html><script>"), "가짜.pdf")}), 415)
    error_of(api(staff_app, "post", f"/releases/{draft['id']}/attachments", json={"file": "x"}), 415)
    error_of(api(staff_app, "post", f"/releases/{draft['id']}/attachments",
                 data={"other": "x"}, content_type="multipart/form-data"), 400)
    error_of(api(staff_app, "get", f"/releases/{draft['id']}/attachments/999"), 405)
    with staff_app.app_context():
        assert not Attachment.select().exists()


def test_path_traversal_upload_name_is_neutralised(staff_app, tmp_path, samples, api):
    draft = api(staff_app, "post", "/releases", json={"title": "첨부", "category": "press"}).get_json()
    response = api(staff_app, "post", f"/releases/{draft['id']}/attachments",
                   data={"file": (io.BytesIO(samples.tiny_pdf()), "../../../etc/보도자료.pdf")})
    assert response.get_json()["filename"] == "보도자료.pdf"
    with staff_app.app_context():
        stored = Attachment.get().stored_name
    assert "/" not in stored and (tmp_path / "attachments" / stored).is_file()
    assert not (tmp_path / "etc").exists()


def test_every_api_action_is_in_the_audit_log(staff_app, samples, staff, api):
    release = api(staff_app, "post", "/releases", json={"title": "기록", "category": "press"}).get_json()
    rid = release["id"]
    api(staff_app, "patch", f"/releases/{rid}", json={"title": "기록 수정"})
    api(staff_app, "patch", f"/releases/{rid}", json={"status": "published"})
    api(staff_app, "post", f"/releases/{rid}/schedule",
        json={"published_at": rfc3339(utcnow() + timedelta(days=1))})
    api(staff_app, "post", f"/releases/{rid}/withdraw")
    api(staff_app, "post", f"/releases/{rid}/restore")
    file = api(staff_app, "post", f"/releases/{rid}/attachments",
               data={"file": (io.BytesIO(samples.tiny_pdf()), "a.pdf")}).get_json()
    api(staff_app, "delete", f"/releases/{rid}/attachments/{file['id']}")
    api(staff_app, "delete", f"/releases/{rid}")
    assert [a for a in staff.actions(staff_app) if a[1] == "api"] == [("admin", "api", action) for action in (
        "release_create", "release_update", "release_publish", "release_schedule", "release_withdraw",
        "release_restore", "attachment_add", "attachment_remove", "release_delete")]


def test_openapi_document_lists_every_route(staff_app):
    doc = staff_app.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, item in doc["paths"].items()
                  for method in item if method != "parameters"}
    routed = set()
    for rule in staff_app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            path = re.sub(r"<(?:int(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1"):])
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed


def test_racing_retry_that_loses_the_insert_gets_the_winner(staff_db_app, monkeypatch, api):
    app = staff_db_app
    first = api(app, "post", "/releases", json=NEW).get_json()
    real = Release.get_or_none.__func__
    calls = []

    def miss_once(cls, *args, **kwargs):  # the retry's first look happens before the winner commits
        calls.append(1)
        return None if len(calls) == 1 else real(cls, *args, **kwargs)

    monkeypatch.setattr(Release, "get_or_none", classmethod(miss_once))
    again = api(app, "post", "/releases", json=NEW)
    assert again.status_code == 200 and again.get_json()["id"] == first["id"]
    assert count(app) == 1


@pytest.mark.parametrize("field, limit", [("title", 300), ("author", 100), ("summary", 1000)])
def test_length_limits_hold_for_what_was_sent(staff_app, field, limit, staff):
    """Schemathesis found an author of 101 characters accepted because spaces were collapsed first."""
    client = staff_app.test_client()
    data = {"title": "제목", "category": "press", field: "가 " + "나" * (limit - 1)}
    response = client.post("/api/v1/releases", headers=staff.bearer(staff_app), json=data)
    assert response.status_code == 400 and field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("method", ["post", "patch"])
def test_an_empty_publication_time_is_refused_as_the_document_says(staff_app, method, staff):
    """schemathesis: `published_at: ""` is neither an RFC 3339 time nor null, yet was accepted."""
    client, headers = staff_app.test_client(), staff.bearer(staff_app)
    created = client.post("/api/v1/releases", headers=headers, json={"title": "시각", "category": "press"})
    url = "/api/v1/releases" if method == "post" else f"/api/v1/releases/{created.get_json()['id']}"
    data = {"title": "빈 시각", "category": "press", "status": "draft", "published_at": ""}
    response = getattr(client, method)(url, headers=headers, json=data)
    assert response.status_code == 400 and "published_at" in response.get_json()["error"]["fields"]


def test_an_empty_external_id_is_refused_as_the_document_says(staff_app, api):
    """schemathesis: `external_id: ""` breaks the document's pattern, yet made a release."""
    response = api(staff_app, "post", "/releases", json={"title": "빈 번호", "category": "press",
                                                         "external_id": ""})
    assert response.status_code == 400 and "external_id" in response.get_json()["error"]["fields"]
    assert count(staff_app) == 0


@pytest.mark.parametrize("published_at, stored", [
    ("1969-07-20T20:17:40Z", None),  # a valid RFC 3339 time outside the documented 1970–9000
    ("9001-01-01T00:00:00Z", None),
    ("2030-01-01 09:00:00+09:00", None),  # RFC 3339's date-time has a T
    ("20300101T090000+0900", None),  # ISO 8601 basic format, not RFC 3339
    ("2030-01-01T09:00:00+0900", None),
    ("2030-01-01T09:00+09:00", None),
    ("2030-01-01T09:00:00+09:00", "2030-01-01T00:00:00Z"),
    ("2030-01-01t09:00:00.123456z", "2030-01-01T09:00:00Z"),  # RFC 3339 allows lower case
    ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59Z"),  # a leap second, kept as the second before
    ("2017-01-01T08:59:60+09:00", "2016-12-31T23:59:59Z"),
    ("2030-01-01T12:00:60Z", None),  # leap seconds end a UTC day
    ("1970-01-01T00:00:00+09:00", "1969-12-31T15:00:00Z"),
    ("9000-12-31T23:59:59-09:00", "9001-01-01T08:59:59Z"),
])
def test_publication_times_are_rfc3339_in_the_documented_years(staff_app, published_at, stored, api):
    """schemathesis: valid RFC 3339 times were refused and other ISO 8601 forms accepted."""
    response = api(staff_app, "post", "/releases", json={
        "title": "시각", "category": "press", "status": "published", "published_at": published_at})
    if stored is None:
        error = error_of(response, 400)
        assert "published_at" in error["fields"]
    else:
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["published_at"] == stored


def test_documented_year_pattern_and_parser_agree(staff_app):
    """The document's year pattern is the parser's range, and both read RFC 3339 the same."""
    import jsonschema_rs

    from feedserver.publishing.input import parse_instant
    doc = staff_app.test_client().get("/api/v1/openapi.json").get_json()
    schema = doc["components"]["schemas"]["Schedule"]["properties"]["published_at"]
    validator = jsonschema_rs.validator_for(schema, validate_formats=True)
    for year in (1, 999, 1969, 1970, 1999, 2000, 8999, 9000, 9001, 9999):
        for rest in ("-06-30T23:59:60Z", "-01-01T00:00:00+09:00", "-12-31t23:59:59.5z"):
            text = f"{year:04d}{rest}"
            try:
                parse_instant(text)
                parsed = True
            except ValueError:
                parsed = False
            assert parsed == validator.is_valid(text), text


@pytest.mark.parametrize("data, field", [
    ({"status": "scheduled"}, "published_at"),  # a schedule needs a time
    ({"status": "scheduled", "published_at": "2020-01-01T00:00:00Z"}, "published_at"),  # in the past
])
def test_schema_valid_input_a_rule_refuses_is_422(staff_app, data, field, api):
    """schemathesis: business rules answered 400, which the document keeps for malformed input."""
    created = api(staff_app, "post", "/releases", json={"title": "규칙", "category": "press", **data})
    assert field in error_of(created, 422)["fields"]
    draft = api(staff_app, "post", "/releases", json={"title": "규칙", "category": "press"}).get_json()
    patched = api(staff_app, "patch", f"/releases/{draft['id']}", json=data)
    assert field in error_of(patched, 422)["fields"]
    if "published_at" in data:
        scheduled = api(staff_app, "post", f"/releases/{draft['id']}/schedule",
                        json={"published_at": data["published_at"]})
        assert field in error_of(scheduled, 422)["fields"]
    doc = staff_app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    for path, method in (("/releases", "post"), ("/releases/{public_id}", "patch"),
                         ("/releases/{public_id}/schedule", "post")):
        assert "422" in doc[path][method]["responses"]


def test_changing_the_time_of_a_withdrawn_release_is_a_conflict(staff_app, api):
    release = api(staff_app, "post", "/releases", json={**NEW, "external_id": None}).get_json()
    api(staff_app, "post", f"/releases/{release['id']}/withdraw")
    response = api(staff_app, "patch", f"/releases/{release['id']}",
                   json={"published_at": "2024-01-01T00:00:00Z"})
    assert "status" in error_of(response, 409)["fields"]


@pytest.mark.parametrize("title", ["\x9d", "\x00", "\ufeff", "\x85", " \u3000\t"])
def test_a_title_of_no_visible_character_is_refused_by_document_and_code(staff_app, title, api):
    """schemathesis: a title of one C1 control matched the document's \\S but was stored empty."""
    import jsonschema_rs
    doc = staff_app.test_client().get("/api/v1/openapi.json").get_json()
    pattern = doc["components"]["schemas"]["ReleaseInput"]["properties"]["title"]["pattern"]
    assert not jsonschema_rs.validator_for({"type": "string", "pattern": pattern}).is_valid(title)
    response = api(staff_app, "post", "/releases", json={"title": title, "category": "press"})
    assert "title" in error_of(response, 400)["fields"]


def test_an_external_id_longer_than_documented_is_refused_even_with_spaces(staff_app, api):
    response = api(staff_app, "post", "/releases", json={"title": "번호", "category": "press",
                                                         "external_id": " " + "a" * 200})
    assert "external_id" in error_of(response, 400)["fields"]


def test_search_length_is_documented_and_counted_as_sent(staff_app, api):
    """A q longer than MAX_QUERY_LENGTH (the documented maxLength) is 400, spaces and all."""
    doc = staff_app.test_client().get("/api/v1/openapi.json").get_json()
    q = next(p for p in doc["paths"]["/releases"]["get"]["parameters"] if p["name"] == "q")
    assert q["schema"]["maxLength"] == staff_app.config["MAX_QUERY_LENGTH"] == 100
    assert "q" in error_of(api(staff_app, "get", "/releases?q=" + "a" + " " * 100 + "b"), 400)["fields"]
    assert api(staff_app, "get", "/releases?q=" + "a" * 100).status_code == 200


def test_upload_parts_other_than_file_are_refused(staff_app, samples, api):
    draft = api(staff_app, "post", "/releases", json={"title": "첨부", "category": "press"}).get_json()
    response = api(staff_app, "post", f"/releases/{draft['id']}/attachments",
                   data={"file": (io.BytesIO(samples.tiny_pdf()), "a.pdf"), "note": "x"})
    assert error_of(response, 400)["fields"] == {"note": "알 수 없는 항목입니다."}
    with staff_app.app_context():
        assert not Attachment.select().exists()


def test_every_operation_documents_the_fronts_html_414(monkeypatch, tmp_path):
    """gunicorn (and nginx) answer a request line over 8190 bytes with HTML, before the app."""
    import runpy
    from pathlib import Path
    # The config sets PROMETHEUS_MULTIPROC_DIR in the environment: keep it out of later tests.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    from feedserver.api.openapi import document
    conf = runpy.run_path(str(Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"))
    assert str(conf["limit_request_line"]) in document(["press"], 100)["paths"]["/releases"]["get"][
        "responses"]["414"]["description"]
    for item in document(["press"], 100)["paths"].values():
        for method, operation in item.items():
            if method != "parameters":
                assert "text/html" in operation["responses"]["414"]["content"]


def test_links_lead_from_a_new_release_to_delete_and_restore():
    from feedserver.api.openapi import document
    paths = document(["press"], 100)["paths"]
    created = paths["/releases"]["post"]["responses"]["201"]["links"]
    targets = {link["operationId"] for link in created.values()}
    assert {"deleteRelease", "withdrawRelease", "restoreRelease", "addAttachment"} <= targets
    withdrawn = paths["/releases/{public_id}/withdraw"]["post"]["responses"]["200"]["links"]
    assert withdrawn["RestoreRelease"]["parameters"] == {"public_id": "$request.path.public_id"}
    uploaded = paths["/releases/{public_id}/attachments"]["post"]["responses"]["201"]["links"]
    assert uploaded["DeleteAttachment"]["operationId"] == "deleteAttachment"
    operation_ids = {op["operationId"] for item in paths.values() for m, op in item.items() if m != "parameters"}
    assert all(link["operationId"] in operation_ids for item in paths.values() for m, op in item.items()
               if m != "parameters" for r in op["responses"].values() for link in r.get("links", {}).values())
