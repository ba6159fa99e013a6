"""바로보기 and attachment search, on every database: text read once when stored, shown as a page,
PDFs and pictures inline, unreadable files still served, files of unpublished releases 404."""
import io
from datetime import timedelta

import pytest
from peewee import Table
from pypdf import PdfReader

from feedserver.content import storage
from feedserver.content.uploads import check_upload
from feedserver.db import database
from feedserver.models import Attachment, Release, utcnow
from feedserver.publishing import releases as publishing
from feedserver.publishing.input import check_fields

WORD = "무지개송어축제"  # only inside the attachments
LINES = ["붙임 1. 세부 계획", f"올가을 {WORD}를 연다.", "<script>alert(1)</script> & 문의"]


def publish(app, staff, files, **fields):
    """Create a published release with these (name, bytes) files; return its public id."""
    with app.app_context():
        uploads = [check_upload(name, data, 1 << 22) for name, data in files]
        release = publishing.create_release(check_fields({
            "title": "경기도 소식", "category": "press", "body": "<p>본문에는 없는 말</p>",
            "status": "published", **fields}), staff.CLI, uploads=uploads)
        return release.public_id


def view_links(client, html, public_id):
    tree = html.page(client.get(f"/releases/{public_id}"))
    return {a.get("aria-label").removesuffix(" 바로보기"): a.get("href")
            for a in tree.xpath("//section[@class='attachments']//a[@class='file-view']")}


def test_each_format_is_shown_from_its_stored_text(staff_db_app, staff, samples, html):
    files = samples.hangul_files(LINES)
    public_id = publish(staff_db_app, staff, [("보도자료.hwp", files["hwp"]), ("보도자료.hwpx", files["hwpx"]),
                                              ("붙임.pdf", files["pdf"]), ("사진.png", samples.tiny_png()),
                                              ("서식.docx", samples.zip_bytes({"[Content_Types].xml": b"x",
                                                                               "word/document.xml": b"x"}))])
    client = staff_db_app.test_client()
    links = view_links(client, html, public_id)
    assert sorted(links) == ["보도자료.hwp", "보도자료.hwpx", "붙임.pdf", "사진.png"]  # no 바로보기 for .docx
    for name in ("보도자료.hwp", "보도자료.hwpx"):
        response = client.get(links[name])
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
        assert "private" not in response.headers.get("Cache-Control", "")
        tree = html.page(response)
        assert html.texts(tree, "//h1") == [name]
        assert html.texts(tree, "//div[@class='file-text']/p") == LINES
        assert not tree.xpath("//main//script")  # the file's "<script>" is text, escaped
        download = tree.xpath("//a[@class='file-download']/@href")[0]
        assert client.get(download).data == files[name.rsplit(".", 1)[1]]
    pdf = client.get(links["붙임.pdf"])
    assert pdf.mimetype == "application/pdf" and pdf.headers["Content-Disposition"].startswith("inline")
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in pdf.headers["Content-Security-Policy"]
    assert PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().strip() == "\n".join(LINES)
    png = client.get(links["사진.png"])
    assert png.mimetype == "image/png" and png.headers["Content-Disposition"].startswith("inline")
    docx = client.get(links["보도자료.hwp"].replace(links["보도자료.hwp"].split("/")[-2], "0"))
    assert docx.status_code == 404


def search(client, html, field, q):
    tree = html.page(client.get(f"/board/press/?field={field}&q={q}"))
    return [(row[1]) for row in html.board_rows(tree)], html.texts(tree, "//span[@class='file-hit']")


