"""/subscribe and the admin's 기자 명단 in Chromium: they work, and axe-core finds nothing serious."""
import pytest

from feedserver.admin.accounts import create_user
from feedserver.models import MailDelivery, PressContact

pytestmark = pytest.mark.browser


@pytest.fixture
def mail_site(demo_app, live_server, staff):
    demo_app.config.update(PASSWORD_HASH_METHOD=staff.FAST_HASH, MAIL_SMTP_HOST="")
    with demo_app.app_context():
        create_user("press-office", staff.PASSWORD, "admin")
    return live_server.url


def test_subscribe_page_works_and_passes_axe(mail_site, demo_app, browser, axe, tmp_path):
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul", bypass_csp=True)
    page = context.new_page()
    page.goto(mail_site + "/subscribe")
    assert axe(page) == []
    page.get_by_label("전자우편 주소").fill("not-an-address@")
    page.evaluate("document.querySelector('form.subscribe-form').noValidate = true")
    page.get_by_role("button", name="구독 신청").click()
    assert "올바른 전자우편 주소" in page.locator("#subscribe-error").text_content()
    assert axe(page) == []  # the error state too
    page.get_by_label("전자우편 주소").fill("citizen@example.org")
    page.get_by_label("고른 게시판만").check()
    page.locator("ul.boards input").first.check()
    page.get_by_label("하루 한 번 모아서").check()
    page.get_by_label("모아 받을 시각 (한국 시간)").select_option("7")
    page.screenshot(path=str(tmp_path / "subscribe-form.png"), full_page=True)
    page.get_by_role("button", name="구독 신청").click()
    page.wait_for_selector("text=확인 메일을 보냈습니다")
    assert axe(page) == []
    page.screenshot(path=str(tmp_path / "subscribe-sent.png"), full_page=True)
    with demo_app.app_context():
        assert MailDelivery.select().where(MailDelivery.audience == "confirm").count() == 1
    context.close()


def test_admin_press_list_pages_work_and_pass_axe(mail_site, demo_app, browser, axe, staff, tmp_path):
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul", bypass_csp=True)
    page = context.new_page()
    page.goto(mail_site + "/admin/login")
    page.get_by_label("아이디").fill("press-office")
    page.get_by_label("비밀번호").fill(staff.PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.get_by_role("link", name="기자 명단").click()
    page.get_by_label("이름").fill("김기자")
    page.get_by_label("소속 (언론사)").fill("경기일보")
    page.get_by_label("전자우편").fill("kim@example.org")
    page.locator("fieldset input[name=board]").first.check()
    page.get_by_role("button", name="추가").click()
    page.wait_for_selector("td:text('김기자')")
    assert axe(page) == []
    page.screenshot(path=str(tmp_path / "press-list.png"), full_page=True)
    page.locator("td.actions a", has_text="고치기").first.click()
    page.wait_for_selector("h1:text('기자 정보 고치기')")
    assert axe(page) == []
    page.goto(mail_site + "/admin/press/import")
    csv = tmp_path / "명단.csv"
    csv.write_text("이름,소속,전자우편,게시판\n이기자,신문,lee@example.org,\n나쁜줄,,bad,\n", encoding="utf-8")
    page.get_by_label("CSV 파일 (UTF-8 또는 CP949, 2MB까지)").set_input_files(str(csv))
    page.get_by_role("button", name="가져오기").click()
    page.wait_for_selector("text=1건을 저장했습니다")
    assert "올바른 전자우편 주소" in page.locator("table.import-errors").text_content()
    assert axe(page) == []
    page.screenshot(path=str(tmp_path / "press-import.png"), full_page=True)
    for path in ("/admin/mail", "/admin/privacy?address=kim@example.org"):
        page.goto(mail_site + path)
        assert axe(page) == [], path
    with demo_app.app_context():
        assert sorted(c.name for c in PressContact.select()) == ["김기자", "이기자"]
    context.close()
