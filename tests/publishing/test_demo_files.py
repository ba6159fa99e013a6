"""The demo's .hwp, .hwpx and .pdf files are real: other readers open them and uploads accept them."""
import io
import zipfile

import olefile
import pytest
from pypdf import PdfReader

from feedserver.content.uploads import check_upload
from feedserver.publishing import demo_files

LINES = ["경기도, 도민 안전 대책 발표", "세부 계획은 붙임과 같습니다."]


def test_hwp_is_an_ole_file_olefile_reads_back():
    with olefile.OleFileIO(io.BytesIO(demo_files.hwp5(LINES))) as ole:
        assert sorted(ole.listdir()) == [["BodyText", "Section0"], ["DocInfo"], ["FileHeader"], ["PrvText"]]
        header = ole.openstream("FileHeader").read()
        assert len(header) == 256 and header.startswith(b"HWP Document File\0")
        assert ole.openstream("PrvText").read().decode("utf-16-le") == "<경기도, 도민 안전 대책 발표>\r\n<세부 계획은 붙임과 같습니다.>"


def test_large_streams_go_to_regular_sectors():
    big = {"Big": bytes(range(256)) * 40, "Small": b"tiny", "Folder/Other": b"y" * 5000}
    with olefile.OleFileIO(io.BytesIO(demo_files.compound_file(big))) as ole:
        assert {"/".join(p): ole.openstream(p).read() for p in ole.listdir()} == big


def test_hwpx_is_an_owpml_zip():
    with zipfile.ZipFile(io.BytesIO(demo_files.hwpx(LINES))) as archive:
        assert archive.namelist()[0] == "mimetype"
        assert archive.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        assert "<hp:t>세부 계획은 붙임과 같습니다.</hp:t>" in archive.read("Contents/section0.xml").decode()


def test_pdf_text_extracts_through_its_unicode_map():
    reader = PdfReader(io.BytesIO(demo_files.pdf(LINES)))
    assert reader.pages[0].extract_text().strip() == "\n".join(LINES)


@pytest.mark.parametrize("ext, writer", [("hwp", demo_files.hwp5), ("hwpx", demo_files.hwpx),
                                         ("pdf", demo_files.pdf)])
def test_uploads_accept_them(ext, writer):
    upload = check_upload(f"자료.{ext}", writer(LINES), 1 << 20)
    assert upload.filename == f"자료.{ext}"