def test_content_search_finds_words_only_in_attachments(staff_db_app, staff, samples, html):
    files = samples.hangul_files(LINES)
    public_id = publish(staff_db_app, staff, [("서식.hwpx", files["hwpx"]), ("보도자료.hwp", files["hwp"])])
    publish(staff_db_app, staff, [], title="첨부 없는 소식")
    client = staff_db_app.test_client()
    assert search(client, html, "body", WORD) == (["경기도 소식"], ["첨부 '서식.hwpx'에서 찾음"])
    assert search(client, html, "all", f"{WORD} 세부") == (["경기도 소식"], ["첨부 '서식.hwpx'에서 찾음"])
    assert search(client, html, "title", WORD) == ([], [])
    assert search(client, html, "body", "본문에는") == (["첨부 없는 소식", "경기도 소식"], [])
    with staff_db_app.app_context():  # files change: the index follows in the same write
        release = Release.get(Release.public_id == public_id)
        first = release.attachments.order_by(Attachment.id).first()
        publishing.update_release(release, {}, staff.CLI, remove_ids=[first.id])
    assert search(client, html, "body", WORD) == (["경기도 소식"], ["첨부 '보도자료.hwp'에서 찾음"])
    with staff_db_app.app_context():
        release = Release.get(Release.public_id == public_id)
        publishing.update_release(release, {}, staff.CLI, remove_ids=[a.id for a in release.attachments])
    assert search(client, html, "body", WORD) == ([], [])


@pytest.mark.parametrize("state", ["draft", "scheduled", "withdrawn"])
def test_files_of_releases_readers_cannot_see_have_no_view(staff_db_app, staff, samples, html, state):
    files = samples.hangul_files(LINES)
    public_id = publish(staff_db_app, staff, [("보도자료.hwp", files["hwp"]), ("붙임.pdf", files["pdf"])])
    client = staff_db_app.test_client()
    links = list(view_links(client, html, public_id).values())
    assert [client.get(link).status_code for link in links] == [200, 200]
    with staff_db_app.app_context():
        release = Release.get(Release.public_id == public_id)
        if state == "withdrawn":
            publishing.withdraw_release(release, staff.CLI, "잘못 배포")
        else:
            change = {"status": state}
            if state == "scheduled":
                change["published_at"] = (utcnow() + timedelta(days=1)).isoformat()
            publishing.update_release(release, check_fields(change, release), staff.CLI)
    assert [client.get(link).status_code for link in links] == [404, 404]
    assert search(client, html, "body", WORD) == ([], [])


def test_an_unreadable_file_is_stored_served_and_says_so(staff_db_app, staff, samples, html):
    broken_hwp = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504 + "제목".encode("utf-16-le")
    broken_hwpx = samples.zip_bytes({"mimetype": b"application/hwp+zip",
                                     "Contents/section0.xml": b"<unclosed>"})
    public_id = publish(staff_db_app, staff, [("깨진.hwp", broken_hwp), ("깨진.hwpx", broken_hwpx)])
    client = staff_db_app.test_client()
    with staff_db_app.app_context():
        assert [(a.text_state, a.text) for a in Attachment.select().order_by(Attachment.id)] == [
            ("unreadable", ""), ("unreadable", "")]
    for name, link in view_links(client, html, public_id).items():
        page = client.get(link)
        assert page.status_code == 200
        tree = html.page(page)
        assert "내용을 표시할 수 없습니다" in html.texts(tree, "//p[@class='file-unreadable']")[0]
        download = client.get(tree.xpath("//a[@class='file-download']/@href")[0])
        assert download.status_code == 200
        assert download.data == (broken_hwp if name.endswith(".hwp") else broken_hwpx)
    staff.login(client)  # the writer is told too, in the editor
    editor = html.page(client.get(f"/admin/releases/{public_id}/edit"))
    assert html.texts(editor, "//fieldset[@class='attachments-field']//span[@class='file-state']") == [
        "내용을 읽을 수 없어 검색과 바로보기에 글이 나오지 않습니다"] * 2


