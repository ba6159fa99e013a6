"""The widget in real Chromium: a host page on another origin under a strict CSP."""
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import feedserver
from feedserver.dates import KST
from feedserver.models import Category, Release, utcnow

pytestmark = pytest.mark.browser

WIDGET_JS = Path(feedserver.__file__).parent / "static" / "widget.js"
XSS = "<img src=x onerror=alert(1)>"
STYLE_PROPS = ["color", "font-size", "font-family", "font-weight", "line-height",
               "background-color", "margin-top", "padding-top", "list-style-type",
               "text-decoration-line", "border-top-width", "letter-spacing", "text-transform"]

# Every widget host on the page, once mounted and done loading.
READY = """(n) => {
  const hosts = [...document.querySelectorAll('.feedserver-widget')];
  return hosts.length >= n && hosts.every(h => h.shadowRoot
    && !h.shadowRoot.querySelector('[aria-busy]'));
}"""
ITEMS = """(i) => {
  const root = document.querySelectorAll('.feedserver-widget')[i].shadowRoot;
  return [...root.querySelectorAll('li')].map(li => ({
    title: li.querySelector('a').textContent, href: li.querySelector('a').href,
    when: li.querySelector('time') && li.querySelector('time').textContent,
    datetime: li.querySelector('time') && li.querySelector('time').getAttribute('datetime'),
    summary: li.querySelector('.summary') && li.querySelector('.summary').textContent}));
}"""
STYLES = """([selector, props]) => {
  const out = {};
  const pick = (key, el) => { const cs = getComputedStyle(el);
    out[key] = Object.fromEntries(props.map(p => [p, cs.getPropertyValue(p)])); };
  document.querySelectorAll(selector).forEach((el, i) => pick(selector + i, el));
  document.querySelectorAll('.feedserver-widget').forEach((host, i) =>
    host.shadowRoot.querySelectorAll('section, h2, h2 a, li, li a, time, .more a').forEach(
      (el, j) => pick('widget' + i + ':' + el.tagName + j, el)));
  return out;
}"""


def script_tag(our, **data):
    attrs = "".join(f' data-{k.replace("_", "-")}="{v}"' for k, v in data.items())
    return f'<script src="{our}/widget.js"{attrs} async></script>'


def wait_for_widgets(page, count):
    page.wait_for_function(READY, arg=count, timeout=10000)


def items(page, index=0):
    return page.evaluate(ITEMS, index)


def newest(app, slug, limit):
    with app.app_context():
        query = Release.visible().join(Category).where(Category.slug == slug)
        return [r.title for r in query.limit(limit)]


def kst_date(instant):
    return instant.astimezone(KST).strftime("%Y.%m.%d")


def assert_clean(page):
    assert page.csp_violations() == []
    assert page.console_errors == []
    assert page.dialogs == []


