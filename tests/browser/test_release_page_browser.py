"""The release page on a phone (390 px): the info table, the 정정 note and the 공공누리 mark fit."""
from datetime import timedelta

import pytest

from feedserver.models import Release, utcnow
from feedserver.publishing import releases as publishing
from feedserver.publishing.audit import Actor
from feedserver.publishing.input import check_fields

PHONE = {"width": 390, "height": 844}
WATCH_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective));"""


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="ko-KR",
                                  timezone_id="Asia/Seoul")
    page = context.new_page()
    page.add_init_script(WATCH_CSP)
    yield page
    context.close()


def test_release_page_on_a_phone(live_server, demo_app, phone, artifacts_dir):
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
    phone.screenshot(path=str(artifacts_dir / "release-page-390.png"), full_page=True)
    width = phone.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"horizontal overflow: {width}"
    labels = phone.locator(".release-meta dt").all_text_contents()
    assert labels == ["담당부서", "담당자", "연락처", "보도시점", "작성자", "작성일", "수정일", "조회"]
    # One label-value pair a row on a phone: every dt starts at the same left edge.
    lefts = {round(box["x"]) for box in (dt.bounding_box() for dt in phone.locator(".release-meta dt").all())}
    assert len(lefts) == 1
    assert phone.locator("p.correction").text_content().startswith("정정: 둘째 문단의 목표 연도를")
    badge = phone.get_by_role("img", name="공공누리 제4유형: 출처표시+상업적 이용금지+변경금지")
    assert badge.is_visible() and badge.bounding_box()["width"] > 100
    assert phone.locator("a[rel=license]").get_attribute("href") == "https://www.kogl.or.kr/info/license.do"
    assert phone.evaluate("window.__csp") == []
