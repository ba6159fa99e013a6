"""The rich-text editor in real Chromium: paste from Hangul and Word, insert a picture, publish.

Pastes go through the page's real paste path (a ClipboardEvent carrying a DataTransfer with
text/html, as the programs put it on the clipboard); the picture goes through the toolbar's
file chooser and the Korean alt-text prompt. A second run without JavaScript saves with the
plain textarea.
"""
import pytest

from feedserver.models import Release

pytestmark = pytest.mark.browser

TITLE = "경기도, 청년 지원 계획 발표"
ALT = "경기도청 전경 사진"
WATCH_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sample + ' ' + (e.target && e.target.outerHTML || '').slice(0, 200) + ' @' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber));"""
# Jodit's own code writes a few style attributes into its UI (a hidden focus helper, the
# placeholder); the CSP refuses them, as it should, and static/editor.css does their job.
# Anything else refused (a script, a stylesheet, a style in the content) is a failure.
JODIT_JS = "/static/vendor/jodit/jodit.min.js"
INLINE_STYLE = "Applying inline style violates"


def _context(browser, **options):
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul", **options)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and not m.location["url"].endswith(
        "/favicon.ico") and page.errors.append((m.text, m.location["url"])))
    page.on("pageerror", lambda e: page.errors.append(("pageerror", str(e))))
    return context, page


def _sign_in(page, site, password):
    page.goto(site + "/admin/login")
    page.get_by_label("아이디").fill("press-office")
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()
    assert page.url == site + "/admin/"


PASTE_FILE = """(bytes) => {
  const area = document.querySelector('.jodit-wysiwyg');
  area.focus();
  const data = new DataTransfer();
  data.items.add(new File([new Uint8Array(bytes)], 'image.png', {type: 'image/png'}));
  area.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
}"""


def _violations(page):
    """Return the page's CSP violations, but for style attributes written by Jodit's own code."""
    return [v for v in page.evaluate("window.__csp")
            if not (v.startswith("style-src-attr inline") and JODIT_JS + ":" in v)]


def _paste(page, clipboard, html, text="붙여넣기"):
    page.evaluate(clipboard.PASTE_SCRIPT, [html, text])


def test_paste_from_hangul_and_word_insert_a_picture_and_publish(
        admin_site, browser, staff, samples, clipboard, demo_app, artifacts_dir, loaded_widths):
    context, page = _context(browser, viewport={"width": 1280, "height": 900})
    page.add_init_script(WATCH_CSP)
    page.on("dialog", lambda dialog: dialog.accept(ALT) if dialog.type == "prompt" else dialog.dismiss())
    _sign_in(page, admin_site, staff.PASSWORD)
    page.get_by_role("link", name="새 보도자료").click()
    page.get_by_label("제목").fill(TITLE)
    page.get_by_label("분류").select_option(label="보도자료")
    page.wait_for_selector(".jodit-wysiwyg")
    assert page.locator("textarea#body").is_hidden()  # the editor took the field's place
    assert page.get_by_role("button", name="굵게").count() == 1  # Jodit's Korean language pack

    _paste(page, clipboard, clipboard.HWP_TABLE, "구분\t지원 인원")
    page.wait_for_selector(".jodit-wysiwyg table td[rowspan='2']")
    _paste(page, clipboard, clipboard.WORD_LIST, "1. 청년 일자리 확대")
    page.wait_for_selector(".jodit-wysiwyg ol li ol li")
    assert page.locator("#editor-status").text_content() == ""  # no error told
    editor = page.locator(".jodit-wysiwyg")
    assert editor.locator("table td[colspan='2'] strong").text_content() == "지원 인원"
    assert editor.locator("[style], [class^='Mso'], [class^='HStyle']").count() == 0

    page.locator(".jodit-wysiwyg p").last.click()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="그림 넣기").click()
    chooser.value.set_files(files=[{"name": "전경.png", "mimeType": "image/png",
                                    "buffer": samples.tiny_png()}])
    page.wait_for_selector(f".jodit-wysiwyg img[alt='{ALT}']")
    assert "/edit" in page.url  # the new release became a draft so the picture has a home
    page.evaluate(PASTE_FILE, list(samples.tiny_png()))  # a picture pasted from the clipboard
    page.locator(".jodit-wysiwyg img").nth(1).wait_for()
    assert loaded_widths(page.locator(".jodit-wysiwyg img").first) == [1]
    page.screenshot(path=str(artifacts_dir / "editor-desktop.png"), full_page=True)
    assert _violations(page) == []

    page.get_by_role("button", name="지금 게시", exact=True).click()
    assert page.locator(".flash").first.text_content() == "게시했습니다. 게시판과 피드에 올라갔습니다."
    with demo_app.app_context():
        release = Release.get(Release.title == TITLE)
        stored = release.body_html
    assert f'<img src="/releases/{release.public_id}/files/' in stored

    # Editing shows the stored HTML in the editor (no raw tags) and saving changes nothing.
    page.wait_for_selector(".jodit-wysiwyg table")
    assert "<p>" not in page.locator(".jodit-wysiwyg").inner_text()
    assert loaded_widths(page.locator(".jodit-wysiwyg img")) == [1, 1]
    assert _violations(page) == []
    page.get_by_role("button", name="변경 저장", exact=True).click()
    assert page.locator(".flash").first.text_content() == "바뀐 내용이 없습니다."

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts_dir / "editor-phone.png"), full_page=True)

    page.goto(admin_site + f"/releases/{release.public_id}")
    body = page.locator(".release-body")
    assert body.locator("table td[rowspan='2'] strong").text_content() == "구분"
    assert body.locator("table td[colspan='2']").text_content().strip() == "지원 인원"
    assert body.locator("ol > li").first.text_content().startswith("청년 일자리 확대")
    assert body.locator("ol > li ol > li").text_content() == "도내 기업 연계"
    assert body.locator("ul > li").text_content() == "문의: 일자리정책과"
    images = body.locator(f"img[alt='{ALT}']")
    assert images.count() == 2
    assert loaded_widths(images) == [1, 1]
    assert _violations(page) == []
    assert [e for e in page.errors if not e[1].endswith(JODIT_JS) or INLINE_STYLE not in e[0]] == []
    context.close()


def test_without_javascript_the_textarea_saves_lines_as_paragraphs(admin_site, browser, staff, demo_app):
    context, page = _context(browser, java_script_enabled=False)
    _sign_in(page, admin_site, staff.PASSWORD)
    page.get_by_role("link", name="새 보도자료").click()
    page.get_by_label("제목").fill("자바스크립트 없이 쓴 보도자료")
    page.get_by_label("분류").select_option(label="보도자료")
    page.locator("textarea#body").fill("첫 줄에 <b>굵은</b> 글씨\n둘째 줄 https://www.gg.go.kr\n\n셋째 줄")
    page.get_by_role("button", name="지금 게시", exact=True).click()
    assert page.locator(".flash").first.text_content() == "게시했습니다. 게시판과 피드에 올라갔습니다."
    # The edit form shows the stored HTML and saving it again changes nothing.
    page.get_by_role("button", name="변경 저장", exact=True).click()
    assert page.locator(".flash").first.text_content() == "바뀐 내용이 없습니다."
    with demo_app.app_context():
        public_id = Release.get(Release.title == "자바스크립트 없이 쓴 보도자료").public_id
    page.goto(admin_site + f"/releases/{public_id}")
    assert page.locator(".release-body p").all_text_contents() == [
        "첫 줄에 굵은 글씨", "둘째 줄 https://www.gg.go.kr", "셋째 줄"]
    assert page.locator(".release-body a").get_attribute("href") == "https://www.gg.go.kr"
    context.close()
