"""The text read from stored files: PDF, HWP 5, HWPX, plain text; hostile files cost little."""
import io
import struct
import time
import zipfile
import zlib

import pytest

from feedserver.content import extract, hwp

PARAGRAPHS = ["경기도, 반도체 클러스터 조성 발표", "특히 가을에는 달빛정원음악회를 연다.", "<script>알림</script> & 문의"]


@pytest.mark.parametrize("ext", ["hwp", "hwpx", "pdf"])
def test_korean_text_is_read_from_each_format(samples, ext):
    data = samples.hangul_files(PARAGRAPHS)[ext]
    assert extract.extract(f"보도자료.{ext}", data) == ("readable", "\n".join(PARAGRAPHS))


def test_pictures_and_office_files_are_not_text(samples):
    assert extract.extract("사진.png", samples.tiny_png()) == ("none", "")
    assert extract.extract("표.xlsx", b"PK") == ("none", "")


def test_plain_text_in_utf8_or_cp949():
    assert extract.extract("안내.txt", "도민 안내문".encode("cp949")) == ("readable", "도민 안내문")
    assert extract.extract("안내.txt", "도민\x00 안내문\r\n\n\n끝".encode()) == ("readable", "도민 안내문\n\n끝")


def test_hwp_without_a_readable_body_falls_back_to_its_preview(samples):
    from feedserver.publishing.demo_files import compound_file
    header = b"HWP Document File".ljust(32, b"\0") + struct.pack("<II", 0x05000300, 1)
    data = compound_file({"FileHeader": header.ljust(256, b"\0"),
                          "BodyText/Section0": b"not deflate at all",
                          "PrvText": "<미리보기 글>".encode("utf-16-le")})
    assert extract.extract("a.hwp", data) == ("readable", "<미리보기 글>")


def test_a_long_hwp_body_is_read_whole_and_capped(samples):
    paragraphs = ["가나다라마바사" * 300] * 3  # records longer than 4,095 bytes name their size apart
    state, text = extract.extract("a.hwp", samples.hangul_files(paragraphs)["hwp"])
    assert state == "readable" and text.split("\n") == paragraphs
    state, text = extract.extract("b.hwp", samples.hangul_files(["글" * 60_000] * 3)["hwp"])
    assert state == "readable" and len(text) == extract.MAX_TEXT


@pytest.mark.parametrize("data", [
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "제목".encode("utf-16-le"),  # OLE magic, no file system
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 40,
    b"garbage",
], ids=["old-demo-fake", "random-sectors", "not-ole"])
def test_malformed_hwp_is_unreadable(data):
    assert extract.extract("a.hwp", data) == ("unreadable", "")


def test_an_ole_file_that_is_not_hwp_is_unreadable():
    from feedserver.publishing.demo_files import compound_file
    doc = compound_file({"WordDocument": b"x" * 600, "PrvText": "몰래".encode("utf-16-le")})
    assert extract.extract("a.hwp", doc) == ("unreadable", "")


