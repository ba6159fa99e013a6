"""Every admin page passes axe-core (no serious or critical violation) and the desk works by keyboard."""
from datetime import timedelta

import pytest
from flask import url_for

from feedserver.admin.accounts import create_user
from feedserver.content.uploads import check_upload
from feedserver.mail import press
from feedserver.models import ApiToken, Category, Release, utcnow
from feedserver.publishing import releases as publishing
from feedserver.publishing.audit import Actor
from feedserver.publishing.tokens import issue_token

pytestmark = pytest.mark.browser

# The focused element, and whether its focus shows (an outline or a box shadow). A date input's
# calendar button is inside the input's own shadow tree, where Chromium draws its native ring.
FOCUS = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  const picker = el.type === 'datetime-local' && !el.matches(':focus');
  const ring = picker || (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
               || style.boxShadow !== 'none';
  return {tag: el.tagName.toLowerCase(), name: el.name || '', id: el.id || '',
          role: el.getAttribute('role') || '', label: el.getAttribute('aria-labelledby') || '',
          text: (el.innerText || el.value || '').trim().slice(0, 40), ring: ring};
}"""


@pytest.fixture
def desk_site(demo_app, live_server, staff, make_release, samples):
    """The demo board with staff of each role, a review board, and releases in every state."""
    demo_app.config["PASSWORD_HASH_METHOD"] = staff.FAST_HASH
    with demo_app.app_context():
        admin = create_user("press-office", staff.PASSWORD, "admin")
        create_user("approver", staff.PASSWORD, "approver")
        editor = create_user("editor", staff.PASSWORD, "editor")
        issue_token(admin, "연동", staff.CLI)
        board = Category.ordered().first()
        board.review_required = True
        board.save()
        make_release(board, title="검토 기다리는 글", status="draft", published_at=None,
                     review_state="pending", created_by_id=editor.id)
        make_release(board, title="내일 예약", status="scheduled",
                     published_at=utcnow() + timedelta(days=1), created_by_id=admin.id)
        mine = make_release(board, title="관리자의 글", created_by_id=admin.id)
        pdf = check_upload("붙임.pdf", samples.tiny_pdf(), 1 << 20)  # the editor lists a file too
        publishing.update_release(mine, {}, Actor(None, "cli", name="test"), uploads=[pdf])
        contact = press.store({"name": "김기자", "outlet": "경기일보", "address": "kim@example.org",
                              "boards": [board.id]}, Actor(None, "cli", name="test"))
        args = {"public_id": mine.public_id, "category_id": board.id, "user_id": editor.id,
                "contact_id": contact.id,
                "token_id": ApiToken.select().first().id,
                "attachment_id": mine.attachments.first().id,
                "token": "no-such-staged-file-0000"}  # staged files are one user's: its 404 page
    return live_server.url, args


def admin_pages(app, args):
    """Every GET page of the admin's URL map, with real ids filled in."""
    with app.test_request_context():
        return sorted({url_for(rule.endpoint, **{k: args[k] for k in rule.arguments})
                       for rule in app.url_map.iter_rules()
                       if rule.rule.startswith("/admin") and "GET" in rule.methods})


@pytest.fixture
def axe_page(browser):
    """A page whose context may inject axe-core despite the admin's strict CSP (the app's CSP stays)."""
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul", bypass_csp=True)
    yield context.new_page()
    context.close()


def sign_in(page, base, username="press-office", password="correct horse battery"):
    page.goto(base + "/admin/login")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(base + "/admin/")


