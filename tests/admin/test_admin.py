"""The Korean admin: write, preview, schedule, edit, withdraw, restore, delete, categories, log."""
import io
from datetime import datetime, timedelta

import pytest

from feedserver.dates import KST
from feedserver.models import Attachment, Category, Release


@pytest.fixture
def client(staff_app, staff):
    client = staff_app.test_client()
    staff.login(client)
    return client


@pytest.fixture
def write(staff):
    """Post the new-release form; return the response."""
    def write(client, files=(), **fields):
        data = {"title": "경기도, 청년 기본소득 확대", "category": "press", "author": "",
                "body": "첫 문단입니다.\n둘째 문단입니다.", "summary": "", "mode": "publish",
                "action": "save", **fields}
        if files:
            data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
        return staff.post_form(client, "/admin/releases/new", data, content_type="multipart/form-data")
    return write


def newest(app):
    with app.app_context():
        return Release.select().order_by(Release.id.desc()).first()


def test_write_and_publish_with_a_pdf_shows_on_the_board(staff_app, client, html, samples, write):
    response = write(client, files=[("붙임1. 세부 계획(안).pdf", samples.tiny_pdf())])
    release = newest(staff_app)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/releases/{release.public_id}/edit"
    assert release.author == "경기지기" and release.status == "published"
    assert release.body_html == "<p>첫 문단입니다.</p>\n<p>둘째 문단입니다.</p>"
    rows = html.board_rows(html.page(client.get("/board/press/")))
    assert rows[0][1:3] == ("경기도, 청년 기본소득 확대", "경기지기")
    public = html.page(client.get(f"/releases/{release.public_id}"))
    link = public.xpath("//section[@class='attachments']//a")[0]
    assert link.text == "붙임1. 세부 계획(안).pdf"
    download = client.get(link.get("href"))
    assert download.data == samples.tiny_pdf() and download.mimetype == "application/pdf"
    assert "filename*=UTF-8''%EB%B6%99%EC%9E%841." in download.headers["Content-Disposition"]
    assert "게시했습니다. 게시판과 피드에 올라갔습니다." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_preview_shows_the_cleaned_body_and_saves_nothing(staff_app, client, html, write):
    response = write(client, action="preview",
                     body="<p>미리 <b>보기</b></p><script>alert(1)</script><img src=x onerror=alert(1)>")
    assert response.status_code == 200
    tree = html.page(response)
    assert html.texts(tree, "//section[@class='preview']//h1") == ["경기도, 청년 기본소득 확대"]
    assert tree.xpath("//section[@class='preview']//div[@class='release-body']//b/text()") == ["보기"]
    assert not tree.xpath("//section[@class='preview']//script")
    assert tree.xpath("//textarea[@id='body']/text()")[0].startswith("<p>미리")  # kept for editing
    assert newest(staff_app) is None


def test_schedule_takes_seoul_time_and_stays_off_the_board(staff_app, client, html, write):
    when = (datetime.now(KST) + timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0)
    response = write(client, title="내일 아침 예약", mode="schedule",
                     publish_at=when.strftime("%Y-%m-%dT%H:%M"))
    assert response.status_code == 302
    release = newest(staff_app)
    assert release.status == "scheduled" and release.published_at == when.astimezone(release.published_at.tzinfo)
    assert release.published_at.astimezone(KST).strftime("%H:%M") == "09:30"
    assert not html.board_rows(html.page(client.get("/board/press/")))
    assert client.get(f"/releases/{release.public_id}").status_code == 404
    listing = html.page(client.get("/admin/?status=scheduled"))
    assert html.texts(listing, "//td[contains(@class,'status')]") == ["예약"]
    editor = html.page(client.get(f"/admin/releases/{release.public_id}/edit"))
    assert editor.xpath("//input[@id='publish_at']/@value") == [when.strftime("%Y-%m-%dT%H:%M")]
    assert editor.xpath("//button[@name='mode'][contains(@class,'primary')]/@value") == ["schedule"]


def test_draft_is_not_public_and_preview_page_works(staff_app, client, html, write):
    write(client, title="임시 글", mode="draft")
    release = newest(staff_app)
    assert release.status == "draft" and release.published_at is None
    assert client.get(f"/releases/{release.public_id}").status_code == 404
    preview = html.page(client.get(f"/admin/releases/{release.public_id}/preview"))
    assert html.texts(preview, "//article//h1") == ["임시 글"]


