"""The release page on a phone (390 px): the info table, the 정정 note and the 공공누리 mark fit."""
from datetime import timedelta

import pytest

from feedserver.models import Release, utcnow
from feedserver.publishing import releases as publishing
from feedserver.publishing.audit import Actor
from feedserver.publishing.input import check_fields

PHONE = {"width": 390, "height": 844}
WATCH_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.sourceFile));"""
# Jodit's own code writes a few style attributes into its UI; the admin CSP refuses them, as it
# should (static/editor.css does their job). Anything else refused is a failure.
JODIT_STYLE = "style-src-attr http://127.0.0.1:{port}/static/vendor/jodit/jodit.min.js"


def csp_violations(page, site):
    port = site.rsplit(":", 1)[1]
    return [v for v in page.evaluate("window.__csp") if v != JODIT_STYLE.format(port=port)]


def type_body(page, text):
    """Replace the rich editor's text with `text`, typed line by line as a writer does."""
    page.wait_for_selector(".jodit-wysiwyg")  # the editor scripts are deferred: wait for Jodit
    editor = page.get_by_label("본문")
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    for number, line in enumerate(text.split("\n")):
        if number:
            page.keyboard.press("Enter")
        page.keyboard.type(line)


@pytest.fixture(params=["phone", "desktop"])
def phone(browser, request):
    size = PHONE if request.param == "phone" else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=size, is_mobile=request.param == "phone", locale="ko-KR",
                                  timezone_id="Asia/Seoul")
    context.kind = request.param
    page = context.new_page()
    page.add_init_script(WATCH_CSP)
    yield page
    context.close()


def test_release_page_on_a_phone_and_a_desktop(live_server, demo_app, phone, artifacts_dir):
    with demo_app.app_context():
        actor = Actor(None, "cli", name="test")
        release = publishing.create_release(check_fields({
            "title": "경기도, 반도체 인재 1만 명 양성 계획 발표", "category": "press",
            "body": "경기도가 반도체 인재 양성 계획을 발표했다.\n도는 2030년까지 1만 명을 키운다.",
            "status": "published", "published_at": (utcnow() - timedelta(hours=1)).isoformat(),
            "department": "경제실 반도체산업과", "contact_person": "홍길동 주무관",
            "contact_phone": "031-8008-2114", "contact_email": "semiconductor-press@gg.go.kr",
            "embargo_text": "2024. 5. 7.(화) 조간 (온라인 5. 6.(월) 12:00)", "kogl_type": 4}), actor)
        publishing.update_release(Release.get_by_id(release.id), check_fields(
            {"correction": "둘째 문단의 목표 연도를 2030년으로 바로잡습니다."},
            current=Release.get_by_id(release.id)), actor)
    phone.goto(f"{live_server.url}/releases/{release.public_id}")
    artifacts_dir.mkdir(exist_ok=True)
    narrow = phone.context.kind == "phone"
    phone.screenshot(path=str(artifacts_dir / f"release-page-{390 if narrow else 1280}.png"), full_page=True)
    width = phone.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"horizontal overflow: {width}"
    labels = phone.locator(".release-meta dt").all_text_contents()
    assert labels == ["담당부서", "담당자", "연락처", "보도시점", "작성자", "작성일", "수정일", "조회"]
    # One label-value pair a row on a phone (every dt at one left edge), two on a desktop.
    lefts = {round(box["x"]) for box in (dt.bounding_box() for dt in phone.locator(".release-meta dt").all())}
    assert len(lefts) == (1 if narrow else 2)
    assert phone.locator("p.correction").text_content().startswith("정정: 둘째 문단의 목표 연도를")
    badge = phone.get_by_role("img", name="공공누리 제4유형: 출처표시+상업적 이용금지+변경금지")
    assert badge.is_visible() and badge.bounding_box()["width"] > 100
    assert phone.locator("a[rel=license]").get_attribute("href") == "https://www.kogl.or.kr/info/license.do"
    assert phone.evaluate("window.__csp") == []


def test_press_fields_correction_history_and_restore_in_chromium(live_server, demo_app, browser_page,
                                                                 staff, artifacts_dir):
    from feedserver.admin.accounts import create_user
    demo_app.config["PASSWORD_HASH_METHOD"] = staff.FAST_HASH
    with demo_app.app_context():
        create_user("press-office", staff.PASSWORD, "admin")
    page, site = browser_page, live_server.url
    page.add_init_script(WATCH_CSP)
    page.goto(site + "/admin/login")
    page.get_by_label("아이디").fill("press-office")
    page.get_by_label("비밀번호").fill(staff.PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.get_by_role("link", name="새 보도자료").click()
    page.get_by_label("제목").fill("경기도, 청년 기본소득 확대")
    page.get_by_label("분류").select_option(label="보도자료")
    type_body(page, "올해 예산은 100억 원입니다.\n신청은 다음 달부터 받습니다.")
    page.get_by_label("담당부서").fill("청년정책과")
    page.get_by_label("담당자").fill("홍길동")
    page.get_by_label("연락처(전화)").fill("031-8008-2114")
    page.get_by_label("연락처(전자우편)").fill("youth@gg.go.kr")
    page.get_by_label("보도시점").fill("즉시 보도")
    page.get_by_label("공공누리 유형").select_option("2")
    page.get_by_role("button", name="지금 게시", exact=True).click()
    assert page.locator(".flash").first.text_content() == "게시했습니다. 게시판과 피드에 올라갔습니다."
    type_body(page, "올해 예산은 120억 원입니다.\n신청은 다음 달부터 받습니다.")
    page.get_by_label("정정 내용 (공개)").fill("예산을 120억 원으로 바로잡습니다.")
    page.get_by_role("button", name="변경 저장", exact=True).click()
    assert page.locator(".flash").first.text_content() == "변경 내용을 저장했습니다."
    page.get_by_role("link", name="수정 이력").click()
    page.wait_for_load_state()  # count() reads at once: the whole page first
    assert page.locator("tr[data-revision]").count() == 2
    page.get_by_role("button", name="두 판 비교").click()
    page.wait_for_load_state()
    assert page.locator("section[aria-labelledby=diff-body] del").all_text_contents() == ["100억"]
    assert page.locator("section[aria-labelledby=diff-body] ins").all_text_contents() == ["120억"]
    page.screenshot(path=str(artifacts_dir / "admin-revision-diff.png"), full_page=True)
    page.get_by_role("link", name="수정 이력으로 돌아가기").click()
    page.get_by_role("button", name="1판으로 되돌리기").click()
    assert "1판의 내용으로 되돌렸습니다" in page.locator(".flash").first.text_content()
    assert page.locator("tr[data-revision]").count() == 3
    page.get_by_role("link", name="고치기로 돌아가기").click()
    page.get_by_role("link", name="게시 화면 보기").click()
    assert "100억 원" in page.locator(".release-body").text_content()
    assert page.locator("p.correction").text_content().startswith("정정: 예산을 120억 원으로 바로잡습니다.")
    assert page.get_by_role("img", name="공공누리 제2유형: 출처표시+상업적 이용금지").is_visible()
    assert csp_violations(page, site) == []
