"""Hostile input: zip bombs, oversized bodies, feed item size, integer overflow in URLs, lone
surrogates and deep nesting in API JSON. Each is a 400/404/413/415 with a Korean reason, never a
500 and never a half-written record; bombs are refused fast and in bounded memory."""
import io
import json
import struct
import time
import tracemalloc
import zipfile

import feedparser
import lxml.etree
import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedserver.content.uploads import UploadError, ZipLimits, check_upload
from feedserver.models import Attachment, Category, Release

MIB = 1024 * 1024
SECOND = 1.0               # a bomb is refused in under a second...
PEAK_BYTES = 64 * MIB      # ...allocating far less than it would inflate to (512 MiB)
HWPX_PARTS = [("Contents/section0.xml", b"<s/>")]
DOCX_PARTS = [("[Content_Types].xml", b"<Types/>")]


# --- crafting zip containers -------------------------------------------------------------------

def deflated(before, bomb_name, mib, after=()):
    """Return a zip whose bomb_name entry is mib MiB of zeros, deflated (about 1 KB per MiB)."""
    buffer, zeros = io.BytesIO(), bytes(MIB)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in before:
            archive.writestr(name, data)
        with archive.open(bomb_name, "w") as entry:  # streamed: never 512 MiB in memory
            for _ in range(mib):
                entry.write(zeros)
        for name, data in after:
            archive.writestr(name, data)
    return buffer.getvalue()


# (signature, offset of flags, method, compressed size, size, name length; header length)
HEADERS = ((b"PK\x03\x04", 6, 8, 18, 22, 26, 30), (b"PK\x01\x02", 8, 10, 20, 24, 28, 46))


def patched(data, member, **fields):
    """Rewrite what the local and central headers of member declare (flags, method, sizes)."""
    out, name = bytearray(data), member.encode()
    for signature, *offsets, header in HEADERS:
        at = dict(zip(("flags", "method", "compress_size", "file_size", "name_length"), offsets))
        pos = out.find(signature)
        while pos >= 0:
            length = struct.unpack_from("<H", out, pos + at["name_length"])[0]
            if out[pos + header:pos + header + length] == name:
                for field, value in fields.items():
                    fmt = "<H" if field in ("flags", "method") else "<I"
                    struct.pack_into(fmt, out, pos + at[field], value)
            pos = out.find(signature, pos + 4)
    return bytes(out)


def corrupted(data, member):
    """Overwrite the compressed bytes of member (the first entry) with an invalid deflate stream."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    return data[:start] + b"\xff" * info.compress_size + data[start + info.compress_size:]


def stored_hwpx(method=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), b"application/hwp+zip", compress_type=method)
        archive.writestr("Contents/section0.xml", b"<s/>")
    return buffer.getvalue()


def many_entries(count):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(count):
            archive.writestr(f"{n}.txt", b"")
    return buffer.getvalue()


def measured(call):
    """Run call; return its result, the seconds it took and the peak bytes Python allocated."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = call()
    finally:
        seconds, peak = time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, seconds, peak


@pytest.fixture(scope="module")
def hwpx_bomb():
    """The reported file: a ~510 KB .hwpx whose mimetype entry inflates to 512 MiB."""
    return deflated([], "mimetype", 512, HWPX_PARTS)


@pytest.fixture(scope="module")
def docx_bomb():
    return deflated(DOCX_PARTS, "word/document.xml", 64)


def refused(name, data, limits=None):
    """Return the UploadError check_upload raises, with the seconds and peak bytes it cost."""
    def call():
        with pytest.raises(UploadError) as caught:
            check_upload(name, data, 20 * MIB, limits)
        return caught.value
    error, seconds, peak = measured(call)
    assert seconds < SECOND and peak < PEAK_BYTES, (name, seconds, peak)
    return error


# --- 1. zip bombs ------------------------------------------------------------------------------

def test_reported_hwpx_bomb_is_refused_from_its_central_directory(hwpx_bomb):
    assert len(hwpx_bomb) < 600_000
    error = refused("보도자료.hwpx", hwpx_bomb)
    assert error.status == 413 and "압축 폭탄" in error.message and "보도자료.hwpx" in error.message