def test_host_page_on_another_origin_shows_all_three_tiers(
        demo_app, live_server, host_site, watched_page, artifacts_dir, make_release):
    now, our = utcnow(), live_server.url
    with demo_app.app_context():
        governor = Category.get(slug="governor")
        make_release(governor, title="세 시간 전 도지사 보도자료",
                     published_at=now - timedelta(hours=3, minutes=1))
        make_release(governor, title="오 분 전 도지사 보도자료",
                     published_at=now - timedelta(minutes=5, seconds=5))
        third = Release.visible().where(Release.category == governor).offset(2).first()
    url = host_site.add("/", (
        '<h1>기관 누리집</h1>'
        '<section id="tier-script"><h2>스크립트</h2>'
        f'{script_tag(our, category="governor", limit=3)}</section>'
        '<section id="tier-iframe"><h2>iframe</h2>'
        f'<iframe src="{our}/embed/latest?category=press&amp;limit=3&amp;theme=dark" '
        'title="보도자료 최신 보도자료" width="100%" height="360"></iframe>'
        f'<script src="{our}/static/embed-resize.js" async></script></section>'
        '<section id="tier-json"><h2>JSON</h2><div id="json-box"></div>'
        f'<script src="/host.js" data-target="json-box" '
        f'data-src="{our}/widget/latest.json?category=notice&amp;limit=3"></script></section>'))
    page = watched_page
    page.goto(url)
    wait_for_widgets(page, 1)
    page.wait_for_selector("#json-box[data-loaded]")
    page.wait_for_function("() => document.querySelector('iframe').style.height !== ''")

    shown = items(page)
    assert [i["title"] for i in shown] == newest(demo_app, "governor", 3)
    assert [i["when"] for i in shown] == ["5분 전", "3시간 전", kst_date(third.published_at)]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00", i["datetime"]) for i in shown)
    assert all(i["href"].startswith(our + "/releases/") for i in shown)
    assert page.get_by_role("region", name="도지사 보도자료").count() == 1
    widget_style = page.evaluate("""() => { const s = getComputedStyle(document.querySelector(
        '.feedserver-widget').shadowRoot.querySelector('section'));
        return [s.backgroundColor, s.fontSize, s.borderTopLeftRadius, s.borderTopStyle]; }""")
    assert widget_style == ["rgb(255, 255, 255)", "15px", "8px", "solid"]

    frame = page.frame(url=re.compile(r"/embed/latest"))
    assert frame.locator("li > a").all_text_contents() == newest(demo_app, "press", 3)
    assert frame.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(32, 33, 36)"
    assert all(v.endswith("+09:00") for v in frame.locator("time").evaluate_all(
        "els => els.map(e => e.getAttribute('datetime'))"))
    content = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
    height = page.evaluate("parseInt(document.querySelector('iframe').style.height)")
    assert height == max(120, min(2000, content)) and height != 360

    assert page.locator("#json-box li > a").all_text_contents() == newest(demo_app, "notice", 3)
    page.screenshot(path=artifacts_dir / "widget-host-three-tiers.png", full_page=True)
    assert_clean(page)


def test_host_css_and_widget_css_do_not_leak(live_server, host_site, watched_page, artifacts_dir):
    our = live_server.url
    probes = ('<h2 class="probe">기관 소식</h2><p class="probe">본문 <a class="probe" href="#">링크</a></p>'
              '<ul class="probe"><li class="probe">항목</li></ul>')
    widget_tag = f'<div id="box">{script_tag(our, category="governor", limit=3)}</div>'
    urls = {(aggressive, with_widget): host_site.add(
        f"/{aggressive}-{with_widget}", probes + (widget_tag if with_widget else ""),
        sheets=["/aggressive.css"] if aggressive else [])
        for aggressive in (False, True) for with_widget in (False, True)}
    page = watched_page
    styles = {}
    for key, url in urls.items():
        page.goto(url)
        if key[1]:
            wait_for_widgets(page, 1)
            assert page.evaluate("document.adoptedStyleSheets.length") == 0
        styles[key] = page.evaluate(STYLES, [".probe", STYLE_PROPS])
        if key == (True, True):
            page.screenshot(path=artifacts_dir / "widget-aggressive-host-css.png", full_page=True)
    widget_part = {k: v for k, v in styles[False, True].items() if k.startswith("widget")}
    assert len(widget_part) >= 10
    assert {k: v for k, v in styles[True, True].items() if k.startswith("widget")} == widget_part
    assert widget_part["widget0:SECTION0"]["font-size"] == "15px"
    for aggressive in (False, True):  # the host's own elements look the same with the widget
        host_part = {k: v for k, v in styles[aggressive, True].items()
                     if not k.startswith("widget")}
        assert host_part == styles[aggressive, False]
    assert styles[True, True][".probe3"]["color"] == "rgb(255, 0, 0)"
    assert styles[True, True][".probe3"]["list-style-type"] == "disc"
    assert styles[True, True][".probe0"]["font-size"] == "40px"
    assert_clean(page)


