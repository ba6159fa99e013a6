"""Attachment uploads: allow-list, type from content, size limit, safe names."""
import pytest

from feedserver.content.uploads import UploadError, check_upload, safe_filename

OLE2 = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\0" * 64
OFFICE = {"[Content_Types].xml": b"<Types/>"}


@pytest.fixture
def files(samples):
    """Sample contents by kind; the Office formats and HWPX are zips with their own parts."""
    return {
        "hwp": OLE2, "jpeg": JPEG, "pdf": samples.tiny_pdf(), "png": samples.tiny_png(),
        "hwpx": samples.zip_bytes({"mimetype": b"application/hwp+zip", "Contents/section0.xml": b"<s/>"}),
        "docx": samples.zip_bytes({**OFFICE, "word/document.xml": b"<w:document/>"}),
        "xlsx": samples.zip_bytes({**OFFICE, "xl/workbook.xml": b"<workbook/>"}),
        "pptx": samples.zip_bytes({**OFFICE, "ppt/presentation.xml": b"<p/>"}),
        "zip": samples.zip_bytes({"a.txt": b"a"}),
        "exe": b"MZ\x90\x00" + b"\0" * 100,
        "html": b"<html><script>alert(1)</script></html>",
        "svg": b"<svg onload='alert(1)'/>",
    }


@pytest.mark.parametrize("name, kind, content_type", [
    ("보도자료.hwp", "hwp", "application/x-hwp"),
    ("보도자료.hwpx", "hwpx", "application/hwp+zip"),
    ("붙임.pdf", "pdf", "application/pdf"),
    ("계획.docx", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("예산.xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("발표.pptx", "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("사진.JPG", "jpeg", "image/jpeg"),
    ("그림.png", "png", "image/png"),
    ("묶음.zip", "zip", "application/zip"),
])
def test_allowed_types_pass_with_their_content_type(name, kind, content_type, files):
    upload = check_upload(name, files[kind], 10_000)
    assert (upload.filename, upload.content_type, upload.data) == (name, content_type, files[kind])


@pytest.mark.parametrize("name, kind", [
    ("악성.exe", "exe"),
    ("page.html", "html"),
    ("image.svg", "svg"),
    ("noext", "pdf"),
])
def test_disallowed_extensions_are_415(name, kind, files):
    with pytest.raises(UploadError) as caught:
        check_upload(name, files[kind], 10_000)
    assert caught.value.status == 415 and "허용" in caught.value.message


@pytest.mark.parametrize("name, kind", [
    ("가짜.pdf", "html"),   # HTML dressed as PDF
    ("가짜.png", "pdf"),
    ("가짜.hwp", "pdf"),
    ("가짜.docx", "zip"),   # a zip, but not Word
    ("가짜.xlsx", "docx"),  # Word dressed as Excel
    ("가짜.hwpx", "docx"),
    ("가짜.zip", "hwp"),
    ("가짜.jpg", "png"),
])
def test_disguised_files_are_415(name, kind, files):
    with pytest.raises(UploadError) as caught:
        check_upload(name, files[kind], 10_000)
    assert caught.value.status == 415 and "맞지 않습니다" in caught.value.message


def test_too_large_is_413_and_empty_is_400(samples):
    with pytest.raises(UploadError) as caught:
        check_upload("큰.pdf", samples.tiny_pdf() + b"\0" * 2048, 2048)
    assert caught.value.status == 413
    with pytest.raises(UploadError) as caught:
        check_upload("빈.pdf", b"", 2048)
    assert caught.value.status == 400


@pytest.mark.parametrize("raw, safe", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\보도자료.hwp", "보도자료.hwp"),
    ("/var/www/붙임 1. 세부계획.pdf", "붙임 1. 세부계획.pdf"),
    ("C:\\Users\\홍길동\\바탕 화면\\사진.jpg", "사진.jpg"),
    ("이름\x00숨김\n.pdf", "이름숨김.pdf"),
    (".hidden.pdf", "hidden.pdf"),
    ("..", ""),
    ("\u1100\u1161\u11a8.pdf", "각.pdf"),   # decomposed Hangul (macOS) is stored composed
])
def test_path_traversal_names_keep_only_the_base_name(raw, safe):
    assert safe_filename(raw) == safe


def test_nameless_upload_is_400(samples):
    with pytest.raises(UploadError) as caught:
        check_upload("../", samples.tiny_pdf(), 10_000)
    assert caught.value.status == 400