@pytest.mark.parametrize("fields, files, message", [
    ({"title": "  "}, (), "제목을 입력해 주세요."),
    ({"category": "nope"}, (), "없는 분류입니다."),
    ({"category": ""}, (), "분류를 선택해 주세요."),
    ({"mode": "schedule", "publish_at": ""}, (), "예약 게시 시각을 입력해 주세요."),
    ({"mode": "schedule", "publish_at": "내일 아침"}, (), "예약 시각 형식이 올바르지 않습니다."),
    ({"mode": "schedule", "publish_at": "2020-01-01T09:00"}, (), "예약 게시 시각은 지금 이후여야 합니다."),
    ({"mode": "sometime"}, (), "게시 방식을 선택해 주세요."),
    ({}, [("malware.exe", b"MZ")], "올릴 수 없는 파일 형식입니다"),
    ({}, [("가짜.pdf", b"<html>")], "파일 내용이 확장자(.pdf)와 맞지 않습니다"),
])
def test_bad_input_is_a_form_message_and_writes_nothing(staff_app, client, fields, files, message, html, write):
    response = write(client, files=files, **fields)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert message in text and "저장하지 못했습니다" in text
    assert html.page(response).xpath("//input[@id='title']/@value") == [fields.get("title", "경기도, 청년 기본소득 확대")]
    assert newest(staff_app) is None
    with staff_app.app_context():
        assert not Attachment.select().exists()


def test_too_large_file_is_refused(staff_app, client, samples, write):
    staff_app.config["MAX_ATTACHMENT_BYTES"] = 1024
    response = write(client, files=[("큰 파일.pdf", samples.tiny_pdf() + b"\0" * 2048)])
    assert response.status_code == 400 and "파일이 너무 큽니다" in response.get_data(as_text=True)
    assert newest(staff_app) is None


def test_edit_with_identical_content_changes_nothing(staff_app, client, html, staff, write):
    write(client)
    release = newest(staff_app)
    url = f"/admin/releases/{release.public_id}/edit"
    tree = html.page(client.get(url))
    data = {name: tree.xpath(f"//*[@name='{name}']/@value|//textarea[@name='{name}']/text()")
            for name in ("title", "author", "body", "summary", "revision")}
    data = {k: (v[0] if v else "") for k, v in data.items()}
    data.update(category="press", mode="publish", action="save")
    response = staff.post_form(client, url, data)
    assert response.status_code == 302
    assert "바뀐 내용이 없습니다." in client.get(url).get_data(as_text=True)
    again = newest(staff_app)
    assert (again.revision, again.updated_at) == (release.revision, release.updated_at)


def test_edit_changes_category_removes_attachment_and_logs(staff_app, client, html, samples, staff, write):
    write(client, files=[("붙임.pdf", samples.tiny_pdf())])
    release = newest(staff_app)
    with staff_app.app_context():
        file_id = Attachment.get(Attachment.release == release.id).id
    url = f"/admin/releases/{release.public_id}/edit"
    response = staff.post_form(client, url, {
        "title": "고친 제목", "category": "notice", "author": "대변인실", "body": release.body_html,
        "summary": "", "mode": "publish", "revision": release.revision, "remove_attachment": file_id,
        "action": "save"})
    assert response.status_code == 302
    fresh = newest(staff_app)
    assert (fresh.title, fresh.author, fresh.revision) == ("고친 제목", "대변인실", 2)
    assert fresh.published_at == release.published_at
    with staff_app.app_context():
        assert fresh.category_id == Category.get(Category.slug == "notice").id
        assert not Attachment.select().exists()
    assert html.board_rows(html.page(client.get("/board/notice/")))[0][1] == "고친 제목"
    assert not html.board_rows(html.page(client.get("/board/press/")))


def test_edit_with_a_stale_revision_is_refused(staff_app, client, staff, write):
    write(client)
    release = newest(staff_app)
    url = f"/admin/releases/{release.public_id}/edit"
    response = staff.post_form(client, url, {"title": "늦은 수정", "category": "press", "mode": "publish",
                                             "revision": release.revision - 1 or 99, "action": "save"})
    assert response.status_code == 400
    assert "다른 사용자가 먼저 고쳤습니다" in response.get_data(as_text=True)
    assert newest(staff_app).title == release.title


def test_withdraw_gives_410_and_restore_brings_it_back(staff_app, client, html, staff, write):
    write(client)
    release = newest(staff_app)
    edit = f"/admin/releases/{release.public_id}/edit"
    assert staff.post_form(client, f"/admin/releases/{release.public_id}/withdraw", {"reason": "내용 정정"}, page=edit).status_code == 302
    assert client.get(f"/releases/{release.public_id}").status_code == 410
    assert not html.board_rows(html.page(client.get("/board/press/")))
    state = "//section[@class='release-state']//span[contains(@class,'status')]"
    assert html.texts(html.page(client.get(edit)), state) == ["철회"]
    assert staff.post_form(client, f"/admin/releases/{release.public_id}/restore", {}, page=edit).status_code == 302
    assert client.get(f"/releases/{release.public_id}").status_code == 200


