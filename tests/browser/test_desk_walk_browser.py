"""The issue's acceptance walk in real Chromium: the whole desk, from paste to restore.

A press officer pastes an HWP table and a Word list into the rich editor (real paste events
carrying the programs' clipboard HTML), inserts a picture with alt text, attaches a .pdf and a
.hwp, fills the Korean press fields, previews (the files stay), publishes, checks the public page,
corrects it (정정: on the page and in the Atom feed), withdraws it with a reason (the 410 page
says what, when and why) and restores it. A second walk loses the session while writing.
"""
import feedparser
import pytest

from feedserver.admin.accounts import create_user, end_sessions
from feedserver.models import Release, User

pytestmark = pytest.mark.browser

TITLE = "경기도, 2025년 청년 일자리 지원 계획 발표"
ALT = "청년 일자리 박람회 현장 사진"
PDF, HWP_NAME, PICTURE = "붙임1. 지원 계획.pdf", "붙임2. 신청서.hwp", "박람회.png"
HWP = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504  # an HWP 5 file starts as an OLE compound file
PRESS = {"담당부서": "일자리정책과", "담당자": "김민지 주무관", "연락처(전화)": "031-8008-3456",
         "연락처(전자우편)": "youth-job@gg.go.kr", "보도시점": "2025. 3. 4.(화) 조간"}
CORRECTION = "지원 인원을 1,000명으로 바로잡습니다."
REASON = "예산 확정 전 배포되어 내립니다. 확정 후 다시 배포합니다."
PUBLISHED = "게시했습니다. 게시판과 피드에 올라갔습니다."
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
# Jodit's own code writes a few style attributes into its UI; the admin CSP refuses them, as it
# should (static/editor.css does their job). Any other console error fails the walk.
JODIT_JS = "/static/vendor/jodit/jodit.min.js"


@pytest.fixture
def desk(demo_app, live_server, staff, browser):
    """A press officer (admin) and a desktop Chromium page that gives alt text and records errors."""
    demo_app.config["PASSWORD_HASH_METHOD"] = staff.FAST_HASH
    with demo_app.app_context():
        create_user("press-office", staff.PASSWORD, "admin")
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul", viewport=DESKTOP)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and not (
        m.location["url"].endswith(JODIT_JS) and "inline style" in m.text)
        and not m.location["url"].endswith("/favicon.ico") and page.errors.append((m.text, m.location["url"])))
    page.on("pageerror", lambda error: page.errors.append(("pageerror", str(error))))
    page.on("dialog", lambda d: d.accept(ALT) if d.type == "prompt" else d.dismiss())
    yield page, live_server.url
    context.close()


def sign_in(page, password):
    page.get_by_label("아이디").fill("press-office")
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()


def paste(page, clipboard, html, text):
    page.evaluate(clipboard.PASTE_SCRIPT, [html, text])


def write_release(page, clipboard):
    """Title, board, an HWP table and a Word list pasted, and a line typed into the editor."""
    page.get_by_label("제목").fill(TITLE)
    page.get_by_label("분류").select_option(label="보도자료")
    page.wait_for_selector(".jodit-wysiwyg")
    paste(page, clipboard, clipboard.HWP_TABLE, "구분\t지원 인원")
    page.wait_for_selector(".jodit-wysiwyg table td[rowspan='2']")
    paste(page, clipboard, clipboard.WORD_LIST, "1. 청년 일자리 확대")
    page.wait_for_selector(".jodit-wysiwyg ol li ol li")
    page.locator(".jodit-wysiwyg p").last.click()
    page.keyboard.press("ControlOrMeta+End")  # the end of the pasted list:
    page.keyboard.press("Enter")  # a new item, and Enter on the empty item leaves the list
    page.keyboard.press("Enter")
    page.keyboard.type("자세한 내용은 붙임 파일을 참고하세요.")


def check_body(scope):
    """The pasted table and list, the typed line: as the editor, the preview and the page show them."""
    assert scope.locator("table td[rowspan='2'] strong").text_content() == "구분"
    assert scope.locator("table td[colspan='2']").text_content().strip() == "지원 인원"
    assert scope.locator("ol > li").first.text_content().startswith("청년 일자리 확대")
    assert scope.locator("ol > li ol > li").text_content() == "도내 기업 연계"
    assert scope.locator("p", has_text="자세한 내용은 붙임 파일을 참고하세요.").count() == 1