def test_feed_text_is_shown_as_text_in_every_tier(demo_app, live_server, host_site, watched_page, make_release):
    our = live_server.url
    with demo_app.app_context():
        make_release(Category.get(slug="notice"), title=XSS,
                     body="<p>&lt;script&gt;alert(2)&lt;/script&gt; 요약</p>")
    page = watched_page
    page.goto(host_site.add("/xss", (
        script_tag(our, category="notice", limit=2, show_summary="true")
        + f'<iframe src="{our}/embed/latest?category=notice&amp;limit=2&amp;show_summary=1" '
        'title="공지"></iframe><div id="json-box"></div>'
        f'<script src="/host.js" data-target="json-box" '
        f'data-src="{our}/widget/latest.json?category=notice&amp;limit=2"></script>')))
    wait_for_widgets(page, 1)
    page.wait_for_selector("#json-box[data-loaded]")
    frame = page.frame(url=re.compile(r"/embed/latest"))
    frame.wait_for_selector("li")
    page.wait_for_timeout(300)
    first = items(page)[0]
    assert first["title"] == XSS
    assert first["summary"] == "<script>alert(2)</script> 요약"
    assert frame.locator("li > a").first.text_content() == XSS
    assert page.locator("#json-box li > a").first.text_content() == XSS
    assert page.evaluate("""() => document.querySelectorAll('img').length + document
        .querySelector('.feedserver-widget').shadowRoot.querySelectorAll('img, script').length""") == 0
    assert frame.evaluate("document.querySelectorAll('img').length") == 0
    assert_clean(page)


def test_several_widgets_on_one_page_each_show_their_own(
        demo_app, live_server, host_site, watched_page, artifacts_dir):
    our = live_server.url
    page = watched_page
    # Three tags loading the same widget.js (async, with a query string, and blocking).
    page.goto(host_site.add("/two", (
        f'<div id="a">{script_tag(our, category="governor", limit=2)}</div>'
        f'<div id="b"><script src="{our}/widget.js?v=2" data-category="notice" data-limit="3" '
        'async></script></div>'
        f'<div id="c"><script src="{our}/widget.js" data-category="press" data-limit="1">'
        '</script></div>')))
    wait_for_widgets(page, 3)
    page.wait_for_timeout(200)
    assert page.locator(".feedserver-widget").count() == 3
    for index, (box, slug, limit) in enumerate([("a", "governor", 2), ("b", "notice", 3),
                                                 ("c", "press", 1)]):
        placed = page.evaluate("""(box) => {
            const hosts = document.querySelectorAll('#' + box + ' .feedserver-widget');
            return hosts[0].previousElementSibling.tagName + ':' + hosts.length; }""", box)
        assert placed == "SCRIPT:1"
        assert [i["title"] for i in items(page, index)] == newest(demo_app, slug, limit)
    page.screenshot(path=artifacts_dir / "widget-two-categories.png", full_page=True)
    assert_clean(page)


@pytest.mark.parametrize("failure", ["server stopped", "server error"])
def test_widget_shows_the_board_link_when_the_json_fails(
        live_server, host_site, watched_page, artifacts_dir, failure):
    our = live_server.url
    page = watched_page
    if failure == "server stopped":
        # widget.js comes from the visitor's cache; then our server is gone.
        page.route(f"{our}/widget.js", lambda route: route.fulfill(
            path=WIDGET_JS, content_type="text/javascript; charset=utf-8"))
        live_server.stop()
    else:
        page.route(re.compile(r".*/widget/latest\.json.*"), lambda route: route.fulfill(
            status=503, body="busy", headers={"Access-Control-Allow-Origin": "*"}))
    page.goto(host_site.add("/down", script_tag(our, category="press", limit=3)))
    wait_for_widgets(page, 1)
    links = page.evaluate("""() => [...document.querySelector('.feedserver-widget').shadowRoot
        .querySelectorAll('a')].map(a => [a.textContent, a.href])""")
    assert links == [["보도자료 게시판에서 보기", f"{our}/board/press/"]]
    assert items(page) == []
    page.screenshot(path=artifacts_dir / f"widget-fallback-{failure.replace(' ', '-')}.png")
    assert page.csp_violations() == [] and page.dialogs == []


