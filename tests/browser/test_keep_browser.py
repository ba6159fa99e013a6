"""Nothing lost in real Chromium: preview keeps chosen files, autosave restores typed text, and a
save after the session ended comes back after signing in again."""
import pytest

from feedserver.admin.accounts import create_user, end_sessions
from feedserver.models import Attachment, Release, User

pytestmark = pytest.mark.browser
HWP = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504
TITLE = "경기도, 장마철 대비 하천 점검"
BODY = "첫 문단: 도내 하천 120곳을 점검합니다.\n둘째 문단: 결과는 7월에 알립니다."
PUBLISHED = "게시했습니다. 게시판과 피드에 올라갔습니다."
# Jodit's own code writes a few style attributes into its UI; the admin CSP refuses them, as it
# should (static/editor.css does their job). Any other console error is a failure.
JODIT_STYLE = ("/static/vendor/jodit/jodit.min.js", "Applying inline style violates")


@pytest.fixture
def site(demo_app, live_server, staff):
    demo_app.config["PASSWORD_HASH_METHOD"] = staff.FAST_HASH
    with demo_app.app_context():
        create_user("press-office", staff.PASSWORD, "editor")
    return live_server.url


@pytest.fixture
def errors(browser_page):
    """Console errors of the page with where they came from, but for Jodit's refused styles."""
    return watch_errors(browser_page)


def watch_errors(page):
    """Record the page's console errors and uncaught exceptions, but for Jodit's refused styles."""
    found = []

    def record(message):
        url = message.location.get("url", "")
        if message.type == "error" and not (url.endswith(JODIT_STYLE[0]) and JODIT_STYLE[1] in message.text):
            found.append((message.text, url))
    page.on("console", record)
    page.on("pageerror", lambda error: found.append(("pageerror", str(error))))
    return found


@pytest.fixture
def sign_in(staff):
    def sign_in(page):
        page.get_by_label("아이디").fill("press-office")
        page.get_by_label("비밀번호").fill(staff.PASSWORD)
        page.get_by_role("button", name="로그인").click()
    return sign_in


def type_release(page):
    """Fill the form as a writer does: the body typed into the rich editor, line by line."""
    page.get_by_label("제목").fill(TITLE)
    page.get_by_label("분류").select_option(label="보도자료")
    page.wait_for_selector(".jodit-wysiwyg")  # the editor scripts are deferred: wait for Jodit
    editor = page.get_by_label("본문")
    editor.click()
    for number, line in enumerate(BODY.split("\n")):
        if number:
            page.keyboard.press("Enter")
        page.keyboard.type(line)


def body_lines(page):
    """Return the paragraphs the rich editor shows (the hidden textarea only feeds the form)."""
    page.wait_for_selector(".jodit-wysiwyg")
    return "\n".join(page.locator(".jodit-wysiwyg p").all_text_contents())


def saved_release(app):
    with app.app_context():
        release = Release.get_or_none(Release.title == TITLE)
        names = sorted(a.filename for a in release.attachments) if release else None
        return release, names


def test_preview_keeps_the_pdf_and_hwp_and_saving_publishes_them(site, demo_app, browser_page, samples,
                                                                 sign_in, errors):
    page = browser_page
    page.goto(site + "/admin/releases/new")
    sign_in(page)
    type_release(page)
    page.get_by_label("파일 추가").set_input_files(files=[
        {"name": "붙임1. 점검 계획.pdf", "mimeType": "application/pdf", "buffer": samples.tiny_pdf()},
        {"name": "붙임2. 점검표.hwp", "mimeType": "application/x-hwp", "buffer": HWP}])
    page.get_by_role("button", name="미리보기").click()
    preview = page.locator("section.preview .attachments li")
    assert [t.split(" (")[0] for t in preview.all_inner_texts()] == ["붙임1. 점검 계획.pdf", "붙임2. 점검표.hwp"]
    assert page.locator(".staged-files li").count() == 2
    page.get_by_role("button", name="지금 게시", exact=True).click()
    assert page.locator(".flash").first.text_content() == PUBLISHED
    release, names = saved_release(demo_app)
    assert release.status == "published" and names == ["붙임1. 점검 계획.pdf", "붙임2. 점검표.hwp"]
    assert errors == []


def test_autosave_brings_typed_text_back_after_leaving_the_form(site, browser_page, sign_in, errors):
    page = browser_page
    page.goto(site + "/admin/releases/new")
    sign_in(page)
    type_release(page)
    status = page.locator(".autosave-status")
    status.filter(has_text="자동 저장됨").wait_for(timeout=15000)
    assert status.text_content().startswith("자동 저장됨 ") and len(status.text_content()) == 15
    page.goto(site + "/admin/")
    page.go_back()
    page.goto(site + "/admin/releases/new")
    assert "자동 저장된 내용이 있습니다" in page.locator(".autosave-offer").text_content()
    page.get_by_role("link", name="불러오기").click()
    assert page.get_by_label("제목").input_value() == TITLE
    assert body_lines(page) == BODY
    assert errors == []


