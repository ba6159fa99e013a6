"""Attachment uploads: allow-list, type from content, size limit, safe names."""
import pytest
from publishing_helpers import tiny_pdf, tiny_png, zip_bytes

from feedserver.content.uploads import UploadError, check_upload, safe_filename

OLE2 = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504
DOCX = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
PPTX = zip_bytes({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"})
HWPX = zip_bytes({"mimetype": b"application/hwp+zip", "Contents/section0.xml": b"<s/>"})
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\0" * 64


@pytest.mark.parametrize("name, data, content_type", [
    ("보도자료.hwp", OLE2, "application/x-hwp"),
    ("보도자료.hwpx", HWPX, "application/hwp+zip"),
    ("붙임.pdf", tiny_pdf(), "application/pdf"),
    ("계획.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("예산.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("발표.pptx", PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("사진.JPG", JPEG, "image/jpeg"),
    ("그림.png", tiny_png(), "image/png"),
    ("묶음.zip", zip_bytes({"a.txt": b"a"}), "application/zip"),
])
def test_allowed_types_pass_with_their_content_type(name, data, content_type):
    upload = check_upload(name, data, 10_000)
    assert (upload.filename, upload.content_type, upload.data) == (name, content_type, data)


@pytest.mark.parametrize("name, data", [
    ("악성.exe", b"MZ\x90\x00" + b"\0" * 100),
    ("page.html", b"<html><script>alert(1)</script></html>"),
    ("image.svg", b"<svg onload='alert(1)'/>"),
    ("noext", tiny_pdf()),
])
def test_disallowed_extensions_are_415(name, data):
    with pytest.raises(UploadError) as caught:
        check_upload(name, data, 10_000)
    assert caught.value.status == 415 and "허용" in caught.value.message


@pytest.mark.parametrize("name, data", [
    ("가짜.pdf", b"<html><script>alert(1)</script></html>"),   # HTML dressed as PDF
    ("가짜.png", tiny_pdf()),
    ("가짜.hwp", tiny_pdf()),
    ("가짜.docx", zip_bytes({"a.txt": b"a"})),                     # a zip, but not Word
    ("가짜.xlsx", DOCX),                                            # Word dressed as Excel
    ("가짜.hwpx", DOCX),
    ("가짜.zip", OLE2),
    ("가짜.jpg", tiny_png()),
])
def test_disguised_files_are_415(name, data):
    with pytest.raises(UploadError) as caught:
        check_upload(name, data, 10_000)
    assert caught.value.status == 415 and "맞지 않습니다" in caught.value.message


def test_too_large_is_413_and_empty_is_400():
    with pytest.raises(UploadError) as caught:
        check_upload("큰.pdf", tiny_pdf() + b"\0" * 2048, 2048)
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


def test_nameless_upload_is_400():
    with pytest.raises(UploadError) as caught:
        check_upload("../", tiny_pdf(), 10_000)
    assert caught.value.status == 400
