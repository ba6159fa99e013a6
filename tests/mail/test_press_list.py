"""기자 명단 through the admin: add, import CSV with a per-row report, and releases with attachments."""
import io

import pytest

from feedserver.content.uploads import Upload
from feedserver.models import AuditEntry, Category, MailAddress, PressContact, utcnow
from feedserver.publishing.releases import create_release

CSV = ("이름,소속,전자우편,게시판\n"
       "김기자,경기일보,kim@example.org,press\n"
       "이기자,,lee@example.org,press;notice\n"
       "\"박\r\nBcc: victim@example.org\",나쁜신문,park@example.org,press\n"
       "최기자,어느신문,not-an-address,press\n"
       "정기자,어느신문,jung@example.org,없는게시판\n")


@pytest.fixture
def press_app(staff_db_app, smtp):
    staff_db_app.config.update(smtp.config, MAIL_ATTACHMENT_MAX_BYTES=2000,
                               PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    return staff_db_app


def test_csv_import_reports_each_refused_row_and_saves_the_rest(press_app, staff):
    client = press_app.test_client()
    staff.login(client)
    token = staff.form_token(client, "/admin/press/import")
    answer = client.post("/admin/press/import", data={"csrf_token": token, "file": (
        io.BytesIO(CSV.encode("cp949")), "명단.csv")}, content_type="multipart/form-data")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "2건을 저장했습니다" in page
    assert "<td>4</td><td>이름에 줄바꿈이나 제어 문자를 넣을 수 없습니다.</td>" in page
    assert "<td>5</td><td>올바른 전자우편 주소를 입력해 주세요.</td>" in page
    assert "<td>6</td><td>없는 게시판입니다: 없는게시판</td>" in page
    with press_app.app_context():
        assert sorted(c.name for c in PressContact.select()) == ["김기자", "이기자"]
        assert not MailAddress.select().where(MailAddress.address == "park@example.org").exists()
        logged = " ".join(f"{e.target} {e.summary}" for e in AuditEntry.select())
        assert "press_contact:" in logged and "kim@example.org" not in logged


def test_press_list_gets_the_release_with_small_files_attached_and_big_ones_linked(
        press_app, staff, smtp, websub, samples):
    client = press_app.test_client()
    staff.login(client)
    with press_app.app_context():
        press, notice = Category.get(Category.slug == "press"), Category.get(Category.slug == "notice")
    add = {"csrf_token": staff.form_token(client, "/admin/press"), "name": "김기자", "outlet": "경기일보",
           "address": "kim@Example.ORG", "board": [str(press.id)]}
    assert client.post("/admin/press", data=add).status_code == 302
    other = {**add, "name": "공지기자", "address": "notice@example.org", "board": [str(notice.id)]}
    client.post("/admin/press", data=other)
    editor = client.get("/admin/releases/new").get_data(as_text=True)
    assert "기자 1명" in editor and "김기자 (경기일보)" in editor  # who will receive it, before publishing
    small, big = samples.tiny_pdf(), b"%PDF-1.4\n" + b"0" * 5000
    with press_app.app_context():
        create_release({"title": "첨부가 있는 보도자료", "category": press, "author": "대변인",
                        "body_html": "<p>본문</p>", "status": "published", "published_at": utcnow(),
                        "contact_person": "홍길동", "contact_phone": "031-8008-2000"}, websub.ACTOR,
                       uploads=[Upload("작은.pdf", "application/pdf", small),
                                Upload("큰.pdf", "application/pdf", big)])
    with websub.running_worker(press_app):
        websub.wait_for(lambda: smtp.sink.to("kim@example.org"), timeout=15)
        websub.wait_for(lambda: websub.drained(press_app))
    [message] = smtp.sink.to("kim@example.org")
    assert smtp.sink.to("notice@example.org") == []
    assert str(message["To"]) == "김기자 <kim@example.org>"
    assert message.get_content_type() == "multipart/mixed"
    files = [(p.get_filename(), p.get_content()) for p in message.iter_attachments()]
    assert files == [("작은.pdf", small)]
    text = message.get_body(("plain",)).get_content()
    assert "큰.pdf: https://press.example.go.kr/releases/" in text and "/files/" in text
    assert "홍길동" in text and "031-8008-2000" in text