@pytest.mark.parametrize("name, build, status, words", [
    ("계획.docx", lambda: deflated(DOCX_PARTS, "word/document.xml", 64), 413, "압축 폭탄"),
    ("묶음.zip", lambda: deflated([], "zeros.bin", 64), 413, "압축 폭탄"),
    # the central directory (and local header) lie: 64 MiB declared as 100 bytes
    ("계획.docx", lambda: patched(deflated(DOCX_PARTS, "word/document.xml", 64), "word/document.xml",
                                file_size=100), 400, "크기 정보가 맞지 않습니다"),
    ("묶음.zip", lambda: patched(deflated([], "zeros.bin", 64), "zeros.bin", file_size=100),
     400, "크기 정보가 맞지 않습니다"),
    ("보도자료.hwpx", lambda: patched(deflated([], "mimetype", 64, HWPX_PARTS), "mimetype",
                                  file_size=19), 400, "크기 정보가 맞지 않습니다"),
])
def test_bombs_and_lying_sizes_are_refused_before_inflating(name, build, status, words):
    error = refused(name, build())
    assert error.status == status and words in error.message, error.message


def test_a_central_directory_lying_about_both_sizes_is_read_only_up_to_the_cap():
    # Declared 19 bytes stored-size and 19 bytes unpacked: the sizes agree, so only the capped
    # read of the entry stands between the 64 MiB of zeros and memory.
    bomb = patched(deflated([], "mimetype", 64, HWPX_PARTS), "mimetype", file_size=19, compress_size=19)
    assert refused("보도자료.hwpx", bomb).status == 415


def test_declared_totals_and_entry_counts_are_bounded():
    three_mib = deflated([("a.bin", bytes(MIB)), ("b.bin", bytes(MIB))], "c.bin", 1)
    error = refused("묶음.zip", three_mib, ZipLimits(max_total_bytes=2 * MIB))
    assert error.status == 413 and "2 MB가 넘는" in error.message
    error = refused("묶음.zip", many_entries(51), ZipLimits(max_entries=50))
    assert error.status == 413 and "항목이 너무 많습니다" in error.message
    assert check_upload("묶음.zip", many_entries(50), MIB, ZipLimits(max_entries=50)).filename == "묶음.zip"


@pytest.mark.parametrize("data", [
    patched(stored_hwpx(), "mimetype", method=99),            # a method zipfile cannot read
    patched(stored_hwpx(), "mimetype", flags=1),               # "encrypted": needs a password
    corrupted(stored_hwpx(zipfile.ZIP_DEFLATED), "mimetype"),  # a broken deflate stream
    stored_hwpx(zipfile.ZIP_BZIP2),                            # inflates whole chunks, unbounded
], ids=["unknown-method", "encrypted", "corrupt-deflate", "bzip2"])
def test_undecodable_entries_are_415_not_500(staff_app, data, staff, make_draft):
    draft = make_draft(staff_app)
    response = staff_app.test_client().post(f"/api/v1/releases/{draft}/attachments", headers=staff.bearer(staff_app),
                                            data={"file": (io.BytesIO(data), "보도자료.hwpx")})
    assert _api_error(response, 415)["fields"]["file"]
    assert stored_hwpx() and check_upload("보도자료.hwpx", stored_hwpx(), MIB).content_type == "application/hwp+zip"


def test_api_refuses_the_bomb_fast_in_bounded_memory_and_stores_nothing(staff_db_app, hwpx_bomb, staff, make_draft):
    client, draft = staff_db_app.test_client(), make_draft(staff_db_app)
    url = f"/api/v1/releases/{draft}/attachments"
    client.post(url, headers=staff.bearer(staff_db_app), data={"file": (io.BytesIO(b"x"), "warm.hwpx")})
    response, seconds, peak = measured(lambda: client.post(
        url, headers=staff.bearer(staff_db_app), data={"file": (io.BytesIO(hwpx_bomb), "보도자료.hwpx")}))
    error = _api_error(response, 413)
    assert "압축 폭탄" in error["message"] and "압축 폭탄" in error["fields"]["file"]
    assert seconds < SECOND and peak < PEAK_BYTES, (seconds, peak)
    _nothing_stored(staff_db_app)


