"""Nothing typed or chosen is lost: preview and validation errors keep files, autosave, and a save
refused for an expired session or CSRF token comes back to its writer after signing in again."""
import io
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from feedserver.admin.accounts import end_sessions
from feedserver.content import staging, storage
from feedserver.models import Attachment, Autosave, Release, StagedFile, User, utcnow

HWP = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504
TEXT = "첫 문단입니다.\n둘째 문단: 자동 저장 시험."


@pytest.fixture
def keep_app(staff_db_app):
    """The staff board on every configured database (SQLite, PostgreSQL, MariaDB)."""
    return staff_db_app


def signed_in(app, staff, who="editor"):
    client = app.test_client()
    staff.login(client, who)
    return client


@pytest.fixture
def editor(keep_app, staff):
    return signed_in(keep_app, staff)


@pytest.fixture
def admin(keep_app, staff):
    return signed_in(keep_app, staff, "admin")


def form_fields(tree):
    """Return the hidden machinery of the editor form: csrf, owner, form token, staged ids."""
    def value(name):
        found = tree.xpath(f"//form[contains(@class,'editor')]//input[@name='{name}']/@value")
        return found[0] if found else None
    staged = tree.xpath("//form[contains(@class,'editor')]//input[@name='staged']/@value")
    return {"csrf_token": value("csrf_token"), "draft_owner": value("draft_owner"),
            "form_token": value("form_token"), "staged": staged}


def writing(**extra):
    data = {"title": "경기도, 청년 기본소득 확대", "category": "press", "author": "", "body": TEXT,
            "summary": "", "mode": "publish", "action": "save"}
    return {**data, **extra}


def files(samples):
    return [(io.BytesIO(samples.tiny_pdf()), "붙임1. 계획.pdf"), (io.BytesIO(HWP), "붙임2. 서식.hwp")]


def open_new(client, html):
    return form_fields(html.page(client.get("/admin/releases/new")))


def post_new(client, data):
    return client.post("/admin/releases/new", data=data, content_type="multipart/form-data")


def newest(app):
    with app.app_context():
        return Release.select().order_by(Release.id.desc()).first()


def attachment_names(app, release):
    with app.app_context():
        return sorted(a.filename for a in Attachment.select().where(Attachment.release == release.id))


def test_preview_keeps_the_pdf_and_hwp_and_saving_publishes_them(keep_app, editor, html, samples):
    hidden = open_new(editor, html)
    response = post_new(editor, {**writing(action="preview"), **hidden, "attachments": files(samples)})
    assert response.status_code == 200
    tree = html.page(response)
    listed = html.texts(tree, "//section[@class='preview']//section[@class='attachments']//li")
    assert [text.split(" (")[0] for text in listed] == ["붙임1. 계획.pdf", "붙임2. 서식.hwp"]
    assert "첨부 예정" in response.get_data(as_text=True)
    carried = form_fields(tree)
    assert len(carried["staged"]) == 2 and carried["form_token"] == hidden["form_token"]
    saved = post_new(editor, {**writing(), **carried})  # no files chosen again
    assert saved.status_code == 302
    release = newest(keep_app)
    assert attachment_names(keep_app, release) == ["붙임1. 계획.pdf", "붙임2. 서식.hwp"]
    with keep_app.app_context():  # staged files are read as they become attachments
        assert [(a.text_state, a.text) for a in Attachment.select().order_by(Attachment.filename)] == [
            ("readable", "feedserver demo test"), ("unreadable", "")]
    page = html.page(editor.get(f"/releases/{release.public_id}"))
    links = page.xpath("//section[@class='attachments']//a[@download]/@href")
    assert [editor.get(href).data for href in links] == [samples.tiny_pdf(), HWP]
    with keep_app.app_context():
        assert StagedFile.select().count() == 0
        assert list(staging.staging_dir().iterdir()) == []


def test_a_validation_error_keeps_every_field_and_the_files(keep_app, editor, html, samples):
    hidden = open_new(editor, html)
    response = post_new(editor, {**writing(title="  "), **hidden, "attachments": files(samples)})
    assert response.status_code == 400
    tree = html.page(response)
    assert tree.xpath("//textarea[@name='body']/text()") == [TEXT]
    assert tree.xpath("//select[@name='category']/option[@selected]/@value") == ["press"]
    assert html.texts(tree, "//div[@class='staged-files']//li/a") == ["붙임1. 계획.pdf", "붙임2. 서식.hwp"]
    carried = form_fields(tree)
    # The writer fixes the title and takes the .hwp out again.
    hwp = tree.xpath("//input[@name='unstage']/@value")[1]
    saved = post_new(editor, {**writing(), **carried, "unstage": hwp})
    assert saved.status_code == 302
    assert attachment_names(keep_app, newest(keep_app)) == ["붙임1. 계획.pdf"]


