"""Small helpers shared by tests: parse pages, make releases."""
from datetime import timedelta

import lxml.html

from feedserver.models import Category, Release, bump_feed_state, html_to_text, summarize, utcnow
from feedserver.search import index as search_index


def page(response):
    """Parse an HTML response into an lxml tree."""
    return lxml.html.fromstring(response.get_data(as_text=True))


def texts(tree, xpath):
    """Return the stripped text of every node matching xpath."""
    return [" ".join(n.text_content().split()) for n in tree.xpath(xpath)]


def board_rows(tree):
    """Return (번호, 제목, 작성자, 작성일, 조회) tuples of a board page."""
    rows = []
    for tr in tree.xpath("//table[contains(@class,'board-table')]/tbody/tr[td[@class='col-no']]"):
        cells = [" ".join(td.text_content().split()) for td in tr.xpath("td")]
        rows.append(tuple(cells))
    return rows


def make_category(slug="news", name="소식"):
    return Category.create(slug=slug, name=name)


def make_release(category, title="제목", body="<p>본문</p>", status="published",
                 published_at=None, author="경기지기", **extra):
    published_at = published_at or utcnow() - timedelta(minutes=1)
    plain = html_to_text(body)
    release = Release.create(category=category, title=title, author=author, body_html=body,
                             body_text=plain, summary=summarize(plain), status=status,
                             published_at=published_at, **extra)
    bump_feed_state([category.id])
    search_index.reindex([release])
    return release