def test_every_admin_page_passes_axe_core(desk_site, demo_app, axe_page, staff, axe):
    base, args = desk_site
    pages = admin_pages(demo_app, args)
    assert len(pages) >= 15
    found = {}
    page = axe_page
    page.goto(base + "/admin/login")
    found["/admin/login (signed out)"] = axe(page)
    sign_in(page, base, password=staff.PASSWORD)
    for path in pages:
        if path == "/admin/login":
            continue
        if path.endswith(f"/files/{args['attachment_id']}"):
            response = page.request.get(base + path)  # a file, not a page: it only has to be there
            assert response.status == 200 and response.headers["content-type"] == "application/pdf"
            continue
        if path.endswith(".csv"):  # 독자 현황's export: a download, not a page
            response = page.request.get(base + path + "?table=feeds")
            assert response.status == 200 and response.headers["content-type"].startswith("text/csv")
            continue
        response = page.goto(base + path)
        assert response.status < 500, path
        found[path] = axe(page)
    with demo_app.app_context():
        release = Release.get(Release.title == "관리자의 글")
    page.goto(f"{base}/admin/releases/{release.public_id}/edit")
    page.get_by_role("button", name="미리보기").click()  # the editor with its preview shown
    found["editor with preview"] = axe(page)
    page.goto(base + "/admin/releases/new")
    page.get_by_role("button", name="지금 게시").click()  # the editor with its error messages
    found["editor with errors"] = axe(page)
    assert {path: v for path, v in found.items() if v} == {}


def tab_to(page, wanted, limit=80):
    """Press Tab until `wanted(focus)` holds; every stop on the way must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        assert focus["ring"], f"focus not visible on {focus}"
        if wanted(focus):
            return focus
    raise AssertionError("never reached by Tab")


def test_the_desk_works_by_keyboard_alone(desk_site, demo_app, browser_page, staff):
    base, _ = desk_site
    page = browser_page
    page.goto(base + "/admin/login")
    tab_to(page, lambda f: f["id"] == "username")
    page.keyboard.type("press-office")
    tab_to(page, lambda f: f["id"] == "password")
    page.keyboard.type(staff.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/admin/")

    # The index: reach 새 보도자료 by Tab and open it with Enter.
    tab_to(page, lambda f: f["text"] == "새 보도자료")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/admin/releases/new")
    tab_to(page, lambda f: f["id"] == "title")
    page.keyboard.type("키보드로 쓴 보도자료")
    tab_to(page, lambda f: f["id"] == "category")
    with demo_app.app_context():  # any board: the admin publishes even on a review board
        label = Category.ordered().offset(1).first().name
    chosen = "el => el.options[el.selectedIndex].text"
    for _ in range(10):  # arrow keys move a focused <select> through its options
        if page.eval_on_selector("#category", chosen) == label:
            break
        page.keyboard.press("ArrowDown")
    assert page.eval_on_selector("#category", chosen) == label
    # The rich editor's toolbar and editing area are on the way; the hidden textarea is not.
    tab_to(page, lambda f: f["role"] == "textbox" and f["label"] == "body-label")
    page.keyboard.type("첫 문단입니다.")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "지금 게시")
    page.keyboard.press("Enter")
    page.wait_for_url("**/edit")
    assert page.locator(".flash").first.text_content().startswith("게시했습니다.")
    with demo_app.app_context():
        release = Release.get(Release.title == "키보드로 쓴 보도자료")
        assert release.status == "published"
        assert release.body_html == "<p>첫 문단입니다.</p>"  # typed into the rich editor, saved

    # Withdraw with a reason, by keyboard: the link to the confirmation page, the reason, the button.
    tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "게시 철회")
    page.keyboard.press("Enter")
    page.wait_for_url("**/withdraw")
    tab_to(page, lambda f: f["id"] == "reason")
    page.keyboard.type("키보드로 철회합니다")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "게시 철회")
    page.keyboard.press("Enter")
    page.wait_for_url("**/edit")
    with demo_app.app_context():
        assert Release.get(Release.id == release.id).withdraw_reason == "키보드로 철회합니다"

    # The index: filter by status with the keyboard, then open a release with Enter.
    page.goto(base + "/admin/")
    tab_to(page, lambda f: f["id"] == "f-status")
    for _ in range(6):
        if page.eval_on_selector("#f-status", "el => el.value") == "withdrawn":
            break
        page.keyboard.press("ArrowDown")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "찾기")
    page.keyboard.press("Enter")
    page.wait_for_url("**status=withdrawn**")
    tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "키보드로 쓴 보도자료")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/admin/releases/{release.public_id}/edit")