def test_staged_files_cannot_be_carried_by_another_user_or_another_form(keep_app, editor, admin, html,
                                                                       samples):
    hidden = open_new(editor, html)
    tree = html.page(post_new(editor, {**writing(action="preview"), **hidden,
                                      "attachments": files(samples)}))
    stolen = form_fields(tree)["staged"]
    theirs = open_new(admin, html)
    assert post_new(admin, {**writing(), **theirs, "staged": stolen}).status_code == 302
    assert attachment_names(keep_app, newest(keep_app)) == []
    other_form = open_new(editor, html)
    assert post_new(editor, {**writing(), **other_form, "staged": stolen}).status_code == 302
    assert attachment_names(keep_app, newest(keep_app)) == []


def test_staged_files_are_never_public_and_expire(keep_app, staff, editor, admin, html, samples):
    hidden = open_new(editor, html)
    tree = html.page(post_new(editor, {**writing(action="preview"), **hidden,
                                      "attachments": files(samples)}))
    url = tree.xpath("//div[@class='staged-files']//a/@href")[0]
    own = editor.get(url)
    assert own.status_code == 200 and own.data == samples.tiny_pdf()
    assert own.headers["Cache-Control"] == "private, no-store"
    stranger = keep_app.test_client()
    signed_out = stranger.get(url)
    assert signed_out.status_code == 302 and "/admin/login" in signed_out.headers["Location"]
    assert admin.get(url).status_code == 404
    with keep_app.app_context():
        names = [f.stored_name for f in StagedFile.select()]
        folder = staging.staging_dir()
        assert folder.name == "staging" and not folder.is_relative_to(storage.attachment_dir())
        StagedFile.update(created_at=utcnow() - timedelta(hours=25)).execute()
    assert editor.get(url).status_code == 404
    saved = post_new(editor, {**writing(), **form_fields(tree)})
    assert saved.status_code == 302 and attachment_names(keep_app, newest(keep_app)) == []
    with keep_app.app_context():
        assert StagedFile.select().count() == 0  # purged when the next form was kept
        assert not any((folder / name).exists() for name in names)


@pytest.fixture
def autosave(staff):
    """autosave(client, form="new", csrf=None, **fields): POST the JSON endpoint as the page would."""
    def post(client, form="new", csrf=None, **fields):
        token = csrf if csrf is not None else staff.form_token(client, "/admin/releases/new")
        body = {"form": form, "fields": {"title": "자동 저장 제목", "body": TEXT, **fields},
                "staged": [], "form_token": ""}
        return client.post("/admin/autosave", data=json.dumps(body), content_type="application/json",
                           headers={"X-CSRFToken": token})
    return post


def test_autosave_stores_and_offers_to_restore_for_its_author_only(keep_app, editor, admin, html,
                                                                  autosave):
    response = autosave(editor)
    assert response.status_code == 200 and len(response.json["saved_at"]) == 8
    assert response.headers["Cache-Control"] == "private, no-store"
    page = editor.get("/admin/releases/new").get_data(as_text=True)
    assert "자동 저장된 내용이 있습니다" in page and "자동 저장 제목" not in page
    restored = html.page(editor.get("/admin/releases/new?restore=1"))
    assert restored.xpath("//input[@name='title']/@value") == ["자동 저장 제목"]
    assert restored.xpath("//textarea[@name='body']/text()") == [TEXT]
    # The admin sees nothing of the editor's draft, however they ask.
    for url in ("/admin/releases/new", "/admin/releases/new?restore=1"):
        theirs = admin.get(url).get_data(as_text=True)
        assert "자동 저장" not in theirs.replace("autosave", "") and "자동 저장 제목" not in theirs
    assert autosave(admin, title="관리자 초안").status_code == 200
    with keep_app.app_context():
        rows = {(a.user.username, json.loads(a.fields)["fields"]["title"]) for a in Autosave.select()}
    assert rows == {("editor", "자동 저장 제목"), ("admin", "관리자 초안")}
    # Discarding forgets it; the public board and feeds never show it.
    hidden = open_new(editor, html)
    editor.post("/admin/autosave/discard", data={"csrf_token": hidden["csrf_token"], "form": "new"})
    assert "자동 저장된 내용이 있습니다" not in editor.get("/admin/releases/new").get_data(as_text=True)
    for path in ("/board/", "/feeds/all.rss", "/feeds/all.json"):
        assert "관리자 초안" not in editor.get(path).get_data(as_text=True)