def test_files_stored_before_extraction_are_read_by_the_command(staff_db_app, staff, samples, html):
    public_id = publish(staff_db_app, staff, [])
    data = samples.hangul_files(LINES)["hwp"]
    with staff_db_app.app_context():
        release = Release.get(Release.public_id == public_id)
        name, size, digest = storage.store_bytes(data)
        Attachment.create(release=release, filename="예전.hwp", content_type="application/x-hwp",
                          size=size, sha256=digest, stored_name=name)  # as migration 0014 left it
        gone = Attachment.create(release=release, filename="없어진.hwp", content_type="application/x-hwp",
                                 size=1, sha256="0" * 64, stored_name="0" * 32)
    client = staff_db_app.test_client()
    assert view_links(client, html, public_id) == {}
    assert search(client, html, "body", WORD) == ([], [])
    result = staff_db_app.test_cli_runner().invoke(args=["extract-attachments"])
    assert result.exit_code == 0 and "첨부파일 2개의 내용을 읽었습니다." in result.output
    with staff_db_app.app_context():
        assert Attachment.get_by_id(gone.id).text_state == "unreadable"
    assert search(client, html, "body", WORD) == (["경기도 소식"], ["첨부 '예전.hwp'에서 찾음"])
    assert sorted(view_links(client, html, public_id)) == ["없어진.hwp", "예전.hwp"]  # the page moved on
    again = staff_db_app.test_cli_runner().invoke(args=["extract-attachments"])
    assert "첨부파일 0개의 내용을 읽었습니다." in again.output
    with staff_db_app.app_context():  # as a restored older backup leaves them, once migrated
        Attachment.update(text="", text_state="").where(Attachment.id != gone.id).execute()
    migrated = staff_db_app.test_cli_runner().invoke(args=["migrate"])
    assert migrated.exit_code == 0 and "전에 올린 첨부파일 1개의 내용을 읽었습니다." in migrated.output
    assert search(client, html, "body", WORD) == (["경기도 소식"], ["첨부 '예전.hwp'에서 찾음"])


# Migration 0014.

def test_migration_0014_adds_empty_text_to_existing_files_and_goes_back(db_app, tmp_path, databases):
    app, runner = databases.app_at_migration(db_app.config["BACKEND"], tmp_path, "0013_desk")
    with app.app_context():
        db = database.obj
        stamp = Release.updated_at.db_value(utcnow())
        Table("category").bind(db).insert(slug="press", name="보도자료", description="", sort_order=0).execute()
        Table("release").bind(db).insert(
            public_id="old", category_id=1, title="t", author="a", body_html="", body_text="", summary="",
            status="published", published_at=stamp, created_at=stamp, updated_at=stamp, revision=1,
            view_count=0).execute()
        files = Table("attachment").bind(db)
        row = {"release_id": 1, "filename": "예전.hwp", "content_type": "application/x-hwp",
               "size": 1, "sha256": "0" * 64, "created_at": stamp}
        files.insert(stored_name="a" * 32, **row).execute()
        assert "0014_attachment_text" in runner.up()
        files.insert(stored_name="b" * 32, **row).execute()  # raw inserts naming old columns only
        assert [(a.text, a.text_state) for a in Attachment.select()] == [("", ""), ("", "")]
        Attachment.update(text="가" * 70_000).execute()  # more than MariaDB's TEXT holds
        assert len(Attachment.get().text) == 70_000
        assert "0014_attachment_text" in runner.down("0014_attachment_text")
        assert "text_state" not in {c.name for c in db.get_columns("attachment")}
    databases.close_database()


def test_a_file_is_viewed_only_through_its_own_release(staff_db_app, staff, samples, html):
    files = samples.hangul_files(LINES)
    mine = publish(staff_db_app, staff, [("보도자료.hwp", files["hwp"])])
    other = publish(staff_db_app, staff, [], title="다른 소식")
    client = staff_db_app.test_client()
    link = view_links(client, html, mine)["보도자료.hwp"]
    file_id = link.split("/")[-2]
    for url in (f"/releases/{other}/files/{file_id}/view", f"/releases/nope/files/{file_id}/view",
                f"/releases/{mine}/files/99999999/view", f"/releases/{mine}/files/-1/view",
                f"/releases/{mine}/files/{file_id}/view/../../"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "보도자료.hwp" not in response.get_data(as_text=True)


def test_a_file_uploaded_through_the_api_is_read_when_stored(staff_db_app, staff, samples, html):
    public_id = publish(staff_db_app, staff, [])
    client = staff_db_app.test_client()
    response = client.post(f"/api/v1/releases/{public_id}/attachments", headers=staff.bearer(staff_db_app),
                           data={"file": (io.BytesIO(samples.hangul_files(LINES)["hwpx"]), "붙임.hwpx")})
    assert response.status_code == 201
    with staff_db_app.app_context():
        file = Attachment.get_by_id(response.get_json()["id"])
        assert (file.text_state, file.text) == ("readable", "\n".join(LINES))
    assert search(client, html, "body", WORD) == (["경기도 소식"], ["첨부 '붙임.hwpx'에서 찾음"])