def attachment_names(scope):
    return [text.split(" (")[0].strip() for text in scope.locator(".attachments li").all_inner_texts()]


def test_the_whole_desk_from_paste_to_restore(desk, demo_app, staff, samples, clipboard, artifacts_dir,
                                              loaded_widths):
    page, site = desk
    page.goto(site + "/admin/releases/new")
    sign_in(page, staff.PASSWORD)
    write_release(page, clipboard)
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="그림 넣기").click()
    chooser.value.set_files(files=[{"name": PICTURE, "mimeType": "image/png", "buffer": samples.tiny_png()}])
    page.wait_for_selector(f".jodit-wysiwyg img[alt='{ALT}']")
    for label, value in PRESS.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("파일 추가").set_input_files(files=[
        {"name": PDF, "mimeType": "application/pdf", "buffer": samples.tiny_pdf()},
        {"name": HWP_NAME, "mimeType": "application/x-hwp", "buffer": HWP}])

    # Preview: the body as it will be published, and the chosen files kept (staged) for the save.
    page.get_by_role("button", name="미리보기").click()
    preview = page.locator("section.preview")
    check_body(preview.locator(".release-body"))
    assert loaded_widths(preview.locator(f".release-body img[alt='{ALT}']")) == [1]
    # The picture is one of the release's files (the editor's design): listed with the attachments.
    assert attachment_names(preview) == [PICTURE, PDF, HWP_NAME]
    assert [t.split(" (")[0] for t in page.locator(".staged-files li").all_inner_texts()] == [PDF, HWP_NAME]
    check_body(page.locator(".jodit-wysiwyg"))  # the editor still holds what was written
    page.screenshot(path=str(artifacts_dir / "desk-walk-preview.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(artifacts_dir / "desk-walk-editor-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name="지금 게시", exact=True).click()
    assert page.locator(".flash").first.text_content() == PUBLISHED
    with demo_app.app_context():
        assert Release.select().where(Release.title == TITLE).count() == 1  # saved onto the picture's draft
        release = Release.get(Release.title == TITLE)
        assert release.status == "published"
    public = f"{site}/releases/{release.public_id}"

    # The public page: table, list, picture, both attachments and the press info table.
    page.goto(public)
    body = page.locator(".release-body")
    check_body(body)
    assert loaded_widths(body.locator(f"img[alt='{ALT}']")) == [1]
    assert attachment_names(page) == [PICTURE, PDF, HWP_NAME]
    meta = page.locator(".release-meta")
    assert meta.locator(".department").text_content() == "일자리정책과"
    assert meta.locator(".contact-person").text_content() == "김민지 주무관"
    assert "031-8008-3456" in meta.locator(".contact").text_content()
    assert "youth-job@gg.go.kr" in meta.locator(".contact").text_content()
    assert meta.locator(".embargo").text_content() == "2025. 3. 4.(화) 조간"
    assert meta.locator(".modified").count() == 0  # not changed since it went public
    page.screenshot(path=str(artifacts_dir / "desk-walk-public.png"), full_page=True)

    # A correction: the body changes, the 정정 note shows on the page and in the Atom feed.
    # Times are stored in whole seconds, and a change in the second the release went public is
    # no change after publication (수정일): on a fast machine the walk gets here within it.
    page.wait_for_timeout(1100)
    page.goto(f"{site}/admin/releases/{release.public_id}/edit")
    page.locator(".jodit-wysiwyg p", has_text="자세한 내용은").click()
    page.keyboard.press("End")
    page.keyboard.type(" 문의는 일자리정책과로 해 주세요.")
    page.get_by_label("정정 내용 (공개)").fill(CORRECTION)
    page.get_by_role("button", name="변경 저장", exact=True).click()
    assert page.locator(".flash").first.text_content() == "변경 내용을 저장했습니다."
    page.goto(public)
    assert page.locator("p.correction").text_content().startswith(f"정정: {CORRECTION}")
    assert "문의는 일자리정책과로 해 주세요." in page.locator(".release-body").text_content()
    assert page.locator(".release-meta .modified").count() == 1
    assert attachment_names(page) == [PICTURE, PDF, HWP_NAME]
    feed = feedparser.parse(page.request.get(site + "/feeds/all.atom").body())
    assert not feed.bozo, feed.bozo_exception
    entry = next(e for e in feed.entries if e.title == TITLE)
    content = entry.content[0].value
    assert "정정" in content and CORRECTION in content and "<table" in content and ALT in content
    assert entry.updated_parsed > entry.published_parsed

    # Withdraw with care: a confirmation page, a required reason, a 410 that says what, when, why.
    page.goto(f"{site}/admin/releases/{release.public_id}/edit")
    page.get_by_role("link", name="게시 철회").click()
    page.get_by_role("button", name="게시 철회").click()  # no reason: the browser asks for one
    assert page.url.endswith("/withdraw") and page.locator("#reason").evaluate("el => el.validity.valueMissing")
    with demo_app.app_context():
        assert Release.get_by_id(release.id).status == "published"
    page.get_by_label("철회 사유").fill(REASON)
    page.get_by_role("button", name="게시 철회").click()
    assert page.locator(".flash").first.text_content().startswith(f"‘{TITLE}’ 게시를 철회했습니다.")
    response = page.goto(public)
    assert response.status == 410
    assert page.locator(".withdrawn-title").text_content() == TITLE
    assert page.locator(".withdrawn-reason").text_content() == REASON
    assert page.locator(".release-meta time").get_attribute("datetime")[:4].isdigit()
    page.screenshot(path=str(artifacts_dir / "desk-walk-410.png"), full_page=True)
    feed = feedparser.parse(page.request.get(site + "/feeds/all.atom").body())
    assert TITLE not in [e.title for e in feed.entries]

    # Restore: the release is back, correction, files and all.
    page.goto(f"{site}/admin/releases/{release.public_id}/edit")
    page.get_by_role("button", name="다시 게시").click()
    assert page.locator(".flash").first.text_content() == "다시 게시했습니다."
    assert page.goto(public).status == 200  # the browser that saw the 410 does not keep showing it
    check_body(page.locator(".release-body"))
    assert attachment_names(page) == [PICTURE, PDF, HWP_NAME]
    assert page.locator("p.correction").text_content().startswith(f"정정: {CORRECTION}")
    gone = ("Failed to load resource: the server responded with a status of 410 (GONE)", public)
    assert [e for e in page.errors if e != gone] == []  # the withdrawn page's 410 is the only one


def test_the_session_ends_while_writing_and_the_text_survives(desk, demo_app, staff, clipboard):
    page, site = desk
    page.goto(site + "/admin/releases/new")
    sign_in(page, staff.PASSWORD)
    write_release(page, clipboard)
    page.get_by_label("담당부서", exact=True).fill(PRESS["담당부서"])
    with demo_app.app_context():  # "sign out everywhere" from another place, while writing
        end_sessions(User.get(User.username == "press-office"))
    page.get_by_role("button", name="지금 게시", exact=True).click()
    assert "/admin/login" in page.url
    assert "입력한 내용은 서버에 보관했으니" in page.content()
    with demo_app.app_context():
        assert Release.get_or_none(Release.title == TITLE) is None
    sign_in(page, staff.PASSWORD)
    assert "/admin/releases/new" in page.url
    assert "저장하지 못했던 내용을 되살렸습니다" in page.content()
    assert page.get_by_label("제목").input_value() == TITLE
    assert page.get_by_label("담당부서", exact=True).input_value() == PRESS["담당부서"]
    page.wait_for_selector(".jodit-wysiwyg")
    check_body(page.locator(".jodit-wysiwyg"))  # the text is back in the rich editor
    page.get_by_role("button", name="지금 게시", exact=True).click()
    assert page.locator(".flash").first.text_content() == PUBLISHED
    with demo_app.app_context():
        release = Release.get(Release.title == TITLE)
        assert release.status == "published" and release.department == PRESS["담당부서"]
        assert "자세한 내용은 붙임 파일을 참고하세요." in release.body_text
    page.goto(f"{site}/releases/{release.public_id}")
    check_body(page.locator(".release-body"))
    assert page.errors == []
