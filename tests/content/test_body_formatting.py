"""Body formatting (issue 15, defect 2): structure survives one tag, Word and Hangul pastes,
URLs become links, pictures only from our files or the web, and cleaning is idempotent."""
import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedserver.content.sanitize import clean_body
from feedserver.models import html_to_text, summarize


def tree(html):
    return lxml.html.fragment_fromstring(html, create_parent="div")


def test_lines_keep_their_paragraphs_when_the_text_holds_one_tag(clipboard):
    body = clean_body(clipboard.MIXED_LINES)
    assert [p.text_content() for p in tree(body).xpath("p")] == [
        "경기도는 오늘 청년 지원 계획을 발표했다.",
        "자세한 내용은 https://www.gg.go.kr/news에서 볼 수 있다.",
        "경기도청 누리집에도 있다.",
        "문의: youth@gg.go.kr"]
    assert tree(body).xpath("//p[1]/b/text()") == ["발표"]


@pytest.mark.parametrize("raw", [
    "첫째 줄\n<b>둘째</b> 줄\n셋째 줄",
    "<a href=\"https://www.gg.go.kr/\">첫째</a> 줄\r\n둘째 줄\r\n\r\n셋째 줄",
    "첫째 줄\n<table><tr><td>둘째</td></tr></table>\n셋째 줄",
])
def test_one_tag_no_longer_runs_every_line_together(raw):
    blocks = [el.text_content().strip() for el in tree(clean_body(raw))]
    assert len(blocks) == 3 and blocks[0].startswith("첫째") and blocks[2] == "셋째 줄"


def test_summary_keeps_paragraph_and_cell_boundaries():
    body = clean_body("첫 문단 끝\n<b>둘째</b> 문단\n<table><tr><td>구분</td><td>인원</td></tr></table>")
    assert summarize(html_to_text(body)) == "첫 문단 끝 둘째 문단 구분 인원"


def test_word_list_headings_and_bold_survive(clipboard):
    body = tree(clean_body(clipboard.WORD_LIST))
    assert body.xpath("h2/text()") == ["추진 계획"]
    assert body.xpath("p/b/text()") == ["주요 내용"]
    assert body.xpath("p/strong/text()") == ["굵게 쓴 스타일"]  # font-weight:bold on a span
    assert [li.text for li in body.xpath("ol/li")] == ["청년 일자리 ", "소상공인 지원"]
    assert body.xpath("ol/li[1]/em/text()") == ["확대"]
    assert body.xpath("ol/li[1]/ol/li/text()") == ["도내 기업 연계"]  # level 2 nests
    assert body.xpath("ul/li/text()") == ["문의: 일자리정책과"]  # a § bullet is no number
    html = lxml.html.tostring(body, encoding="unicode")
    assert "mso" not in html.lower() and "o:p" not in html and "1." not in html
    assert "<xml" not in html and "WordDocument" not in html and "style" not in html


def test_hangul_table_keeps_rows_cells_spans_and_bold(clipboard):
    body = tree(clean_body(clipboard.HWP_TABLE))
    assert body.xpath("p[1]/strong/text()") == ["2024년 경기도 청년 지원 현황"]
    table = body.xpath("table")[0]
    assert table.xpath("colgroup/col/@width") == ["110", "150", "150"]
    rows = table.xpath(".//tr")
    assert [len(r.xpath("td")) for r in rows] == [2, 2, 3]
    assert rows[0].xpath("td[1]/@rowspan") == ["2"] and rows[0].xpath("td[2]/@colspan") == ["2"]
    assert rows[0].xpath("td[1]//strong/text()") == ["구분"]
    assert [c.text_content() for c in rows[2].xpath("td")] == ["청년 기본소득", "12,300명", "14,100명"]
    html = lxml.html.tostring(body, encoding="unicode")
    assert "style" not in html and "HStyle" not in html and "Hancom" not in html