def test_delete_is_for_admins(staff_app, client, html, staff, write):
    write(client)
    release = newest(staff_app)
    editor = staff_app.test_client()
    staff.login(editor, username="editor")
    url = f"/admin/releases/{release.public_id}/delete"
    token = staff.form_token(editor, "/admin/")
    assert editor.get(url).status_code == 403
    assert editor.post(url, data={"csrf_token": token}).status_code == 403
    assert "삭제" not in html.texts(html.page(editor.get(f"/admin/releases/{release.public_id}/edit")),
                              "//a[@class='danger-link']")
    assert staff.post_form(client, url, {}).status_code == 302
    assert newest(staff_app) is None
    assert client.get(f"/releases/{release.public_id}").status_code == 404


def test_list_filters_by_category_status_and_words(staff_app, client, html, write):
    write(client, title="경기도 버스 노선 개편")
    write(client, title="공지: 청사 출입 안내", category="notice", mode="draft")
    write(client, title="경기도 청년 일자리", mode="draft")

    def titles(query):
        return html.texts(html.page(client.get("/admin/" + query)), "//td[@class='col-title']/a")

    assert titles("") == ["경기도 청년 일자리", "공지: 청사 출입 안내", "경기도 버스 노선 개편"]
    assert titles("?category=notice") == ["공지: 청사 출입 안내"]
    assert titles("?status=draft") == ["경기도 청년 일자리", "공지: 청사 출입 안내"]
    assert titles("?status=draft&q=경기도") == ["경기도 청년 일자리"]
    assert titles("?q=없는말") == []
    assert client.get("/admin/?page=abc").status_code == 400


