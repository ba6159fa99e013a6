"""Release bodies: unsafe HTML goes, structure stays, pasted text becomes paragraphs."""
import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedserver.content.sanitize import clean_body, looks_like_html

HOSTILE = """<p onclick="steal()" style="color:red">안녕하세요<script>alert(1)</script></p>
<img src="https://www.gg.go.kr/x.png" onerror="alert(1)" alt="사진">
<a href="javascript:alert(1)">나쁜 링크</a> <a href=" JaVaScRiPt:alert(1)">대소문자</a>
<a href="data:text/html;base64,PHNjcmlwdD4=">데이터</a> <img src="data:image/png;base64,AAAA">
<iframe src="https://evil.example/">대체 글</iframe><style>p{}</style>
<object data="x.swf"></object><svg onload="alert(1)"><circle/></svg>
<form action="/x"><input name="a"></form>"""


def test_hostile_body_loses_scripts_handlers_urls_frames_and_styles():
    body = clean_body(HOSTILE)
    tree = lxml.html.fragment_fromstring(body, create_parent="div")
    assert not tree.xpath("//script|//iframe|//style|//object|//svg|//form|//input")
    assert not [a for el in tree.iter() for a in el.attrib if a.startswith("on") or a == "style"]
    assert all(not h.strip().lower().startswith(("javascript:", "data:"))
               for h in tree.xpath("//@href|//@src"))
    assert "alert" not in body and "대체 글" not in body and "evil.example" not in body
    assert tree.xpath("//img/@src") == ["https://www.gg.go.kr/x.png"] and tree.xpath("//img/@alt") == ["사진"]
    assert "안녕하세요" in body and "나쁜 링크" in body


def test_tables_images_lists_links_and_headings_stay():
    html = ("<h2>개요</h2><table><caption>예산</caption><thead><tr><th scope=\"col\">항목</th></tr></thead>"
            "<tbody><tr><td colspan=\"2\">10억 원</td></tr></tbody></table>"
            "<ul><li>하나</li></ul><ol start=\"3\"><li>셋</li></ol>"
            "<p><img src=\"https://www.gg.go.kr/a.jpg\" alt=\"현장 사진\" width=\"300\"></p>"
            "<p><a href=\"https://www.gg.go.kr/\">경기도</a> <strong>굵게</strong></p>")
    tree = lxml.html.fragment_fromstring(clean_body(html), create_parent="div")
    assert tree.xpath("//h2/text()") == ["개요"]
    assert tree.xpath("//table/caption/text()") == ["예산"]
    assert tree.xpath("//th/@scope") == ["col"] and tree.xpath("//td/@colspan") == ["2"]
    assert tree.xpath("//ul/li/text()") == ["하나"] and tree.xpath("//ol/@start") == ["3"]
    assert tree.xpath("//img/@src") == ["https://www.gg.go.kr/a.jpg"]
    assert tree.xpath("//img/@alt") == ["현장 사진"] and tree.xpath("//img/@width") == ["300"]
    assert tree.xpath("//a/@href") == ["https://www.gg.go.kr/"]
    assert tree.xpath("//a/@rel") == ["noopener noreferrer"]


def test_pasted_text_becomes_paragraphs_and_is_escaped():
    text = "경기도는 오늘\r\n\r\n  <도민 안전> 대책을   발표했다.\n\n담당: 안전정책과 & 재난대응팀\n"
    assert clean_body(text) == ("<p>경기도는 오늘</p>\n<p>&lt;도민 안전&gt; 대책을 발표했다.</p>\n"
                                "<p>담당: 안전정책과 &amp; 재난대응팀</p>")


@pytest.mark.parametrize("text, expected", [
    ("그냥 글 <경기도> 3 < 5", False), ("<p>문단</p>", True), ("줄<br>바꿈", True),
    ("<B>굵게</B>", True), ("", False),
])
def test_html_is_told_from_text(text, expected):
    assert looks_like_html(text) is expected


PIECES = list("<>/=\"' abp가나&;\n") + ["<p>", "</p>", "<script>", "<a href=", "<img src=",
                                        "javascript:", "onerror=", "<table><tr><td>"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_cleaning_is_stable(raw):
    once = clean_body(raw)
    assert clean_body(once) == once
    assert "<script" not in once.lower()