def test_widget_clamps_bad_options_and_names_unknown_boards(demo_app, live_server, host_site,
                                                            watched_page):
    our = live_server.url
    page = watched_page
    page.goto(host_site.add("/bad", "".join([
        script_tag(our, category="nope"), script_tag(our, limit="10000"),
        script_tag(our, category="governor", limit="abc"),
        script_tag(our, category="notice", limit="0", theme="purple", show_date="false"),
        script_tag(our, category="press", limit="-1", new_tab="")])))
    wait_for_widgets(page, 5)
    missing = page.evaluate("""() => [...document.querySelector('.feedserver-widget').shadowRoot
        .querySelectorAll('p')].map(p => p.textContent)""")
    assert missing == ["\u201cnope\u201d 게시판을 찾을 수 없습니다.", "보도자료 게시판에서 보기"]
    assert [len(items(page, i)) for i in range(1, 5)] == [20, 5, 1, 1]
    assert items(page, 3)[0]["when"] is None
    assert page.evaluate("""() => { const h = document.querySelectorAll('.feedserver-widget');
        const a = h[4].shadowRoot.querySelector('li a');
        return [h[3].shadowRoot.querySelector('section').className, a.target, a.rel]; }""") == [
        "fs auto", "_blank", "noopener"]
    assert page.csp_violations() == [] and page.dialogs == []
    # The only console error is Chromium reporting the 404 of the unknown board.
    assert all("404" in error for error in page.console_errors)