def hwpx_with(section_bytes, compress=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/hwp+zip", zipfile.ZIP_STORED)
        archive.writestr("Contents/section0.xml", section_bytes, compress)
    return out.getvalue()


def test_hwpx_zip_bomb_is_unreadable_quickly():
    bomb = hwpx_with(b"<a>" + b" " * (64 * 1024 * 1024) + b"</a>")  # 64 MB of blanks, 64 KB zipped
    assert len(bomb) < 1024 * 1024
    started = time.monotonic()
    assert extract.extract("폭탄.hwpx", bomb) == ("unreadable", "")
    assert time.monotonic() - started < 5


def test_hwpx_entities_are_not_expanded():
    laughs = ('<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "웃음웃음웃음웃음웃음웃음웃음웃음">'
              + "".join(f'<!ENTITY {n} "' + f"&{p};" * 10 + '">' for p, n in zip("abcdefgh", "bcdefghi"))
              + ']><hs:sec xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" '
              'xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph"><hp:p><hp:t>&i;</hp:t></hp:p></hs:sec>')
    started = time.monotonic()
    _, text = extract.extract("웃음.hwpx", hwpx_with(laughs.encode()))
    assert "웃음" not in text and time.monotonic() - started < 2


@pytest.mark.parametrize("data", [b"PK\x03\x04broken", hwpx_with(b"<not-closed>"),
                                  hwpx_with(b"<x/>", zipfile.ZIP_BZIP2)],
                         ids=["broken-zip", "bad-xml", "bzip2"])
def test_malformed_hwpx_is_unreadable(data):
    assert extract.extract("a.hwpx", data) == ("unreadable", "")


def test_table_cells_are_read_once():
    ns = 'xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph"'
    xml = (f'<s {ns}><hp:p><hp:run><hp:t>표 앞</hp:t><hp:tbl><hp:tc><hp:p><hp:run><hp:t>칸</hp:t>'
           '</hp:run></hp:p></hp:tc></hp:tbl></hp:run></hp:p></s>').encode()
    assert list(hwp._xml_paragraphs(xml)) == ["표 앞", "칸"]


def test_malformed_and_empty_pdfs_are_unreadable(samples):
    assert extract.extract("a.pdf", b"%PDF-1.4\n%%EOF\n") == ("unreadable", "")
    assert extract.extract("a.pdf", samples.hangul_files(["x"])["pdf"][:300]) == ("unreadable", "")


def test_a_pdf_of_many_pages_is_read_within_bounds(samples, monkeypatch):
    from pypdf import PdfReader, PdfWriter
    one = PdfReader(io.BytesIO(samples.hangul_files(["쪽마다 같은 글"])["pdf"])).pages[0]
    monkeypatch.setattr(extract, "MAX_PDF_PAGES", 20)  # the cap, not the clock, must stop it
    writer = PdfWriter()
    for _ in range(extract.MAX_PDF_PAGES + 20):
        writer.add_page(one)
    out = io.BytesIO()
    writer.write(out)
    started = time.monotonic()
    state, text = extract.extract("두꺼운.pdf", out.getvalue())
    assert state == "readable" and text.count("쪽마다 같은 글") == extract.MAX_PDF_PAGES
    assert time.monotonic() - started < extract.SECONDS + 5


def one_page_pdf(content, extra=b""):
    """Return a well-formed one-page PDF whose page draws this content stream."""
    from feedserver.publishing.demo_files import pdf_document, pdf_stream
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>")
    return pdf_document([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                         page, pdf_stream(content, extra),
                         b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"])


def test_a_plain_pdf_reads():
    assert extract.extract("a.pdf", one_page_pdf(b"BT /F1 12 Tf (hello) Tj ET")) == ("readable", "hello")


def text_operators(size):
    """Return a deflated content stream of `size` bytes of text-drawing operators."""
    return zlib.compress(b"BT /F1 12 Tf " + b"(abc) Tj 0 -1 Td " * (size // 17) + b"ET", 9)


@pytest.mark.parametrize("megabytes", [5, 100])
def test_a_page_of_megabytes_of_operators_is_skipped_quickly(megabytes):
    # 13 KB of PDF that took pypdf 44 s to read at 5 MB of operators, before the page-size cap.
    data = one_page_pdf(text_operators(megabytes << 20), b"/Filter /FlateDecode ")
    started = time.monotonic()
    assert extract.extract("폭탄.pdf", data) == ("unreadable", "")
    assert time.monotonic() - started < 2


def test_many_heavy_pages_stop_at_the_time_budget():
    from feedserver.publishing.demo_files import pdf_document, pdf_stream
    pages = 60  # after one page of text, pages of moves just under the page cap: seconds each
    moves = zlib.compress(b"BT " + b"0 -1 Td " * ((extract.MAX_PAGE_CONTENT - 64) // 8) + b"ET", 9)
    kids = b" ".join(b"%d 0 R" % (6 + i) for i in range(pages))
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Contents %d 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>")
    data = pdf_document([b"<< /Type /Catalog /Pages 2 0 R >>",
                         b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
                         pdf_stream(b"BT /F1 12 Tf (hello) Tj ET"),
                         pdf_stream(moves, b"/Filter /FlateDecode "),
                         b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
                         page % 3, *[page % 4] * (pages - 1)])
    assert len(data) < 12_000
    started = time.monotonic()
    assert extract.extract("무거운.pdf", data) == ("readable", "hello")
    assert time.monotonic() - started < extract.SECONDS + 3  # the budget, and one page past it


def test_hwp_control_codes_are_skipped_and_line_breaks_kept():
    units = [2, 0x6365, 0x6364, 0, 0, 0, 0, 2]  # a section definition: eight units, no text
    units += [ord("가"), 10, ord("나"), 0xD83D, 0xDE00, 11, 1, 2, 3, 4, 5, 6, 11, 13]  # 😀, a table, end
    record = struct.pack(f"<{len(units)}H", *units)
    assert hwp._para_text(record) == "가\n나😀"


def test_many_large_hwpx_sections_stop_at_the_inflation_budget():
    out = io.BytesIO()
    ns = 'xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph"'
    section = f'<s {ns}><hp:p><hp:t>쪽</hp:t></hp:p>{" " * (6 << 20)}</s>'.encode()  # 6 MB, zips small
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/hwp+zip", zipfile.ZIP_STORED)
        for number in range(12):
            archive.writestr(f"Contents/section{number}.xml", section, zipfile.ZIP_DEFLATED)
    started = time.monotonic()
    state, text = extract.extract("큰.hwpx", out.getvalue())
    assert (state, text) == ("readable", "\n".join(["쪽"] * 3))  # 16 MB: three sections of six
    assert time.monotonic() - started < 3