def test_admin_form_refuses_the_bomb_fast_in_bounded_memory_and_writes_nothing(staff_app, hwpx_bomb, html, staff,
                                                                               write):
    client = staff_app.test_client()
    staff.login(client)
    write(client, files=[("warm.hwpx", b"x")])
    response, seconds, peak = measured(lambda: write(client, files=[("보도자료.hwpx", hwpx_bomb)]))
    assert response.status_code == 400
    assert any("압축 폭탄" in t for t in html.page(response).xpath("//div[@id='form-errors']//li/text()"))
    assert seconds < SECOND and peak < PEAK_BYTES, (seconds, peak)
    with staff_app.app_context():
        assert not Release.select().exists()
    _nothing_stored(staff_app)


def test_an_upload_costs_memory_by_its_size_not_by_the_limit(staff_app, samples, staff, make_draft):
    pdf = samples.tiny_pdf() + b"\0" * 600_000  # spooled to a temporary file by werkzeug
    client, url = staff_app.test_client(), f"/api/v1/releases/{make_draft(staff_app)}/attachments"
    response, _, peak = measured(lambda: client.post(url, headers=staff.bearer(staff_app),
                                                     data={"file": (io.BytesIO(pdf), "붙임.pdf")}))
    assert response.status_code == 201 and peak < 8 * MIB, peak  # MAX_ATTACHMENT_BYTES is 20 MiB


def test_zip_limits_are_settings(staff_app, staff, make_draft):
    staff_app.config["ZIP_MAX_ENTRIES"] = 50
    response = staff_app.test_client().post(
        f"/api/v1/releases/{make_draft(staff_app)}/attachments", headers=staff.bearer(staff_app),
        data={"file": (io.BytesIO(many_entries(51)), "묶음.zip")})
    assert "50개 이하" in _api_error(response, 413)["message"]


def test_import_refuses_a_bomb_attachment_and_writes_nothing(staff_db_app, tmp_path, docx_bomb):
    (tmp_path / "계획.docx").write_bytes(docx_bomb)
    _jsonl(tmp_path / "in.jsonl", [{"external_id": "bomb", "category": "press", "title": "폭탄",
                                    "attachments": [{"path": "계획.docx"}]}])
    result, seconds, _ = measured(lambda: staff_db_app.test_cli_runner().invoke(
        args=["import", str(tmp_path / "in.jsonl")]))
    assert result.exit_code == 1 and "1번째 줄: " in result.output and "압축 폭탄" in result.output
    assert seconds < 5 * SECOND
    with staff_db_app.app_context():
        assert not Release.select().exists()
    _nothing_stored(staff_db_app)


# --- 3. body size: refused on input, cut in feeds ----------------------------------------------

def test_api_refuses_a_body_over_the_limit_and_writes_nothing(staff_db_app, staff):
    with staff_db_app.app_context():
        from feedserver.publishing.input import body_limit
        limit = body_limit()
    # The same limit on every database: MariaDB's body columns are MEDIUMTEXT (migration 0010).
    assert limit == staff_db_app.config["MAX_BODY_BYTES"]
    client, headers = staff_db_app.test_client(), staff.bearer(staff_db_app)
    fits = {"title": "긴 본문", "category": "press", "body": "<p>" + "a" * (limit - 7) + "</p>"}
    created = client.post("/api/v1/releases", headers=headers, json=fits)
    assert created.status_code == 201 and len(created.get_json()["body"]) == limit
    for body in ("<p>" + "a" * (limit - 6) + "</p>", "가나다라 " * 1_200_000):  # 15.6 MB
        response = client.post("/api/v1/releases", headers=headers, json={**fits, "body": body})
        assert "본문이 너무 깁니다" in _api_error(response, 400)["fields"]["body"]
        response = client.patch(f"/api/v1/releases/{created.get_json()['id']}", headers=headers,
                                json={"body": body})
        assert "본문이 너무 깁니다" in _api_error(response, 400)["fields"]["body"]
    with staff_db_app.app_context():
        assert [(r.revision, len(r.body_html)) for r in Release.select()] == [(1, limit)]


