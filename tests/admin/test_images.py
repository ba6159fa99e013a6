"""Pictures in the body: uploaded as the release's files (JSON, signed in, CSRF), placed inline;
pastes cleaned by the server for the editor."""
import io

import pytest

from feedserver.models import Attachment, FeedState, Release

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


@pytest.fixture
def client(staff_db_app, staff):
    client = staff_db_app.test_client()
    staff.login(client, "editor")
    return client


@pytest.fixture
def post_json(staff):
    """POST multipart data with the CSRF token of the new-release page; return (status, json)."""
    def post_json(client, url, data, token=True):
        if token:
            data = {"csrf_token": staff.form_token(client, "/admin/releases/new"), **data}
        response = client.post(url, data=data, content_type="multipart/form-data")
        return response.status_code, response.get_json(silent=True)
    return post_json


@pytest.fixture
def draft(client, post_json):
    status, body = post_json(client, "/admin/images/draft", {"title": "  사진 있는   보도자료 ",
                                                             "category": "press"})
    assert status == 201
    return body


def test_a_new_release_becomes_a_draft_that_pictures_join(staff_db_app, client, post_json, draft, samples):
    assert draft["edit_url"] == f"/admin/releases/{draft['public_id']}/edit"
    status, body = post_json(client, draft["upload_url"],
                             {"image": (io.BytesIO(samples.tiny_png()), "image.png")})
    assert status == 201
    with staff_db_app.app_context():
        release = Release.by_public_id(draft["public_id"])
        assert (release.title, release.status, release.category.slug) == ("사진 있는 보도자료", "draft", "press")
        stored = Attachment.get_by_id(body["id"])
        assert (stored.release_id, stored.content_type, stored.filename) == (release.id, "image/png", "image.png")
        assert body["revision"] == release.revision == draft["revision"] + 1
    assert body["url"] == f"/releases/{draft['public_id']}/files/{body['id']}"
    # Staff see a draft's picture through the admin; the public does not see drafts at all.
    shown = client.get(body["admin_url"])
    assert shown.status_code == 200 and shown.data == samples.tiny_png()
    assert "no-store" in shown.headers["Cache-Control"]
    assert client.get(body["url"]).status_code == 404


def test_saving_the_form_onto_the_draft_keeps_the_picture_inline(staff_db_app, client, staff, draft, post_json,
                                                                samples, html):
    _, picture = post_json(client, draft["upload_url"], {"image": (io.BytesIO(samples.tiny_png()), "a.png")})
    body = f'<p>현장 사진</p><p><img src="{picture["admin_url"]}" alt="도지사 현장 방문"></p>'
    response = staff.post_form(client, draft["edit_url"], {
        "title": "사진 있는 보도자료", "category": "press", "author": "", "body": body, "summary": "",
        "mode": "publish", "action": "save", "revision": str(picture["revision"])})
    assert response.status_code == 302
    with staff_db_app.app_context():
        release = Release.by_public_id(draft["public_id"])
        assert release.body_html == (f'<p>현장 사진</p>\n<p><img src="{picture["url"]}" '
                                     'alt="도지사 현장 방문"></p>')
    page = html.page(client.get(f"/releases/{draft['public_id']}"))
    assert page.xpath("//div[@class='release-body']//img/@alt") == ["도지사 현장 방문"]
    preview = html.page(client.get(f"/admin/releases/{draft['public_id']}/preview"))
    assert preview.xpath("//div[@class='release-body']//img/@src") == [picture["admin_url"]]
    assert client.get(picture["url"]).data == samples.tiny_png()


@pytest.mark.parametrize("name, data, content_type", [
    ("사진.gif", GIF, "image/gif"), ("clipboard.png", WEBP, "image/webp"),
])
def test_gif_and_webp_are_pictures_too_named_by_their_bytes(staff_db_app, client, post_json, draft, name, data,
                                                           content_type):
    status, body = post_json(client, draft["upload_url"], {"image": (io.BytesIO(data), name)})
    assert status == 201
    with staff_db_app.app_context():
        assert Attachment.get_by_id(body["id"]).content_type == content_type
    assert body["filename"].rsplit(".", 1)[1] == {"image/gif": "gif", "image/webp": "webp"}[content_type]


def test_refusals_are_korean_json(staff_db_app, client, post_json, draft, samples):
    status, body = post_json(client, draft["upload_url"], {"image": (io.BytesIO(samples.tiny_pdf()), "a.png")})
    assert status == 415 and "그림 파일" in body["error"]
    status, body = post_json(client, draft["upload_url"], {})
    assert status == 400 and body["error"] == "그림 파일이 없습니다."
    staff_db_app.config["MAX_ATTACHMENT_BYTES"] = 10
    status, body = post_json(client, draft["upload_url"], {"image": (io.BytesIO(samples.tiny_png()), "a.png")})
    assert status == 413 and "너무 큽니다" in body["error"]
    status, _ = post_json(client, "/admin/releases/nosuchrelease/images",
                          {"image": (io.BytesIO(samples.tiny_png()), "a.png")})
    assert status == 404
    with staff_db_app.app_context():
        assert Attachment.select().count() == 0


def test_signed_out_or_without_csrf_nothing_is_stored(staff_db_app, post_json, samples, client):
    status, _ = post_json(client, "/admin/images/draft", {"title": "x", "category": "press"}, token=False)
    assert status == 400
    anonymous = staff_db_app.test_client()
    status, _ = post_json(anonymous, "/admin/images/draft", {"title": "x", "category": "press"}, token=False)
    assert status in (400, 401)
    with staff_db_app.app_context():
        assert Release.select().count() == 0


def test_signed_out_json_says_so(staff_db_app, staff):
    anonymous = staff_db_app.test_client()
    staff_db_app.config["WTF_CSRF_ENABLED"] = False  # the session check, on its own
    response = anonymous.post("/admin/images/draft", data={"title": "x"})
    assert response.status_code == 401 and "로그인" in response.get_json()["error"]
    assert anonymous.get("/admin/releases/abc/files/1").status_code == 401


def test_a_picture_on_a_published_release_moves_its_feeds(staff_db_app, client, post_json, draft, samples, staff):
    staff.post_form(client, draft["edit_url"], {"title": "공개", "category": "press", "body": "본문",
                                                "mode": "publish", "action": "save",
                                                "revision": str(draft["revision"])})
    with staff_db_app.app_context():
        before = FeedState.get(FeedState.key == "all").version
    status, _ = post_json(client, draft["upload_url"], {"image": (io.BytesIO(samples.tiny_png()), "a.png")})
    with staff_db_app.app_context():
        assert status == 201 and FeedState.get(FeedState.key == "all").version == before + 1


def test_paste_is_cleaned_by_the_server(client, post_json, clipboard):
    status, body = post_json(client, "/admin/paste", {"html": clipboard.WORD_LIST, "text": "1. 청년"})
    assert status == 200 and "<ol><li>청년 일자리 <em>확대</em><ol><li>도내 기업 연계</li></ol>" in body["html"]
    status, body = post_json(client, "/admin/paste", {"html": "", "text": "<도민> 첫 줄\n둘째 줄 www.gg.go.kr"})
    assert body["html"] == ('<p>&lt;도민&gt; 첫 줄</p>\n<p>둘째 줄 <a href="http://www.gg.go.kr" '
                            'rel="noopener noreferrer">www.gg.go.kr</a></p>')
