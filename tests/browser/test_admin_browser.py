"""The admin in real Chromium: log in, publish with a PDF, schedule, read it back everywhere."""
import json
from datetime import datetime, timedelta

import feedparser
import pytest

from feedserver.dates import KST

pytestmark = pytest.mark.browser

FIRST = "경기도, 반도체 인재 1만 명 키운다"
SECOND = "내일 아침 9시 공개: 경기도 기후 대응 계획"
FILE = "붙임1. 반도체 인재 양성 세부 계획(안).pdf"


# Records CSP violations before any page script runs (the admin must need no inline code).
WATCH_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


@pytest.fixture
def write_release(samples):
    def write_release(page, title, body, mode, publish_at=None, pdf=False):
        page.get_by_role("link", name="새 보도자료").click()
        page.get_by_label("제목").fill(title)
        page.get_by_label("분류").select_option(label="보도자료")
        page.get_by_label("본문").fill(body)
        if pdf:
            page.get_by_label("파일 추가").set_input_files(
                files=[{"name": FILE, "mimeType": "application/pdf", "buffer": samples.tiny_pdf()}])
        if publish_at:
            page.get_by_label("예약 시각 (한국 시간)").fill(publish_at)
        page.get_by_role("button", name=mode, exact=True).click()  # the button names the action
        assert page.locator(".flash").first.text_content().startswith(
            "게시했습니다." if mode == "지금 게시" else "예약했습니다.")
    return write_release


def test_editor_publishes_schedules_and_readers_see_it(admin_site, browser_page, artifacts_dir, tmp_path, samples,
                                                       staff, write_release):
    page = browser_page
    page.add_init_script(WATCH_CSP)
    errors = []  # the site has no favicon yet; Chromium's request for it is not ours to judge
    # The CSP refuses the style attributes the editor (Jodit) writes into its own UI; see
    # static/editor.css and tests/browser/test_editor_browser.py, which checks every refusal.
    page.on("console", lambda m: m.type == "error" and not m.location["url"].endswith(
        ("/favicon.ico", "/vendor/jodit/jodit.min.js")) and errors.append((m.text, m.location["url"])))
    page.goto(admin_site + "/admin/")
    assert page.url.startswith(admin_site + "/admin/login?next=")
    page.get_by_label("아이디").fill("press-office")
    page.get_by_label("비밀번호").fill(staff.PASSWORD)
    page.get_by_role("button", name="로그인").click()
    assert page.url == admin_site + "/admin/"

    write_release(page, FIRST, "경기도가 반도체 인재를 키웁니다.\n\n올해 예산은 300억 원입니다.",
                  "지금 게시", pdf=True)
    assert page.locator(".release-state .status").text_content() == "게시"
    tomorrow = (datetime.now(KST) + timedelta(days=1)).strftime("%Y-%m-%dT09:00")
    write_release(page, SECOND, "예약된 보도자료입니다.", "예약 게시", publish_at=tomorrow)
    assert page.locator(".release-state .status").text_content() == "예약"
    page.screenshot(path=str(artifacts_dir / "admin-editor.png"), full_page=True)

    page.goto(admin_site + "/board/press/")
    titles = page.locator("table.board-table tbody td.col-title a").all_text_contents()
    assert titles[0].strip() == FIRST and SECOND not in [t.strip() for t in titles]
    page.get_by_role("link", name=FIRST).click()
    page.wait_for_load_state()  # the heading can be parsed before the body on a busy machine
    assert page.locator("h1").text_content() == FIRST
    assert page.locator(".release-body p").all_text_contents() == [
        "경기도가 반도체 인재를 키웁니다.", "올해 예산은 300억 원입니다."]
    with page.expect_download() as waiting:
        page.get_by_role("link", name=FILE, exact=True).click()
    download = waiting.value
    assert download.suggested_filename == FILE
    saved = tmp_path / "download.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == samples.tiny_pdf()

    rss = feedparser.parse(page.request.get(admin_site + "/feeds/all.rss").body())
    atom = feedparser.parse(page.request.get(admin_site + "/feeds/category/press.atom").body())
    items = json.loads(page.request.get(admin_site + "/feeds/all.json").body())["items"]
    for titles in ([e.title for e in rss.entries], [e.title for e in atom.entries],
                   [i["title"] for i in items]):
        assert titles[0] == FIRST and SECOND not in titles

    page.goto(admin_site + "/admin/audit")
    shown = page.locator(".audit-table tbody tr td:nth-child(4)").all_text_contents()
    assert shown[:3] == ["작성 후 예약 게시", "작성 후 지금 게시", "로그인"]
    assert page.evaluate("window.__csp") == [] and errors == []
