"""The board as a reader meets it: phone rows, marks, exact search counts, highlights, 기간,
release navigation that keeps the list, and pages worth sharing and printing."""
from datetime import timedelta

import pytest

from feedserver.models import Attachment, Release, utcnow
from feedserver.web.sharing import first_image

SEED_811 = "김동연, 전해철 위원장과 제2기 도정자문위원회 출범. 첫 회의 열어"


def phone_line(tr):
    """The row's second line as a phone shows it (.m-only spans included)."""
    return " ".join(" ".join(td.text_content() for td in tr.xpath("td")[2:]).split())


def test_rows_carry_the_seeds_phone_form(demo_client, html):
    tree = html.page(demo_client.get("/board/governor/?page=13"))
    row = tree.xpath(f"//tbody/tr[.//a[normalize-space()='{SEED_811}']]")[0]
    assert phone_line(row) == "경기지기 | 2024.09.26 | 조회 14462"
    assert html.board_rows(tree)[[r[1] for r in html.board_rows(tree)].index(SEED_811)][2:] == (
        "경기지기", "2024.09.26", "14462")  # the desktop cells stay as the seed shows them
    assert row.xpath(".//span[@class='m-only'][@aria-hidden='true']")


def test_attachment_mark_only_on_rows_with_files(demo_app, html):
    with demo_app.app_context():
        with_files = {a.release_id for a in Attachment.select(Attachment.release)}
        ids = [r.id for r in Release.visible().where(Release.category == 1).limit(10)]
    tree = html.page(demo_app.test_client().get("/board/governor/"))
    marks = html.row_marks(tree)
    assert ["file" in m for m in marks] == [i in with_files for i in ids]
    assert any("file" in m for m in marks)
    assert tree.xpath("//span[contains(@class,'file')][@role='img'][@aria-label='첨부파일 있음']")


def test_attachment_marks_on_every_page_and_search_on_every_database(db_app, html, make_category,
                                                                     make_release):
    """Page 1 and the last page read the mark with their rows; middle pages ask for it apart."""
    db_app.config["PAGE_SIZE"] = 3
    with db_app.app_context():
        news = make_category()
        start = utcnow() - timedelta(days=30)
        releases = [make_release(news, title=f"소식 {i}", published_at=start + timedelta(hours=i)) for i in range(9)]
        for n, release in enumerate(releases):
            if n % 3 != 1:
                continue
            Attachment.create(release=release, filename=f"붙임{n}.hwp", content_type="application/x-hwp", size=1,
                              sha256="0" * 64, stored_name=f"s{n}", created_at=utcnow())
    client = db_app.test_client()

    def marked(url):
        tree = html.page(client.get(url))
        return [("file" in m) for m in html.row_marks(tree)]

    # Newest first: 소식 8, 7, 6 | 5, 4, 3 | 2, 1, 0; files on 7, 4 and 1.
    for page in (1, 2, 3):
        assert marked(f"/board/news/?page={page}") == [False, True, False], page
    assert marked("/board/news/?field=title&q=소식") == [False, True, False]
    assert marked("/board/news/?field=title&q=소식&page=3") == [False, True, False]


def test_new_badge_follows_the_day_even_in_kept_pages(app, monkeypatch, html, make_category, make_release):
    from feedserver.web import board
    with app.app_context():
        news = make_category()
        make_release(news, title="오늘 글")
        make_release(news, title="닷새 전 글", published_at=utcnow() - timedelta(days=5))
    client = app.test_client()
    assert [("new" in m) for m in html.row_marks(html.page(client.get("/board/news/")))] == [True, False]
    later = utcnow() + timedelta(days=4)
    monkeypatch.setattr(board, "utcnow", lambda: later)  # no write since: the page is kept
    assert [("new" in m) for m in html.row_marks(html.page(client.get("/board/news/")))] == [False, False]