def test_widget_follows_visitor_settings_and_host_theme(
        demo_app, live_server, host_site, browser, artifacts_dir, make_release):
    our = live_server.url
    with demo_app.app_context():  # 08:00 in Seoul is still the day before in New York
        make_release(Category.get(slug="notice"), title="아침 공지",
                     published_at=datetime(2025, 3, 29, 8, 0, tzinfo=KST))
    host_site.add_css("/theme.css", "#themed .feedserver-widget { --fs-widget-bg: rgb(255, 250, 240);"
                      " --fs-widget-accent: rgb(0, 128, 0); }")
    url = host_site.add("/themes", "".join(
        f'<div id="{name}">{script_tag(our, category="notice", limit=1, theme=theme)}</div>'
        for name, theme in [("auto", "auto"), ("light", "light"), ("dark", "dark"),
                            ("themed", "light")]), sheets=["/theme.css"])
    context = browser.new_context(locale="ko-KR", timezone_id="America/New_York",
                                  color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(url)
        wait_for_widgets(page, 4)
        looks = page.evaluate("""() => [...document.querySelectorAll('.feedserver-widget')]
          .map(h => { const s = h.shadowRoot.querySelector('section'),
                            a = h.shadowRoot.querySelector('li a');
            return [getComputedStyle(s).backgroundColor, getComputedStyle(a).color]; })""")
        assert looks == [["rgb(32, 33, 36)", "rgb(138, 180, 248)"],
                         ["rgb(255, 255, 255)", "rgb(11, 87, 208)"],
                         ["rgb(32, 33, 36)", "rgb(138, 180, 248)"],
                         ["rgb(255, 250, 240)", "rgb(0, 128, 0)"]]
        assert items(page)[0]["when"] == "2025.03.29"
        page.screenshot(path=artifacts_dir / "widget-themes-dark-visitor.png", full_page=True)
    finally:
        context.close()


def test_widget_is_accessible_and_never_rolls(live_server, host_site, watched_page):
    our = live_server.url
    page = watched_page
    page.goto(host_site.add("/a11y", script_tag(our, category="governor", limit=3)))
    wait_for_widgets(page, 1)
    region = page.get_by_role("region", name="도지사 보도자료")
    assert region.get_by_role("list").count() == 1
    assert region.get_by_role("listitem").count() == 3
    page.keyboard.press("Tab")
    focus = page.evaluate("""() => { const a = document.querySelector('.feedserver-widget')
        .shadowRoot.activeElement; const s = getComputedStyle(a);
        return [a.textContent, s.outlineStyle, s.outlineWidth]; }""")
    assert focus == ["도지사 보도자료", "solid", "3px"]
    before = items(page)
    page.wait_for_timeout(1200)
    assert items(page) == before
    assert page.evaluate("""() => document.querySelector('.feedserver-widget').shadowRoot
        .querySelector('section').getAnimations({subtree: true}).length""") == 0
    assert_clean(page)


def test_widget_js_is_at_most_10_kb_gzipped_as_the_browser_fetches_it(
        live_server, host_site, watched_page):
    page = watched_page
    page.goto(host_site.add("/size", "<p>크기</p>"))
    sizes = page.evaluate("""async (url) => {
        const body = await (await fetch(url)).blob();
        const gz = await new Response(body.stream().pipeThrough(new CompressionStream('gzip'))).blob();
        return [body.size, gz.size]; }""", live_server.url + "/widget.js")
    assert sizes[0] == WIDGET_JS.stat().st_size
    assert sizes[1] <= 10 * 1024, f"widget.js is {sizes[1]} bytes gzipped"
    assert_clean(page)


@pytest.fixture
def builder_page(browser, watch):
    """A page allowed to use the clipboard, watching CSP and console errors."""
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul",
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.console_errors, page.dialogs = [], []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield watch(page)
    context.close()


def test_builder_previews_and_copies_the_chosen_snippets(
        demo_app, live_server, builder_page, artifacts_dir):
    page = builder_page
    page.goto(live_server.url + "/widget")
    wait_for_widgets(page, 1)
    page.select_option("#wb-category", "press")
    page.fill("#wb-limit", "3")
    page.select_option("#wb-theme", "dark")
    page.check("#wb-show_summary")
    page.wait_for_function("""() => { const h = document.querySelector('.feedserver-widget');
        return h && h.shadowRoot.querySelectorAll('li').length === 3; }""")
    expected = demo_app.test_client().get(
        "/widget?category=press&limit=3&theme=dark&show_summary=1").get_data(as_text=True)
    import lxml.html
    tree = lxml.html.fromstring(expected.replace("http://localhost", live_server.url))
    for area in ("script-code", "iframe-code"):
        assert page.input_value(f"#{area}") == tree.get_element_by_id(area).text
    shown = items(page)
    assert [i["title"] for i in shown] == newest(demo_app, "press", 3)
    assert all(i["summary"] for i in shown)
    assert "category=press" in page.url and "limit=3" in page.url
    frame = page.frame_locator("#iframe-preview")
    frame.locator("li").nth(2).wait_for()
    assert frame.locator("li > a").all_text_contents() == newest(demo_app, "press", 3)

    page.click("text=스크립트 코드 복사")
    page.wait_for_function("() => document.getElementById('copy-status').textContent !== ''")
    assert page.text_content("#copy-status") == "코드를 복사했습니다."
    assert page.evaluate("navigator.clipboard.readText()") == page.input_value("#script-code")
    page.screenshot(path=artifacts_dir / "widget-builder.png", full_page=True)
    assert_clean(page)


def test_builder_copy_falls_back_to_selecting_the_code(live_server, builder_page):
    page = builder_page
    page.add_init_script("delete Navigator.prototype.clipboard;")
    page.goto(live_server.url + "/widget?category=notice")
    page.click("text=iframe 코드 복사")
    page.wait_for_function("() => document.getElementById('copy-status').textContent !== ''")
    assert page.evaluate("""() => { const a = document.activeElement;
        return [a.id, a.selectionStart === 0 && a.selectionEnd === a.value.length]; }""") == [
        "iframe-code", True]
    assert page.text_content("#copy-status") in (
        "코드를 복사했습니다.", "코드를 선택했습니다. Ctrl+C(⌘+C)로 복사하세요.")
    assert page.csp_violations() == []
