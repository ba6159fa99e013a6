"""바로보기 and attachment search in Chromium, desktop and phone: the demo's .hwp, .hwpx and .pdf
show their Korean text, a 내용 search finds a word only inside files and names the file, and the
바로보기 page passes axe-core."""
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from feedserver.models import Attachment, Category, Release
from feedserver.publishing.demo import GOVERNOR_SLUG
from feedserver.publishing.demo_text import ATTACHMENT_WORD

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
RUN_AXE = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=sorted(SIZES))
def page(browser, request):
    """A page at one size; CSP bypassed only so that axe-core can be injected."""
    context = browser.new_context(viewport=SIZES[request.param], is_mobile=request.param == "phone",
                                  locale="ko-KR", timezone_id="Asia/Seoul", bypass_csp=True)
    page = context.new_page()
    page.kind = request.param
    yield page
    context.close()


def newest_with(app, ext):
    """Return (public id, file name) of the newest governor release with a file of this type."""
    with app.app_context():
        file = (Attachment.select(Attachment, Release).join(Release).join(Category)
                .where(Category.slug == GOVERNOR_SLUG, Attachment.filename.endswith("." + ext))
                .order_by(Release.published_at.desc()).first())
        return file.release.public_id, file.filename


def test_the_first_board_page_has_files_to_view(demo_app):
    with demo_app.app_context():
        newest = Release.visible().join(Category).where(Category.slug == GOVERNOR_SLUG).first()
        assert [a.text_state for a in newest.attachments] == ["readable"]


@pytest.mark.parametrize("ext", ["hwp", "hwpx"])
def test_hangul_files_show_their_text(live_server, demo_app, page, ext, artifacts_dir):
    public_id, name = newest_with(demo_app, ext)
    page.goto(f"{live_server.url}/releases/{public_id}")
    link = page.get_by_role("link", name=f"{name} 바로보기")
    assert link.bounding_box()["height"] >= 24  # a target a thumb can hit (WCAG 2.5.8)
    link.click()
    page.wait_for_url("**/view")
    assert page.get_by_role("heading", level=1).inner_text() == name
    text = page.locator(".file-text")
    assert ATTACHMENT_WORD in text.inner_text() and text.is_visible()
    box = text.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= SIZES[page.kind]["width"]  # no sideways scroll
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[page.kind]["width"]
    assert page.get_by_role("link", name="내려받기").is_visible()
    page.screenshot(path=str(artifacts_dir / f"file-view-{ext}-{page.kind}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    assert [v for v in page.evaluate(RUN_AXE) if v["impact"] in ("serious", "critical")] == []


def test_pdf_opens_inline_and_its_text_extracts(live_server, demo_app, page, artifacts_dir):
    public_id, name = newest_with(demo_app, "pdf")
    page.goto(f"{live_server.url}/releases/{public_id}")
    href = page.get_by_role("link", name=f"{name} 바로보기").get_attribute("href")
    # Headless Chromium may not draw its PDF viewer: check what it is given.
    response = page.request.get(live_server.url + href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert ATTACHMENT_WORD in PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
    opened = page.goto(live_server.url + href)  # inline: a navigation, not a download
    assert opened.headers["content-type"] == "application/pdf"
    for _ in range(50):  # Chromium's PDF viewer (an extension frame) takes the document
        if any(f.url.startswith("chrome-extension://") for f in page.frames):
            break
        page.wait_for_timeout(100)
    assert any(f.url.startswith("chrome-extension://") for f in page.frames), [f.url for f in page.frames]
    for _ in range(50):  # the viewer names its document once it has drawn it
        if page.title() == name:
            break
        page.wait_for_timeout(100)
    page.screenshot(path=str(artifacts_dir / f"file-view-pdf-{page.kind}.png"))


def test_content_search_names_the_file_that_matched(live_server, page, artifacts_dir):
    page.goto(f"{live_server.url}/board/{GOVERNOR_SLUG}/")
    page.get_by_label("검색 항목").select_option(label="내용")
    page.get_by_label("검색어").fill(ATTACHMENT_WORD)
    page.get_by_role("button", name="검색").click()
    page.wait_for_url("**q=*")
    hits = page.locator(".board-table .file-hit")
    assert hits.count() == page.locator(".board-table tbody tr").count() == 10
    first = hits.first.inner_text()
    assert first.startswith("첨부 '") and first.endswith("'에서 찾음") and hits.first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[page.kind]["width"]
    page.screenshot(path=str(artifacts_dir / f"file-search-{page.kind}.png"), full_page=True)