def test_search_counts_exactly_to_the_cap_and_numbers_count_down(db_app, monkeypatch, html, make_category,
                                                                  make_release):
    from feedserver.web import board
    monkeypatch.setattr(board, "SEARCH_CAP", 25)
    with db_app.app_context():
        news = make_category()
        start = utcnow() - timedelta(days=10)
        for i in range(23):
            make_release(news, title=f"청년 정책 {i}", published_at=start + timedelta(minutes=i))
        make_release(news, title="다른 소식", published_at=start)
    client = db_app.test_client()
    tree = html.page(client.get("/board/news/?field=title&q=청년"))
    assert " ".join(html.texts(tree, "//p[@class='board-total']")[0].split()) == "검색 결과 23건 · 1/3쪽"
    assert [r[0] for r in html.board_rows(tree)] == [str(n) for n in range(23, 13, -1)]
    last = tree.xpath("//li[contains(@class,'last')]/a/@href")
    assert last and "page=3" in last[0]  # 마지막 enabled from the first page
    assert [r[0] for r in html.board_rows(html.page(client.get(last[0])))] == ["3", "2", "1"]
    with db_app.app_context():
        for i in range(3):
            make_release(news, title=f"청년 소식 {i}", published_at=start + timedelta(hours=1, minutes=i))
    tree = html.page(client.get("/board/news/?field=title&q=청년"))
    assert " ".join(html.texts(tree, "//p[@class='board-total']")[0].split()) == "검색 결과 25건 이상 · 1/3쪽"
    assert html.texts(tree, "//p[@class='search-cap']")
    assert client.get("/board/news/?field=title&q=청년&page=9").headers["Location"].startswith(
        "/board/news/?page=3&")


def test_period_narrows_lists_and_searches(db_app, html, make_category, make_release):
    from datetime import datetime, timezone
    with db_app.app_context():
        news = make_category()
        # 2024-05-06 23:30 UTC is 05-07 08:30 in Seoul: days are counted in Asia/Seoul.
        for day, title in ((datetime(2024, 5, 6, 23, 30), "청년 5월 7일"), (datetime(2024, 5, 8, 2), "청년 5월 8일"),
                           (datetime(2024, 5, 9, 16), "청년 5월 10일"), (datetime(2024, 5, 8, 3), "소식 5월 8일")):
            make_release(news, title=title, published_at=day.replace(tzinfo=timezone.utc))
    client = db_app.test_client()

    def titles(query):
        return [r[1] for r in html.board_rows(html.page(client.get(f"/board/news/?{query}")))]
    assert titles("start=2024-05-07&end=2024-05-08&field=title&q=청년") == ["청년 5월 8일", "청년 5월 7일"]
    assert titles("start=2024-05-08&end=2024-05-07") == ["소식 5월 8일", "청년 5월 8일", "청년 5월 7일"]
    assert titles("start=2024-05-10") == ["청년 5월 10일"]
    assert titles("end=2024-05-07&q=청년") == ["청년 5월 7일"]
    tree = html.page(client.get("/board/news/?start=2024-05-08&q=청년"))
    assert tree.xpath("//input[@name='start']/@value") == ["2024-05-08"]
    assert all("start=2024-05-08" in href for href in tree.xpath("//td[@class='col-title']/a/@href"))


def test_matches_are_marked_in_titles_and_body_excerpts(app, html, make_category, make_release):
    with app.app_context():
        news = make_category()
        make_release(news, title="<b>반도체</b> 클러스터", body="<p>" + "가나다 " * 40 + "용인 반도체 현장 점검</p>")
    client = app.test_client()
    tree = html.page(client.get("/board/news/?field=all&q=반도체"))
    assert html.texts(tree, "//td[@class='col-title']/a/mark") == ["반도체"]
    assert html.texts(tree, "//td[@class='col-title']/a")[0] == "<b>반도체</b> 클러스터"  # escaped, not markup
    excerpt = html.texts(tree, "//p[contains(@class,'excerpt')]")[0]
    assert excerpt.startswith("…") and "용인 반도체 현장 점검" in excerpt
    assert html.texts(tree, "//p[contains(@class,'excerpt')]/mark") == ["반도체"]
    title_only = html.page(client.get("/board/news/?field=title&q=반도체"))
    assert not title_only.xpath("//p[contains(@class,'excerpt')]")


