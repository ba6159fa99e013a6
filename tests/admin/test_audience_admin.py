"""독자 현황: the page, its charts and tables, CSV of every table, bad input, on every database."""
import csv
import io

import pytest

from feedserver.audience.charts import korean_number
from feedserver.models import Category

FEEDLY = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 12345 subscribers; )"
NEWSBLUR = "NewsBlur Feed Fetcher - 17 subscribers - https://www.newsblur.com/site/1/press (\"Mozilla/5.0\")"
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36"


@pytest.mark.parametrize(("n", "text"), [(0, "0"), (9999, "9,999"), (10000, "1만"), (12345, "1만 2,345"),
                                         (1002345, "100만 2,345"), (123456789, "1억 2,345만 6,789"),
                                         (200000000, "2억")])
def test_korean_numbers_group_by_man(n, text):
    assert korean_number(n) == text


def audience_board(app, make_release, staff):
    """Polls and views through the app, flushed; returns the viewed release."""
    with app.app_context():
        release = make_release(Category.get(Category.slug == "press"), title="반도체 클러스터 착공")
    client = app.test_client()
    with app.app_context():
        app.extensions["feedserver.audience"].flush()
    client.get("/feeds/all.rss", headers={"User-Agent": FEEDLY})
    client.get("/feeds/category/press.atom", headers={"User-Agent": NEWSBLUR})
    for n in range(3):
        client.get(f"/releases/{release.public_id}", headers={"User-Agent": f"{BROWSER} {n}",
                                                                "Referer": "https://search.naver.com/x"})
    client.get("/embed/latest", headers={"Referer": "https://www.suwon.go.kr/"})
    with app.app_context():
        app.extensions["feedserver.audience"].flush()
    return release


def test_the_page_shows_charts_and_tables_with_korean_numbers(staff_db_app, make_release, staff, html):
    release = audience_board(staff_db_app, make_release, staff)
    client = staff_db_app.test_client()
    staff.login(client, "editor")
    answer = client.get("/admin/audience?days=7")
    assert answer.status_code == 200
    tree = html.page(answer)
    assert len(tree.xpath("//svg[@role='img']/title")) == 6
    feeds = tree.xpath("//table[@id='table-feeds']//tbody/tr")
    assert [c.text_content().strip() for c in feeds[0].xpath("td")][:3] == ["/feeds/all.rss", "1만 2,345", "1만 2,345"]
    channels = {r.xpath("td")[0].text_content(): r.xpath("td")[1].text_content()
                for r in tree.xpath("//table[@id='table-channels']//tbody/tr")}
    assert channels == {"Feedly": "1만 2,345", "NewsBlur": "17", "직접 구독": "0", "WebSub": "0"}
    assert html.texts(tree, "//table[@id='table-top_releases']//td[3]") == ["3"]
    daily = tree.xpath("//table[@id='table-daily_views']//tbody/tr")
    assert len(daily) == 7 and daily[-1].xpath("td")[1].text_content() == "3"
    assert "게시" in "".join(tree.xpath("//section[@id='daily']//svg//text/text()"))  # published today
    sources = {r.xpath("td")[1].text_content(): r.xpath("td")[2].text_content()
               for r in tree.xpath("//table[@id='table-sources']//tbody/tr")}
    assert sources["search"] == "3" and sources["direct"] == "0"
    assert html.texts(tree, "//table[@id='table-widget_hosts']//td[1]") == ["www.suwon.go.kr"]
    assert release.public_id in answer.get_data(as_text=True)


@pytest.mark.parametrize("name", ["feeds", "channels", "top_releases", "daily_views", "sources", "widget_hosts"])
def test_every_table_exports_as_csv(staff_app, make_release, staff, name):
    release = audience_board(staff_app, make_release, staff)
    client = staff_app.test_client()
    staff.login(client, "editor")
    answer = client.get(f"/admin/audience.csv?table={name}&days=30&release={release.public_id}")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) > 1 and rows[0][0]
    if name == "feeds":
        assert rows[1][:2] == ["/feeds/all.rss", "12345"]  # raw numbers for spreadsheets


@pytest.mark.parametrize(("query", "status"), [("days=abc", 400), ("days=365", 400), ("days=", 400),
                                               ("release=nosuchthing1", 404), ("release=%00", 400)])
def test_bad_input_gets_a_korean_page(staff_app, staff, query, status):
    client = staff_app.test_client()
    staff.login(client, "editor")
    for url in ("/admin/audience?", "/admin/audience.csv?table=feeds&"):
        answer = client.get(url + query)
        assert answer.status_code == status
        assert "<html" in answer.get_data(as_text=True) and "lang=\"ko\"" in answer.get_data(as_text=True)
    assert client.get("/admin/audience.csv?table=nothing").status_code == 404


def test_signed_out_readers_are_sent_to_login(staff_app):
    answer = staff_app.test_client().get("/admin/audience")
    assert answer.status_code in (302, 303) and "/login" in answer.headers["Location"]


def test_csv_cells_never_start_a_formula(staff_app, make_release, staff):
    with staff_app.app_context():
        release = make_release(Category.get(Category.slug == "press"), title="=HYPERLINK(\"http://x\")")
    client = staff_app.test_client()
    client.get(f"/releases/{release.public_id}", headers={"User-Agent": BROWSER})
    with staff_app.app_context():
        staff_app.extensions["feedserver.audience"].flush()
    staff.login(client, "editor")
    rows = list(csv.reader(io.StringIO(client.get("/admin/audience.csv?table=top_releases").get_data(as_text=True))))
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")"