def test_autosave_of_a_release_is_offered_when_it_differs(keep_app, editor, html, autosave):
    assert post_new(editor, {**writing(), **open_new(editor, html)}).status_code == 302
    release = newest(keep_app)
    url = f"/admin/releases/{release.public_id}/edit"
    assert "자동 저장된 내용이 있습니다" not in editor.get(url).get_data(as_text=True)
    assert autosave(editor, form=release.public_id, title=release.title,
                    body=TEXT + "\n셋째 문단.").status_code == 200
    assert "자동 저장된 내용이 있습니다" in editor.get(url).get_data(as_text=True)
    restored = html.page(editor.get(url + "?restore=1"))
    assert "셋째 문단." in restored.xpath("//textarea[@name='body']/text()")[0]
    assert autosave(editor, form="nosuchrelease").status_code == 404


def test_autosave_is_csrf_protected_size_limited_and_checked(keep_app, staff, editor, autosave):
    assert autosave(editor, csrf="forged").status_code == 400
    assert autosave(editor, csrf="").status_code == 400
    assert autosave(editor, body="가" * (1024 * 1024)).status_code == 413
    token = staff.form_token(editor, "/admin/releases/new")
    for body in ("[]", '{"fields": "x"}', '{"fields": {"a": 1}}', "not json",
                 '{"fields": {}, "staged": "x"}'):
        response = editor.post("/admin/autosave", data=body, content_type="application/json",
                               headers={"X-CSRFToken": token})
        assert response.status_code == 400 and "error" in response.json, body
    signed_out = keep_app.test_client()
    assert autosave(signed_out, csrf="x").status_code == 400
    with keep_app.app_context():
        assert Autosave.select().count() == 0


def follow_login(client, staff, response, who="editor"):
    """Sign in at the login page a refused save led to; return the page after it."""
    location = response.headers["Location"]
    if location.startswith("/admin/login"):
        next_url = parse_qs(urlsplit(location).query)["next"][0]
    else:
        redirected = client.get(location)
        next_url = parse_qs(urlsplit(redirected.headers["Location"]).query)["next"][0]
    signed = staff.login(client, who, next_url=next_url)
    assert signed.status_code == 302
    return client.get(signed.headers["Location"])


def test_save_after_sign_out_everywhere_keeps_the_text_for_its_writer(keep_app, staff, editor, html,
                                                                     samples):
    hidden = open_new(editor, html)
    with keep_app.app_context():
        end_sessions(User.get(User.username == "editor"))
    response = post_new(editor, {**writing(), **hidden, "attachments": files(samples)})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert newest(keep_app) is None
    page = follow_login(editor, staff, response)
    tree = html.page(page)
    assert tree.xpath("//textarea[@name='body']/text()") == [TEXT]
    assert "저장하지 못했던 내용을 되살렸습니다" in page.get_data(as_text=True)
    assert html.texts(tree, "//div[@class='staged-files']//li/a") == ["붙임1. 계획.pdf", "붙임2. 서식.hwp"]
    assert post_new(editor, {**writing(), **form_fields(tree)}).status_code == 302
    assert attachment_names(keep_app, newest(keep_app)) == ["붙임1. 계획.pdf", "붙임2. 서식.hwp"]


def test_save_with_the_cookie_gone_keeps_the_text_and_only_its_writer_gets_it(keep_app, staff, editor,
                                                                             html):
    hidden = open_new(editor, html)
    lost = keep_app.test_client()  # the session cookie is gone: CSRF fails first
    response = post_new(lost, {**writing(), **hidden})
    assert response.status_code == 302
    # Someone else signs in with the same link: nothing of the editor's text.
    intruder = keep_app.test_client()
    page = follow_login(intruder, staff, response, who="admin").get_data(as_text=True)
    assert "둘째 문단" not in page and "되살렸습니다" not in page
    assert "둘째 문단" not in intruder.get("/admin/releases/new?restore=1").get_data(as_text=True)
    # The writer signs in again and the text is there.
    back = follow_login(lost, staff, response)
    assert html.page(back).xpath("//textarea[@name='body']/text()") == [TEXT]


def test_a_forged_or_missing_owner_stores_nothing(keep_app, editor, html):
    hidden = open_new(editor, html)
    lost = keep_app.test_client()
    for owner in ("", hidden["draft_owner"][:-2] + "xx", "eyJ1IjoxfQ.forged.sig"):
        response = post_new(lost, {**writing(), **hidden, "draft_owner": owner})
        assert response.status_code == 400
    with keep_app.app_context():
        assert Autosave.select().count() == 0
