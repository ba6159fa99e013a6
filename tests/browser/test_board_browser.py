"""The board in Chromium at 1366×900 and 390×844: the seed's rows in both forms, search paging with
exact counts and highlights, 목록보기 after 다음글, and axe-core on every page touched."""
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SEED_ROWS = [
    ("811", "김동연, 전해철 위원장과 제2기 도정자문위원회 출범. 첫 회의 열어", "2024.09.26", "14462"),
    ("810", "김동연, “추석 때 아프지 말자 덕담하는 현실 참담. 정부가 결자해지해야”", "2024.09.15", "15332"),
    ("809", "경기도, 남양주·양주시에 ‘혁신형 공공의료원’ 설립…동북부 의료격차 해소 기대", "2024.09.13", "19507"),
    ("808", "김동연 지사, 광역단체장 직무수행 긍정평가 2달 연속 1위. 유일하게 60% 넘어", "2024.09.13", "17289"),
    ("807", "경기북부 대개조 프로젝트 선제적 추진 기자회견", "2024.09.11", "17881"),
    ("806", "경기도 중재로 시내버스 노·사 타결. ‘총파업 철회’ . 김동연 “도민 위해 양보와 협력으로 좋은 결정해주신 노사 양측에 감사”",
     "2024.09.04", "18028"),
    ("805", "김동연 경기도지사, 의료현장 방문. 응급실 의사 부족으로 어려움 겪는 아주대 병원에 10억 원 긴급 지원",
     "2024.08.30", "17842"),
    ("804", "김동연 지사, “기후위기 대응, 산업 지도와 인류의 문명을 바꿀 전환점이 될 것”", "2024.08.30", "17342"),
    ("803", "(대변인 브리핑) 김동연 경기도지사, 이종찬 광복회장 예방. 경기도 독립기념관(도립) 건립 사업 추진 뜻 밝혀",
     "2024.08.29", "17011"),
]
# Each row as the reader sees it: the cells' rendered text, where each sits, and the row's lines.
ROWS = """() => Array.from(document.querySelectorAll('table.board-table tbody tr')).map(tr => {
  const cell = c => tr.querySelector('td.' + c);
  const meta = ['col-author', 'col-date', 'col-views'].map(c => cell(c));
  return {no: cell('col-no').innerText.trim(), noShown: cell('col-no').offsetParent !== null,
          title: cell('col-title').querySelector('a').innerText.trim(),
          cells: meta.map(td => td.innerText.trim()), line: tr.innerText.trim().split('\\n').pop().trim(),
          tops: meta.map(td => Math.round(td.getClientRects()[0].top))};
})"""
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => ['serious', 'critical'].includes(v.impact))
    .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


@pytest.fixture(params=list(SIZES))
def sized(browser, request):
    """A page at 1366×900 or 390×844 (a phone); its context may inject axe-core."""
    context = browser.new_context(viewport=SIZES[request.param], is_mobile=request.param == "phone",
                                  locale="ko-KR", timezone_id="Asia/Seoul", bypass_csp=True)
    page = context.new_page()
    page.kind = request.param
    yield page
    context.close()


def no_overflow(page):
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    return width[0] <= width[1]


def axe(page):
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def test_seed_rows_on_pages_13_and_14_in_both_forms(live_server, sized, artifacts_dir):
    seen = {}
    for number in (13, 14):
        sized.goto(f"{live_server.url}/board/governor/?page={number}")
        sized.screenshot(path=str(artifacts_dir / f"board-page{number}-{sized.kind}.png"), full_page=True)
        assert no_overflow(sized)
        seen.update({row["no"]: row for row in sized.evaluate(ROWS)})
    for number, title, date, views in SEED_ROWS:
        row = seen[number]
        assert row["title"] == title
        if sized.kind == "phone":  # the seed's phone form: one labelled line under the title
            assert row["line"] == f"경기지기 | {date} | 조회 {views}"
            assert len(set(row["tops"])) == 1 and not row["noShown"]
        else:  # the seed's desktop cells
            assert row["cells"] == ["경기지기", date, views] and row["noShown"]