def test_plain_text_that_grows_into_paragraphs_past_the_limit_is_refused(staff_app, staff):
    staff_app.config["MAX_BODY_BYTES"] = 1000
    text = "\n".join(["가"] * 300)  # 899 bytes typed, 3,299 bytes as <p> paragraphs
    response = staff_app.test_client().post("/api/v1/releases", headers=staff.bearer(staff_app),
                                            json={"title": "줄", "category": "press", "body": text})
    assert "1,000바이트" in _api_error(response, 400)["fields"]["body"]


def test_admin_form_refuses_a_body_over_the_limit_keeping_the_text(staff_app, html, staff, write):
    client = staff_app.test_client()
    staff.login(client)
    body = "가" * (MIB // 3 + 1)  # just over 1 MiB
    response = write(client, body=body)
    assert response.status_code == 400
    tree = html.page(response)
    assert any("본문이 너무 깁니다" in t for t in tree.xpath("//div[@id='form-errors']//li/text()"))
    assert tree.xpath("//textarea[@id='body']/text()") == [body]
    huge = write(client, body="가" * MIB)  # 3 MiB: over MAX_FORM_MEMORY_SIZE, a 413 page
    assert huge.status_code == 413 and "요청이 너무 큽니다" in huge.get_data(as_text=True)
    with staff_app.app_context():
        assert not Release.select().exists()


def test_import_refuses_a_body_over_the_limit(staff_app, tmp_path):
    _jsonl(tmp_path / "in.jsonl", [
        {"external_id": "big", "category": "press", "title": "큰 본문", "body": "가" * (MIB // 3 + 1)},
        {"external_id": "small", "category": "press", "title": "작은 본문", "body": "짧다"}])
    result = staff_app.test_cli_runner().invoke(args=["import", str(tmp_path / "in.jsonl")])
    assert result.exit_code == 1 and "1번째 줄: " in result.output and "본문이 너무 깁니다" in result.output
    with staff_app.app_context():
        assert [r.external_id for r in Release.select()] == ["small"]


FEEDS = ("rss", "atom", "json")


def feed_contents(client, fmt):
    """Return {item link: content HTML} of a feed, parsed as its format."""
    data = client.get(f"/feeds/all.{fmt}").data
    if fmt == "json":
        return {item["url"]: item["content_html"] for item in json.loads(data)["items"]}
    lxml.etree.fromstring(data, lxml.etree.XMLParser(recover=False))
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return {entry.link: entry.content[0].value for entry in parsed.entries}


def long_body(paragraphs, rows):
    """A release body of paragraphs, then a table, with entities and links (no void elements)."""
    rows = "".join(f"<tr><td>{n}</td><td>예산 &amp; 집행 {n}</td></tr>" for n in range(rows))
    return "".join(f'<p>{n}번째 문단: <strong>경기도</strong>가 &lt;도민&gt; 여러분께 알립니다. '
                   f'<a href="/releases/x{n}">관련 자료</a> 가나다라마바사 아자차카타파하.</p>'
                   for n in range(paragraphs)) + f"<table><tbody>{rows}</tbody></table>"


def test_a_long_body_is_cut_at_a_safe_boundary_in_every_feed_format(db_app, make_release):
    limit = db_app.config["FEED_ITEM_BYTES"]
    with db_app.app_context():
        category = Category.create(slug="press", name="보도자료")
        body = long_body(150, 600)  # ~55 KB, cut inside the table; storable on every backend
        long = make_release(category, title="긴 보도자료", body=body)
        short = make_release(category, title="짧은 보도자료", body="<p>짧은 본문입니다.</p>")
    assert limit < len(body.encode()) < 65_535
    client = db_app.test_client()
    full_text = lxml.html.fragment_fromstring(body, create_parent="div").text_content()
    for fmt in FEEDS:
        contents = {link.rsplit("/", 1)[1]: html for link, html in feed_contents(client, fmt).items()}
        assert contents[short.public_id] == "<p>짧은 본문입니다.</p>", fmt
        cut = contents[long.public_id]
        assert 0.9 * limit < len(cut.encode()) <= limit + 512, (fmt, len(cut.encode()))
        # well formed: an XML parser takes it (the body has no void elements), nothing dropped
        tree = lxml.etree.fromstring(f"<div>{cut}</div>".encode(), lxml.etree.XMLParser(recover=False))
        more = tree[-1]
        assert more.tag == "p" and more.xpath("string(a)") == "전문 보기", fmt
        assert more.xpath("a/@href") == [f"http://localhost/releases/{long.public_id}"], fmt
        tree.remove(more)
        kept = "".join(tree.itertext())
        assert len(kept) > 5000 and full_text.startswith(kept.rstrip()), fmt
        assert not tree.xpath("//script|//@*[starts-with(name(), 'on')]"), fmt


@pytest.mark.alone  # a 0.5 s bound, measured with the CPU to itself
def test_a_15_mb_body_renders_every_feed_fast_and_not_empty(app, make_release):
    app.config["FEED_CACHE_BYTES"] = 0
    with app.app_context():
        release = make_release(Category.create(slug="press", name="보도자료"), title="15MB",
                               body="<p>" + "가나다라 " * 1_200_000 + "</p>")
    client = app.test_client()
    client.get("/feeds/all.rss?limit=1")  # warm: templates, first queries
    for fmt in FEEDS:
        start = time.perf_counter()
        contents = feed_contents(client, fmt)
        assert time.perf_counter() - start < 0.5, fmt
        cut = contents[f"http://localhost/releases/{release.public_id}"]
        assert cut.startswith("<p>가나다라 가나다라") and cut.endswith("전문 보기</a></p>"), fmt


@pytest.mark.parametrize("body", [
    "<div>" * 3000 + "깊은 본문 " * 5000 + "</div>" * 3000,
    "<p>" + "a" * 32_700 + "&amp;" * 100 + "</p>",
    "<p>" + "줄<br>" * 20_000 + "</p>",
    "평문 " * 20_000,
], ids=["nested", "entity-at-cut", "void-elements", "plain-text"])
@pytest.mark.alone  # a 0.5 s bound, measured with the CPU to itself
def test_truncation_is_bounded_balanced_and_never_empty(body):
    from feedserver.syndication.formats import truncate_html
    start = time.perf_counter()
    cut = truncate_html(body, 32_768, "https://example.org/releases/abc")
    assert time.perf_counter() - start < 0.5
    assert len(cut.encode()) <= 32_768 and cut.endswith('<a href="https://example.org/releases/abc">전문 보기</a></p>')
    xml = lxml.html.tostring(lxml.html.fragment_fromstring(cut, create_parent="div"), method="xml")
    assert lxml.etree.fromstring(xml).xpath("string(.)").strip()
    assert cut.count("<p>") == cut.count("</p>") and cut.count("<div>") == cut.count("</div>")


# --- 4. crafted URLs and API JSON --------------------------------------------------------------

@pytest.mark.parametrize("number", ["99999999999999999999", "9223372036854775808",
                                    "9223372036854775807", "100001", "0"])
def test_sitemap_pages_past_any_integer_are_404(db_app, number, html):
    client = db_app.test_client()
    response = client.get(f"/sitemaps/{number}.xml")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert html.page(response).xpath("//title/text()") and "페이지를 찾을 수 없습니다" in response.get_data(as_text=True)
    assert client.get("/sitemaps/1.xml").status_code == 200


SURROGATE = "\\ud800"  # as written in a raw JSON body: a lone high surrogate
WRITES = {"create": ("post", "/releases"), "update": ("patch", "/releases/{id}"),
          "schedule": ("post", "/releases/{id}/schedule")}
FIELDS = {"create": ["title", "category", "author", "body", "summary", "status", "published_at",
                     "external_id", "<key>"],
          "update": ["title", "category", "author", "body", "summary", "status", "published_at", "<key>"],
          "schedule": ["published_at", "<key>"]}


def _raw(endpoint, field):
    base = {"create": {"title": "제목", "category": "press"}, "update": {},
            "schedule": {"published_at": "2099-01-01T09:00:00+09:00"}}[endpoint]
    text = json.dumps(base, ensure_ascii=False)[:-1]
    text += ", " if base else ""
    if field == "<key>":
        return text + f'"x{SURROGATE}y": "값"}}'
    return text + f'"{field}": "a{SURROGATE}b"}}'


@pytest.mark.parametrize("endpoint, field", [(e, f) for e, fields in FIELDS.items() for f in fields])
def test_lone_surrogates_in_api_json_are_400(staff_db_app, endpoint, field, staff, make_draft):
    known = make_draft(staff_db_app)
    method, url = WRITES[endpoint]
    response = getattr(staff_db_app.test_client(), method)(
        "/api/v1" + url.format(id=known), data=_raw(endpoint, field).encode(),
        headers={**staff.bearer(staff_db_app), "Content-Type": "application/json"})
    error = _api_error(response, 400)
    assert "서로게이트" in json.dumps(error["fields"], ensure_ascii=False), error
    with staff_db_app.app_context():
        assert [(r.title, r.revision, r.status) for r in Release.select()] == [("초안", 1, "draft")]


@pytest.mark.parametrize("endpoint", WRITES)
@pytest.mark.parametrize("shape", ["whole", "field", "objects"])
def test_deeply_nested_api_json_is_400(staff_db_app, endpoint, shape, staff, make_draft):
    known = make_draft(staff_db_app)
    deep = "[" * 100_000 + "]" * 100_000
    raw = {"whole": deep, "field": f'{{"title": {deep}}}',
           "objects": '{"title": ' + '{"a": ' * 50 + "1" + "}" * 50 + "}"}[shape]
    method, url = WRITES[endpoint]
    response = getattr(staff_db_app.test_client(), method)(
        "/api/v1" + url.format(id=known), data=raw,
        headers={**staff.bearer(staff_db_app), "Content-Type": "application/json"})
    assert "중첩" in json.dumps(_api_error(response, 400), ensure_ascii=False)
    with staff_db_app.app_context():
        assert Release.select().count() == 1 and Release.get().revision == 1


def test_nul_in_a_slug_or_public_id_is_400_or_404_not_a_database_error(staff_db_app, staff):
    # PostgreSQL refuses NUL in a text parameter: such values must never reach a query.
    client, headers = staff_db_app.test_client(), staff.bearer(staff_db_app)
    response = client.post("/api/v1/releases", headers=headers, json={"title": "t", "category": "pr\x00ess"})
    assert _api_error(response, 400)["fields"]["category"] == "없는 분류입니다."
    _api_error(client.get("/api/v1/releases?category=pr%00ess", headers=headers), 400)
    for method, url in (("get", "/releases/a%00b"), ("patch", "/releases/a%00b"),
                        ("delete", "/releases/a%00b"), ("post", "/releases/a%00b/schedule"),
                        ("post", "/releases/a%00b/withdraw"), ("post", "/releases/a%00b/restore"),
                        ("post", "/releases/a%00b/attachments"), ("delete", "/releases/a%00b/attachments/1")):
        _api_error(getattr(client, method)("/api/v1" + url, headers=headers, json={"title": "x"}), 404)
    with staff_db_app.app_context():
        assert not Release.select().exists()


@pytest.mark.parametrize("url, status", [
    ("/releases/a%00b", 404), ("/board/a%00b/", 404), ("/feeds/category/a%00b.rss", 404),
    ("/releases/a%00b/files/1", 404), ("/feeds/archive/category/a%00b/2024-05.atom", 404),
    ("/board/?field=title&q=a%00b", 400), ("/feeds/search.atom?field=title&q=a%00b", 400),
    ("/widget/latest.json?category=a%00b", 400), ("/embed/latest?category=a%00b", 400),
])
def test_nul_anywhere_in_a_public_url_is_400_or_404(staff_db_app, url, status):
    response = staff_db_app.test_client().get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:300]


def test_nul_in_a_form_is_400_and_writes_nothing(staff_db_app, staff):
    client = staff_db_app.test_client()
    staff.login(client)
    response = staff.post_form(client, "/admin/releases/new", {"title": "제\x00목", "category": "press",
                                                               "mode": "publish"})
    assert response.status_code == 400
    hub = client.post("/websub", data={"hub.mode": "subscribe", "hub.topic": "http://localhost/feeds/all.rss\x00",
                                       "hub.callback": "https://example.com/cb"})
    assert hub.status_code == 400
    with staff_db_app.app_context():
        assert not Release.select().exists()


def test_endpoints_without_a_json_body_ignore_hostile_ones(staff_app, samples, staff, make_draft):
    known, client = make_draft(staff_app), staff_app.test_client()
    headers = {**staff.bearer(staff_app), "Content-Type": "application/json"}
    deep = "[" * 100_000 + "]" * 100_000
    for method, url, status in (("post", f"/releases/{known}/withdraw", 409),
                                ("post", f"/releases/{known}/restore", 409),
                                ("delete", "/releases/%ED%A0%80", 404),
                                ("get", "/releases/%ED%A0%80", 404),
                                ("delete", f"/releases/{known}/attachments/99999999999", 404),
                                ("post", f"/releases/{known}/attachments", 415)):
        _api_error(getattr(client, method)("/api/v1" + url, data=deep, headers=headers), status)
    for name in (b"\xff\xfe.pdf", b"\xed\xa0\x80.pdf"):  # not UTF-8; a CESU-8 surrogate
        body = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="' + name
                + b'"\r\nContent-Type: application/pdf\r\n\r\n' + samples.tiny_pdf() + b"\r\n--b--\r\n")
        odd = client.post(f"/api/v1/releases/{known}/attachments", data=body,
                          headers={**staff.bearer(staff_app), "Content-Type": "multipart/form-data; boundary=b"})
        assert "file" in _api_error(odd, 400)["fields"]  # werkzeug drops a part it cannot decode


hostile_text = st.text(st.one_of(st.characters(), st.sampled_from(["\ud800", "\udfff", "\x00"])),
                       max_size=30)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=12)