def test_saving_after_the_session_ended_keeps_the_text(site, demo_app, browser_page, sign_in, samples):
    page = browser_page
    page.goto(site + "/admin/releases/new")
    sign_in(page)
    type_release(page)
    page.get_by_label("파일 추가").set_input_files(files=[
        {"name": "붙임1. 점검 계획.pdf", "mimeType": "application/pdf", "buffer": samples.tiny_pdf()}])
    with demo_app.app_context():  # "sign out everywhere" from another place, while writing
        end_sessions(User.get(User.username == "press-office"))
    page.get_by_role("button", name="지금 게시", exact=True).click()
    assert "/admin/login" in page.url
    assert "입력한 내용은 서버에 보관했으니" in page.content()
    assert saved_release(demo_app)[0] is None
    sign_in(page)
    assert "/admin/releases/new" in page.url
    assert "저장하지 못했던 내용을 되살렸습니다" in page.content()
    assert page.get_by_label("제목").input_value() == TITLE
    assert body_lines(page) == BODY
    assert page.locator(".staged-files li").count() == 1
    page.get_by_role("button", name="지금 게시", exact=True).click()
    assert page.locator(".flash").first.text_content() == PUBLISHED
    release, names = saved_release(demo_app)
    assert release.body_text.startswith("첫 문단") and "둘째 문단: 결과는 7월에 알립니다." in release.body_text
    assert names == ["붙임1. 점검 계획.pdf"]


def test_saving_with_the_cookie_cleared_keeps_the_text(site, demo_app, browser_page, sign_in):
    page = browser_page
    page.goto(site + "/admin/releases/new")
    sign_in(page)
    type_release(page)
    page.context.clear_cookies()
    page.get_by_role("button", name="지금 게시", exact=True).click()
    assert "/admin/login" in page.url
    sign_in(page)
    assert body_lines(page) == BODY
    with demo_app.app_context():
        assert Attachment.select().join(Release).where(Release.title == TITLE).count() == 0


def test_a_new_release_with_a_picture_autosaves_and_saves_onto_its_draft(site, demo_app, browser, sign_in,
                                                                         samples):
    """A picture makes the new form a draft: autosave follows it there, and saving leaves no "new" offer."""
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul")
    page = context.new_page()
    errors = watch_errors(page)
    page.on("dialog", lambda dialog: dialog.accept("하천 점검 사진") if dialog.type == "prompt" else dialog.dismiss())
    page.goto(site + "/admin/releases/new")
    sign_in(page)
    type_release(page)
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="그림 넣기").click()
    chooser.value.set_files(files=[{"name": "하천.png", "mimeType": "image/png", "buffer": samples.tiny_png()}])
    page.wait_for_selector(".jodit-wysiwyg img[alt='하천 점검 사진']")
    assert "/edit" in page.url
    draft_url = page.url
    page.get_by_label("본문").click()
    page.keyboard.press("ControlOrMeta+End")
    page.keyboard.press("Enter")
    # Wait for the save that holds the whole sentence: on a loaded machine a save fired
    # mid-sentence (or the picture's own save) also says "자동 저장됨".
    with page.expect_response(lambda r: "/autosave" in r.url and r.ok
                              and "그림 뒤에 쓴 글." in (r.request.post_data or ""), timeout=15000):
        page.keyboard.type("셋째 문단: 그림 뒤에 쓴 글.")
    page.goto(site + "/admin/")
    page.goto(draft_url)  # the draft's own form offers what was typed after the picture
    assert "자동 저장된 내용이 있습니다" in page.locator(".autosave-offer").text_content()
    page.get_by_role("link", name="불러오기").click()
    assert body_lines(page).endswith("셋째 문단: 그림 뒤에 쓴 글.")
    page.get_by_role("button", name="지금 게시", exact=True).click()
    assert page.locator(".flash").first.text_content() == PUBLISHED
    with demo_app.app_context():
        assert Release.select().where(Release.title == TITLE).count() == 1  # saved onto the draft
        release = Release.get(Release.title == TITLE)
        assert release.status == "published" and "셋째 문단" in release.body_text
        assert f'<img src="/releases/{release.public_id}/files/' in release.body_html
    page.goto(site + "/admin/releases/new")
    assert page.locator(".autosave-offer").count() == 0  # nothing left over from this release
    assert errors == []
    context.close()