def test_search_pages_with_exact_counts_and_highlights(live_server, sized, artifacts_dir):
    page = sized
    page.goto(f"{live_server.url}/board/governor/")
    page.get_by_label("검색 항목").select_option(label="제목")
    page.get_by_label("검색어").fill("청년")
    page.get_by_role("button", name="검색").click()
    page.wait_for_load_state()
    total = page.locator("p.board-total").inner_text()
    count = int(page.locator("p.board-total strong").inner_text().replace(",", ""))
    pages = (count + 9) // 10
    assert total == f"검색 결과 {count:,}건 · 1/{pages}쪽" and pages > 10
    rows = page.evaluate(ROWS)
    assert [int(r["no"]) for r in rows] == list(range(count, count - 10, -1))
    marks = page.locator("td.col-title a mark")
    assert marks.count() == 10 and set(marks.all_inner_texts()) == {"청년"}
    background = marks.first.evaluate("m => getComputedStyle(m).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    page.screenshot(path=str(artifacts_dir / f"board-search-{page.kind}.png"), full_page=True)
    assert axe(page) == []
    page.locator("nav.pagination").get_by_role("link", name="마지막").click()
    page.wait_for_load_state()  # ROWS reads the rows at once: the whole page first
    assert page.locator("p.board-total").inner_text() == f"검색 결과 {count:,}건 · {pages}/{pages}쪽"
    assert page.evaluate(ROWS)[-1]["no"] == "1"
    page.locator("nav.pagination").get_by_role("link", name="처음").click()
    page.locator("nav.pagination").get_by_role("link", name="2", exact=True).click()
    page.wait_for_load_state()
    assert [int(r["no"]) for r in page.evaluate(ROWS)][0] == count - 10
    assert no_overflow(page)


def test_back_to_list_after_next_keeps_page_and_search(live_server, sized):
    page = sized
    page.goto(f"{live_server.url}/board/governor/?page=2&field=all&q=경기도")
    page.locator("td.col-title a").nth(4).click()
    page.locator("nav.release-nav a[rel=next]").click()
    page.locator("nav.release-nav a[rel=prev]").click()
    page.locator("nav.release-nav a[rel=next]").click()
    page.get_by_role("link", name="목록보기").click()
    url = urlsplit(page.url)
    assert url.path == "/board/governor/"
    assert parse_qs(url.query) == {"page": ["2"], "field": ["all"], "q": ["경기도"]}
    assert page.locator("nav.pagination li.current").inner_text().strip().endswith("2")


def test_public_pages_pass_axe_core(live_server, sized, artifacts_dir):
    base = live_server.url
    found = {}
    for path in ("/board/", "/board/governor/?page=13", "/board/?field=body&q=경기도&start=2024-01-01&end=2024-12-31",
                 "/board/governor/?start=2030-01-01"):
        sized.goto(base + path)
        found[path] = axe(sized)
        assert no_overflow(sized), path
    sized.goto(base + "/board/press/")
    sized.locator("td.col-title a").first.click()
    found["release page"] = axe(sized)
    sized.screenshot(path=str(artifacts_dir / f"release-share-{sized.kind}.png"), full_page=True)
    assert no_overflow(sized)
    assert {path: v for path, v in found.items() if v} == {}


def test_copy_and_print_buttons(live_server, browser):
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.add_init_script("window.print = () => { window.__printed = (window.__printed || 0) + 1; };")
    page.goto(live_server.url + "/board/governor/")
    page.locator("td.col-title a").first.click()
    # copy.js is deferred: until DOMContentLoaded the button is on the page with no listener yet.
    page.wait_for_load_state("domcontentloaded")
    permalink = page.url.split("?")[0]
    page.get_by_role("button", name="주소 복사").click()
    page.get_by_role("button", name="복사됨").wait_for()  # the label changes once the clipboard took it
    assert page.evaluate("navigator.clipboard.readText()") == permalink
    page.get_by_role("button", name="인쇄").click()
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.site-header', '.release-nav', '.share-tools', '.back-to-list', '.site-footer']
      .map(s => document.querySelector(s)).map(el => el && getComputedStyle(el).display)""")
    assert hidden == ["none"] * 5
    assert page.locator(".print-permalink").is_visible() and page.locator(".release-body").is_visible()
    assert page.locator("h1").is_visible() and page.locator(".release-meta").is_visible()
    context.close()