def test_a_boards_search_offers_every_board(demo_client, html):
    tree = html.page(demo_client.get("/board/governor/?field=title&q=청년"))
    assert tree.xpath("//p[@class='search-everywhere']/a/@href") == [
        "/board/?field=title&q=%EC%B2%AD%EB%85%84"]
    everywhere = html.page(demo_client.get("/board/?field=title&q=청년"))
    assert {"보도자료", "도지사 보도자료"} <= set(html.texts(everywhere, "//td[@class='col-title']/span[@class='tag']"))


def test_neighbours_and_back_keep_the_list(demo_client, html):
    tree = html.page(demo_client.get("/board/governor/?page=2&field=title&q=경기도&start=2023-01-01"))
    href = tree.xpath("//td[@class='col-title']/a/@href")[3]
    state = "page=2&field=title&q=%EA%B2%BD%EA%B8%B0%EB%8F%84&start=2023-01-01"
    assert href.endswith("?list=governor&" + state)
    page = html.page(demo_client.get(href))
    newer = page.xpath("//a[@rel='next']/@href")[0]
    assert newer.endswith("?list=governor&" + state)
    after = html.page(demo_client.get(newer))
    assert after.xpath("//a[@class='button']/@href") == ["/board/governor/?" + state]
    canonical = after.xpath("//link[@rel='canonical']/@href")[0]
    assert "?" not in canonical and canonical.endswith(newer.split("?")[0])


def test_release_page_is_worth_sharing_and_printing(app, html, make_category, make_release):
    with app.app_context():
        news = make_category()
        plain = make_release(news, title="수소버스 보급", body="<p>평택에 수소버스 50대를 보급한다.</p>")
        pictured = make_release(news, title="사진 있는 글",
                                body='<p>본문</p><img src="/media/abc.png" alt="현장"><img src="/media/2.png" alt="둘">')
    client = app.test_client()
    tree = html.page(client.get(f"/releases/{plain.public_id}"))

    def meta(name):
        return (tree.xpath(f"//meta[@property='{name}' or @name='{name}']/@content") or [None])[0]
    permalink = f"http://localhost/releases/{plain.public_id}"
    assert meta("og:title") == "수소버스 보급" and meta("og:url") == permalink
    assert meta("og:description") == "평택에 수소버스 50대를 보급한다."
    assert meta("og:image") == "http://localhost/static/og-default.png"
    assert meta("twitter:card") == "summary"
    assert client.get("/static/og-default.png").status_code == 200
    assert tree.xpath("//button[contains(@class,'copy')]/@data-copy") == [permalink]
    assert tree.xpath("//button[@class='print-page']")
    assert tree.xpath("//link[@rel='stylesheet'][@media='print']/@href") == ["/static/print.css"]
    assert html.texts(tree, "//p[@class='print-permalink']") == [f"이 보도자료의 주소: {permalink}"]
    css = client.get("/static/print.css").get_data(as_text=True)
    assert "@media print" in css and ".site-header" in css and ".no-print" in css
    tree = html.page(client.get(f"/releases/{pictured.public_id}"))
    assert meta("og:image") == "http://localhost/media/abc.png" and meta("twitter:card") == "summary_large_image"


@pytest.mark.parametrize("body, expected", [
    ("<p>그림 없는 본문: img, &lt;img src=x&gt;</p>", None),
    ('<p>앞</p><IMG SRC="/media/upper.png"><img src="/media/2.png">', "/media/upper.png"),
    ('<p><a title=\'<img src="/media/fake.png">\' href="/x">링크</a></p>', None),
    ('<p><a title=\'<img src="/media/fake.png">\'>링크</a><img src="/media/real.png"></p>', "/media/real.png"),
    ('<img src="data:image/png;base64,AAAA"><img src="/media/later.png">', None),
    ('<img src="//elsewhere.example/x.png">', None),
    ("", None),
])
def test_the_share_image_is_the_first_picture_tag(body, expected):
    """A body with no "<img" is answered without a parse; one holding it is parsed whole, so
    "<img" inside an attribute's value is no picture, and the first real tag is the one."""
    assert first_image(body) == expected
