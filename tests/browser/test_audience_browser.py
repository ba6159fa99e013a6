"""독자 현황 in Chromium: charts drawn, tables beside them, axe-core clean on desktop and phone."""
from pathlib import Path

import pytest

from feedserver.models import Release

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"

FEEDLY = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 12345 subscribers; )"
INOREADER = "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 321 subscribers; )"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


@pytest.fixture
def counted(demo_app, admin_site):
    """The demo board after polls, views from several readers and a widget load; the site URL."""
    client = demo_app.test_client()
    with demo_app.app_context():
        demo_app.extensions["feedserver.audience"].flush()
        releases = list(Release.visible().limit(3))
    for agent in (FEEDLY, INOREADER):
        client.get("/feeds/all.rss", headers={"User-Agent": agent})
    for n, release in enumerate(releases):
        for reader in range(3 - n):
            client.get(f"/releases/{release.public_id}", environ_base={"REMOTE_ADDR": f"10.0.{n}.{reader}"},
                       headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0",
                                "Referer": "https://search.naver.com/search.naver?query=x"})
    client.get("/embed/latest", headers={"Referer": "https://www.suwon.go.kr/news"})
    with demo_app.app_context():
        demo_app.extensions["feedserver.audience"].flush()
    return admin_site


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_audience_page_draws_charts_beside_tables_and_passes_axe(counted, browser, staff, artifacts_dir,
                                                                 width, height):
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul", bypass_csp=True,
                                  viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(counted + "/admin/login")
        page.get_by_label("아이디").fill("press-office")
        page.get_by_label("비밀번호").fill(staff.PASSWORD)
        page.get_by_role("button", name="로그인").click()
        page.wait_for_url(counted + "/admin/")
        page.get_by_role("link", name="독자 현황").click()
        page.wait_for_url(counted + "/admin/audience")
        assert page.locator("svg.chart").count() == 6
        for svg in page.locator("svg.chart").all():
            box = svg.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 20 and box["x"] + box["width"] <= width + 1
        assert page.locator("svg.chart rect").count() >= 5
        feeds = page.locator("#table-feeds tbody tr").first.locator("td")
        assert feeds.nth(1).inner_text() == "1만 2,666"
        assert page.get_by_role("table", name="많이 본 보도자료").locator("tbody tr").count() == 3
        page.get_by_label("기간").select_option("7")
        page.get_by_role("button", name="보기").click()
        page.wait_for_url("**/admin/audience?days=7*")
        assert page.locator("#table-daily_views tbody tr").count() == 7
        page.screenshot(path=str(artifacts_dir / f"audience-{width}.png"), full_page=True)
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(RUN_AXE) == []
    finally:
        context.close()
