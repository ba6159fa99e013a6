"""The feeds guide (/feeds/) on a phone: every URL under its own board's name, no sideways scroll."""
from pathlib import Path

import pytest

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/feedserver-shots")

# Each feed link's own box, and the board names above it: the nearest name above a link is the
# board a reader will take it for, whatever the markup (a table's rowspan cell scrolls away).
LAYOUT = """() => {
  const names = [...document.querySelectorAll('main h2, main h3, main th')]
    .map(e => ({text: e.innerText.trim(), bottom: e.getBoundingClientRect().bottom + scrollY}));
  return [...document.querySelectorAll('main a[href*="/feeds/"]')]
    .filter(a => a.innerText.startsWith('http'))
    .map(a => {
      const box = a.getBoundingClientRect(), top = box.top + scrollY;
      const above = names.filter(n => n.bottom <= top + 1).pop();
      return {url: a.innerText, left: box.left, right: box.right, under: above && above.text};
    });
}"""


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="ko-KR")
    page = context.new_page()
    yield page
    context.close()


def test_feed_guide_on_a_phone_names_each_urls_board_and_which_format_to_pick(live_server, phone):
    phone.goto(live_server.url + "/feeds/")
    SHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(SHOTS / "feeds-guide-390.png"), full_page=True)
    width = phone.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"horizontal overflow: {width}"
    boards = {"all": "전체 보도자료", "governor": "도지사 보도자료", "press": "보도자료", "notice": "공지사항"}
    links = phone.evaluate(LAYOUT)
    assert len(links) == 3 * len(boards)
    for link in links:
        slug = "all" if "/feeds/all." in link["url"] else link["url"].split("/category/")[1].split(".")[0]
        assert link["under"] == boards[slug], link
        assert 0 <= link["left"] and link["right"] <= PHONE["width"], link
    text = phone.locator("main").inner_text()
    assert "어떤 형식을 고를까요?" in text and "잘 모르시면 RSS를 고르세요." in text
    # A copy button beside every URL copies that URL.
    first = phone.locator("button.copy").first
    assert first.get_attribute("data-copy") == links[0]["url"]
