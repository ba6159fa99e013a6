"""Sessions in real Chromium: a signed-in browser's feed visit leaks nothing; password change ends others."""
import pytest

pytestmark = pytest.mark.browser
NEW_PASSWORD = "새 비밀번호 2026 봄"


@pytest.fixture
def site(admin_site):
    return admin_site


@pytest.fixture
def sign_in(staff):
    def sign_in(page, site, password=staff.PASSWORD):
        page.goto(site + "/admin/login")
        page.get_by_label("아이디").fill("press-office")
        page.get_by_label("비밀번호").fill(password)
        page.get_by_role("button", name="로그인").click()
        assert page.url == site + "/admin/"
    return sign_in


def test_signed_in_browser_opens_feeds_and_the_board_then_others_get_no_session(site, browser, sign_in):
    admin = browser.new_context(locale="ko-KR")
    page = admin.new_page()
    sign_in(page, site)
    for path in ("/feeds/all.rss", "/feeds/all.atom", "/board/", "/widget/latest.json"):
        response = page.goto(site + path)
        assert response.ok and "set-cookie" not in response.headers, path
    stranger = browser.new_context(locale="ko-KR")
    other = stranger.new_page()
    for path in ("/feeds/all.rss", "/board/"):
        response = other.goto(site + path)
        assert "set-cookie" not in response.headers and "press-office" not in other.content()
    assert stranger.cookies() == []
    other.goto(site + "/admin/users")
    assert other.url.startswith(site + "/admin/login")
    admin.close()
    stranger.close()


def test_password_change_in_the_ui_signs_out_the_other_browser(site, browser, artifacts_dir, staff, sign_in):
    office, home = browser.new_context(locale="ko-KR"), browser.new_context(locale="ko-KR")
    here, there = office.new_page(), home.new_page()
    sign_in(here, site)
    sign_in(there, site)
    here.get_by_role("link", name="내 계정").click()
    here.get_by_label("현재 비밀번호").fill(staff.PASSWORD)
    here.get_by_label("새 비밀번호 (10자 이상)").fill(NEW_PASSWORD)
    here.get_by_label("새 비밀번호 확인").fill(NEW_PASSWORD)
    here.get_by_role("button", name="비밀번호 바꾸기").click()
    assert "비밀번호를 바꿨습니다" in here.locator(".flash").first.text_content()
    here.screenshot(path=str(artifacts_dir / "admin-account.png"), full_page=True)
    there.goto(site + "/admin/")
    assert there.url.startswith(site + "/admin/login")
    assert "세션이 만료되었습니다" in there.content()
    sign_in(there, site, NEW_PASSWORD)
    office.close()
    home.close()