release_keys = st.sampled_from(["title", "category", "author", "body", "summary", "status",
                                "published_at", "external_id"])


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(endpoint=st.sampled_from(sorted(WRITES)), document=st.dictionaries(
    release_keys | hostile_text, json_values | release_keys, max_size=6),
       wrap=st.sampled_from([0, 0, 0, 30, 100_000]))
def test_any_json_document_gets_a_json_answer_never_a_500(staff_db_app, endpoint, document, wrap, staff, make_draft):
    app = staff_db_app
    if "FUZZ_RELEASE" not in app.config:  # one draft per app, shared by the examples
        app.config["FUZZ_RELEASE"] = make_draft(app)
    known = app.config["FUZZ_RELEASE"]
    raw = "[" * wrap + json.dumps(document) + "]" * wrap  # ensure_ascii keeps surrogates as \ud800
    method, url = WRITES[endpoint]
    response = getattr(app.test_client(), method)(
        "/api/v1" + url.format(id=known), data=raw,
        headers={**staff.bearer(app), "Content-Type": "application/json"})
    assert response.status_code in (200, 201, 400, 409), response.get_data(as_text=True)
    if response.status_code >= 400:
        _api_error(response, response.status_code)


# --- helpers -----------------------------------------------------------------------------------

@pytest.fixture
def make_draft(staff):
    def make_draft(app):
        response = app.test_client().post("/api/v1/releases", headers=staff.bearer(app),
                                          json={"title": "초안", "category": "press"})
        return response.get_json()["id"]
    return make_draft


def _api_error(response, status):
    """Check the API's error format and return its error object."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["status"] == status and error["message"] and isinstance(error["fields"], dict)
    return error


def _nothing_stored(app):
    with app.app_context():
        assert not Attachment.select().exists()
    folder = app.config["ATTACHMENT_DIR"]
    assert not any(p.is_file() for p in __import__("pathlib").Path(folder).rglob("*"))


@pytest.fixture
def write(staff):
    def write(client, files=(), **fields):
        data = {"title": "경기도 보도자료", "category": "press", "author": "", "body": "본문",
                "summary": "", "mode": "publish", "action": "save", **fields}
        if files:
            data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
        return staff.post_form(client, "/admin/releases/new", data, page="/admin/releases/new",
                               content_type="multipart/form-data")
    return write


def _jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