@pytest.mark.parametrize("text, links", [
    ("누리집 https://www.gg.go.kr/news에서 확인", [("https://www.gg.go.kr/news", "https://www.gg.go.kr/news")]),
    ("누리집(www.gg.go.kr) 참고", [("http://www.gg.go.kr", "www.gg.go.kr")]),
    ("문의 press@gg.go.kr", [("mailto:press@gg.go.kr", "press@gg.go.kr")]),
    ("위키 https://ko.wikipedia.org/wiki/경기도 참고",
     [("https://ko.wikipedia.org/wiki/%EA%B2%BD%EA%B8%B0%EB%8F%84", "https://ko.wikipedia.org/wiki/경기도")]),
    ("버전 1.2와 3.5% 증가", []),
])
def test_plain_urls_become_links(text, links):
    body = tree(clean_body(text))
    assert [(a.get("href"), a.text) for a in body.xpath("//a")] == links
    assert all(a.get("rel") == "noopener noreferrer" for a in body.xpath("//a"))


def test_no_links_inside_links_or_code():
    body = tree(clean_body('<p><a href="https://a.example/">https://b.example/</a> '
                           '<code>https://c.example/</code></p><pre>www.gg.go.kr\n  줄</pre>'))
    assert body.xpath("//a/@href") == ["https://a.example/"]
    assert body.xpath("//pre/text()") == ["www.gg.go.kr\n  줄"]  # pre keeps its spaces


@pytest.mark.parametrize("src, kept", [
    ("/releases/abc123def456/files/7", "/releases/abc123def456/files/7"),
    ("/admin/releases/abc123def456/files/7", "/releases/abc123def456/files/7"),  # as the editor shows it
    ("https://www.gg.go.kr/a.png", "https://www.gg.go.kr/a.png"),
    ("http://www.gg.go.kr/a.png", "http://www.gg.go.kr/a.png"),
    ("x.png", None), ("/admin/users", None), ("//evil.example/a.png", None),
    ("data:image/png;base64,AAAA", None), ("javascript:alert(1)", None),
    ("file:///C:/Users/a/AppData/Local/Temp/msohtmlclip1/01/clip_image001.png", None),
])
def test_pictures_only_from_our_files_or_the_web(src, kept):
    body = tree(clean_body(f'<p>사진 <img src="{src}" alt="현장 사진"></p>'))
    assert body.xpath("//img/@src") == ([kept] if kept else [])
    if kept:
        assert body.xpath("//img/@alt") == ["현장 사진"]


def test_empty_paragraphs_from_word_and_editors_go():
    assert clean_body("<p>&nbsp;</p><p><br></p><p>글</p><p> </p>") == "<p>글</p>"


def test_pasted_text_that_only_looks_like_a_tag_stays_text():
    assert clean_body("<도민 안전> 3 < 5\n다음 줄") == "<p>&lt;도민 안전&gt; 3 &lt; 5</p>\n<p>다음 줄</p>"


def test_fixtures_and_mixed_input_are_fixed_points(clipboard):
    for raw in (clipboard.WORD_LIST, clipboard.HWP_TABLE, clipboard.MIXED_LINES):
        once = clean_body(raw)
        assert clean_body(once) == once


TEXT = st.lists(st.sampled_from(list("가나 다a b\n\t\x00\x0c&<>\"'.@:/") + ["https://gg.go.kr/a", "www.x.kr",
                                                                   "&nbsp;", "에서"]), max_size=12).map("".join)
INLINE = ["b", "strong", "em", "i", "u", "a", "span", "code", "sub", "br", "img", "font"]
BLOCK = ["p", "div", "h2", "ul", "ol", "li", "table", "tr", "td", "th", "blockquote", "pre", "o:p"]
ATTRS = st.sampled_from(["", ' style="font-weight:bold"', ' style="mso-list:l0 level1 lfo1"',
                         ' class="MsoNormal"', ' href="https://gg.go.kr/"', ' src="/releases/ab/files/1"',
                         ' colspan="2"', ' onclick="x()"', ' style="font-style:italic"'])


def _element(children):
    return st.tuples(st.sampled_from(INLINE + BLOCK), ATTRS, children).map(
        lambda t: f"<{t[0]}{t[1]}>{''.join(t[2])}</{t[0]}>")


HTML = st.recursive(TEXT, lambda inner: _element(st.lists(inner, max_size=4)), max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(st.lists(HTML, max_size=5).map("".join))
def test_cleaning_generated_html_twice_changes_nothing(raw):
    once = clean_body(raw)
    assert clean_body(once) == once
    assert "style=" not in once and "onclick" not in once