def test_categories_are_managed_by_admins(staff_app, client, staff, write):
    response = staff.post_form(client, "/admin/categories", {"name": "도정 소식", "slug": "news",
                                                             "description": "", "sort_order": "3"})
    assert response.status_code == 302
    assert client.get("/board/news/").status_code == 200
    bad = staff.post_form(client, "/admin/categories", {"name": "", "slug": "News!", "sort_order": "x"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "분류 이름을" in text and "주소 이름은" in text and "순서는 정수로" in text
    duplicate = staff.post_form(client, "/admin/categories", {"name": "또", "slug": "news"})
    assert "이미 쓰는 주소 이름입니다." in duplicate.get_data(as_text=True)
    with staff_app.app_context():
        news = Category.get(Category.slug == "news")
    assert staff.post_form(client, f"/admin/categories/{news.id}", {
        "name": "도정 새소식", "slug": "news", "sort_order": "3"}).status_code == 302
    write(client, category="news")
    refused = staff.post_form(client, f"/admin/categories/{news.id}/delete", {}, page="/admin/categories")
    assert "보도자료가 있는 분류는 삭제할 수 없습니다" in client.get(refused.headers["Location"]).get_data(as_text=True)


def test_tokens_are_shown_once_and_revocable(staff_app, client, html, staff):
    response = staff.post_form(client, "/admin/tokens", {"name": "홍보시스템"})
    secret = html.page(response).xpath("//input[@id='new-token']/@value")[0]
    assert secret.startswith("fs_") and len(secret) > 40
    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert secret not in listing and secret[:10] in listing
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/categories", headers=headers).status_code == 200
    token_id = html.page(client.get("/admin/tokens")).xpath(
        "//form[contains(@action,'/revoke')]/@action")[0]
    assert staff.post_form(client, token_id, {}, page="/admin/tokens").status_code == 302
    assert client.get("/api/v1/categories", headers=headers).status_code == 401


def test_admin_creates_an_editor_who_can_log_in(staff_app, client, staff):
    response = staff.post_form(client, "/admin/users", {"username": "reporter", "password": "long enough pw",
                                                        "role": "editor"})
    assert response.status_code == 302
    short = staff.post_form(client, "/admin/users", {"username": "x", "password": "short", "role": "boss"})
    assert short.status_code == 400
    other = staff_app.test_client()
    assert staff.login(other, username="reporter", password="long enough pw").status_code == 302


def test_every_admin_action_is_in_the_audit_log(staff_app, client, html, samples, staff, write):
    write(client, files=[("붙임.pdf", samples.tiny_pdf())])
    release = newest(staff_app)
    edit = f"/admin/releases/{release.public_id}/edit"
    base = {"title": release.title, "category": "press", "body": release.body_html, "action": "save"}
    staff.post_form(client, edit, {**base, "title": "수정", "mode": "publish"})
    staff.post_form(client, edit, {**base, "title": "수정", "mode": "draft"})
    when = (datetime.now(KST) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    staff.post_form(client, edit, {**base, "title": "수정", "mode": "schedule", "publish_at": when})
    staff.post_form(client, f"/admin/releases/{release.public_id}/withdraw", {"reason": "내용 정정"}, page=edit)
    staff.post_form(client, f"/admin/releases/{release.public_id}/restore", {}, page=edit)
    staff.post_form(client, edit, {**base, "title": "수정", "mode": "schedule", "publish_at": when,
                                   "remove_attachment": str(newest_attachment(staff_app))})
    staff.post_form(client, "/admin/categories", {"name": "새 분류", "slug": "fresh"})
    staff.post_form(client, "/admin/tokens", {"name": "연동"})
    staff.post_form(client, "/admin/users", {"username": "reporter", "password": "long enough pw",
                                             "role": "editor"})
    staff.post_form(client, f"/admin/releases/{release.public_id}/delete", {})
    staff.post_form(client, "/admin/logout", {}, page="/admin/")
    logged = [a for a in staff.actions(staff_app) if a[1] == "admin"]
    assert [a[2] for a in logged] == [
        "login", "release_create_publish", "release_update", "release_unpublish", "release_schedule",
        "release_withdraw", "release_restore", "attachment_remove", "category_create",
        "token_create", "user_create", "release_delete", "logout"]
    assert all(actor == "admin" for actor, _, _ in logged)
    other = staff_app.test_client()
    staff.login(other)
    tree = html.page(other.get("/admin/audit"))
    shown = html.texts(tree, "//table[contains(@class,'audit-table')]/tbody/tr/td[4]")
    assert shown[:3] == ["로그인", "로그아웃", "보도자료 삭제"]
    assert "작성 후 지금 게시" in shown and "예약 게시" in shown and "게시 철회" in shown


def newest_attachment(app):
    with app.app_context():
        return Attachment.select().order_by(Attachment.id.desc()).first().id


def test_every_change_reaches_the_board_and_feeds_at_once(staff_app, client, html, staff, write):
    import feedparser

    def feed_titles():
        response = client.get("/feeds/all.rss")
        return [e.title for e in feedparser.parse(response.data).entries], response.headers["ETag"]

    def board_titles():
        return [row[1] for row in html.board_rows(html.page(client.get("/board/press/")))]

    empty, etag = feed_titles()
    assert empty == [] and client.get("/feeds/all.rss", headers={"If-None-Match": etag}).status_code == 304
    write(client, title="처음 제목")
    release = newest(staff_app)
    titles, etag2 = feed_titles()
    assert titles == board_titles() == ["처음 제목"] and etag2 != etag
    edit = f"/admin/releases/{release.public_id}/edit"
    staff.post_form(client, edit, {"title": "고친 제목", "category": "press", "body": "본문", "mode": "publish",
                                   "action": "save"})
    assert feed_titles()[0] == board_titles() == ["고친 제목"]
    staff.post_form(client, f"/admin/releases/{release.public_id}/withdraw", {"reason": "내용 정정"}, page=edit)
    assert feed_titles()[0] == board_titles() == []
    staff.post_form(client, f"/admin/releases/{release.public_id}/restore", {}, page=edit)
    assert feed_titles()[0] == board_titles() == ["고친 제목"]
    later = (datetime.now(KST) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    staff.post_form(client, edit, {"title": "고친 제목", "category": "press", "body": "본문", "mode": "schedule",
                                   "publish_at": later, "action": "save"})
    assert feed_titles()[0] == board_titles() == []


@pytest.mark.parametrize("method, url", [
    ("get", "/admin/categories/" + "9" * 30),
    ("post", "/admin/categories/" + "9" * 30 + "/delete"),
    ("post", "/admin/tokens/" + "9" * 30 + "/revoke"),
    ("post", "/admin/users/" + "9" * 30),
    ("get", "/admin/releases/nosuchid/edit"),
    ("post", "/admin/releases/nosuchid/withdraw"),
])
def test_unknown_or_oversized_ids_are_404(client, method, url, staff):
    data = {"csrf_token": staff.form_token(client, "/admin/")} if method == "post" else None
    assert getattr(client, method)(url, data=data).status_code == 404


@pytest.mark.parametrize("publish_at", ["0001-01-01T00:00", "9999-12-31T23:59", "2025-02-30T09:00"])
def test_impossible_schedule_times_are_form_messages(staff_app, client, publish_at, write):
    response = write(client, mode="schedule", publish_at=publish_at)
    assert response.status_code == 400 and newest(staff_app) is None


def test_oversized_revision_and_attachment_ids_are_ignored(staff_app, client, staff, write):
    write(client)
    release = newest(staff_app)
    response = staff.post_form(client, f"/admin/releases/{release.public_id}/edit", {
        "title": "새 제목", "category": "press", "mode": "publish", "action": "save",
        "revision": "9" * 30, "remove_attachment": "9" * 30})
    assert response.status_code == 302 and newest(staff_app).title == "새 제목"
