"""The board: lists, numbering, navigation, search, release pages and bad input."""
import threading
from datetime import datetime, timedelta, timezone

import pytest

from feedserver import dates
from feedserver.models import Attachment, Release, utcnow

SEED_LIST = [
    ("811", "김동연, 전해철 위원장과 제2기 도정자문위원회 출범. 첫 회의 열어", "2024.09.26", "14462"),
    ("810", "김동연, “추석 때 아프지 말자 덕담하는 현실 참담. 정부가 결자해지해야”", "2024.09.15", "15332"),
    ("809", "경기도, 남양주·양주시에 ‘혁신형 공공의료원’ 설립…동북부 의료격차 해소 기대", "2024.09.13", "19507"),
    ("808", "김동연 지사, 광역단체장 직무수행 긍정평가 2달 연속 1위. 유일하게 60% 넘어", "2024.09.13", "17289"),
    ("807", "경기북부 대개조 프로젝트 선제적 추진 기자회견", "2024.09.11", "17881"),
    ("806", "경기도 중재로 시내버스 노·사 타결. ‘총파업 철회’ . 김동연 “도민 위해 양보와 협력으로 좋은 결정해주신 노사 양측에 감사”", "2024.09.04", "18028"),
    ("805", "김동연 경기도지사, 의료현장 방문. 응급실 의사 부족으로 어려움 겪는 아주대 병원에 10억 원 긴급 지원", "2024.08.30", "17842"),
    ("804", "김동연 지사, “기후위기 대응, 산업 지도와 인류의 문명을 바꿀 전환점이 될 것”", "2024.08.30", "17342"),
    ("803", "(대변인 브리핑) 김동연 경기도지사, 이종찬 광복회장 예방. 경기도 독립기념관(도립) 건립 사업 추진 뜻 밝혀", "2024.08.29", "17011"),
]
SEED_TITLE = "(해외방문) 김동연 지사, 엔비디아에 “경기도 AI데이터센터 구축 추진” 협력 제안"


def nav_labels(tree):
    """Return the pagination as (label, enabled, current) tuples."""
    out = []
    for li in tree.xpath("//nav[@class='pagination']//li"):
        out.append((" ".join(li.text_content().split()).replace("현재 페이지 ", ""),
                    bool(li.xpath("a")), "current" in li.get("class", "")))
    return out


def test_root_redirects_to_board(demo_client):
    response = demo_client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/board/")


def test_first_page_shows_total_and_newest_number(demo_client, html):
    tree = html.page(demo_client.get("/board/governor/"))
    assert html.texts(tree, "//p[@class='board-total']/strong") == ["937"]
    rows = html.board_rows(tree)
    assert len(rows) == 10
    assert [r[0] for r in rows] == [str(n) for n in range(937, 927, -1)]
    assert tree.xpath("//table/caption") and tree.xpath("//th[@scope='col']")


def test_seed_list_items_keep_number_title_date_and_views(demo_client, html):
    # 811..803 sit at rows 127-135 counted from the newest: pages 13 and 14.
    rows = html.board_rows(html.page(demo_client.get("/board/governor/?page=13")))
    rows += html.board_rows(html.page(demo_client.get("/board/governor/?page=14")))
    by_number = {r[0]: r for r in rows}
    for number, title, date, views in SEED_LIST:
        assert by_number[number][1:] == (title, "경기지기", date, views)


def test_last_page_ends_at_one_and_one_past_goes_to_the_last(demo_client, html):
    rows = html.board_rows(html.page(demo_client.get("/board/governor/?page=94")))
    assert rows[-1][0] == "1" and rows[0][0] == "7"
    for past in (95, 99999):
        response = demo_client.get(f"/board/governor/?page={past}")
        assert response.status_code == 302 and response.headers["Location"] == "/board/governor/?page=94"


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "1e3", "99999999999999999999", "", "%EC%9D%BC"])
def test_a_page_that_is_no_number_goes_to_the_first(demo_client, raw):
    response = demo_client.get(f"/board/governor/?page={raw}&field=title&q=경기도")
    assert response.status_code == 302
    assert response.headers["Location"] == "/board/governor/?field=title&q=%EA%B2%BD%EA%B8%B0%EB%8F%84"
    assert "public" in response.headers["Cache-Control"] and "Set-Cookie" not in response.headers


@pytest.mark.parametrize("number, expected", [
    (1, [("처음", False, False), ("이전", False, False)] + [(str(n), True, n == 1) for n in range(1, 11)]
     + [("다음", True, False), ("마지막", True, False)]),
    (10, [("처음", True, False), ("이전", False, False)] + [(str(n), True, n == 10) for n in range(1, 11)]
     + [("다음", True, False), ("마지막", True, False)]),
    (11, [("처음", True, False), ("이전", True, False)] + [(str(n), True, n == 11) for n in range(11, 21)]
     + [("다음", True, False), ("마지막", True, False)]),
    (94, [("처음", True, False), ("이전", True, False)] + [(str(n), True, n == 94) for n in range(91, 95)]
     + [("다음", False, False), ("마지막", False, False)]),
])
def test_navigation_blocks(demo_client, number, expected, html):
    tree = html.page(demo_client.get(f"/board/governor/?page={number}"))
    assert nav_labels(tree) == expected
    links = {a.text_content().strip(): a.get("href") for a in tree.xpath("//nav[@class='pagination']//a")}
    if number == 11:
        assert links["이전"].endswith("page=10") and links["다음"].endswith("page=21")
        assert links["처음"] == "/board/governor/"
    rel_prev = tree.xpath("//link[@rel='prev']/@href")
    rel_next = tree.xpath("//link[@rel='next']/@href")
    assert bool(rel_prev) == (number > 1) and bool(rel_next) == (number < 94)


@pytest.fixture
def search_all(html):
    """Follow a search page by page to its end; return all rows, and each page's total line."""
    def search_all(client, url):
        rows, lines, number = [], [], 1
        while True:
            response = client.get(f"{url}&page={number}")
            if response.status_code == 302:  # one past the last page: sent back to it
                assert f"page={number - 1}&" in response.headers["Location"]
                return rows, lines
            tree = html.page(response)
            hrefs = tree.xpath("//nav[@class='pagination']//li[contains(@class,'num')]/a/@href")
            assert all("q=" in href and "field=" in href for href in hrefs)  # the search stays on
            rows += html.board_rows(tree)
            lines.append(" ".join(tree.xpath("string(//p[@class='board-total'])").split()))
            number += 1
    return search_all


@pytest.mark.parametrize("field, q", [("title", "청년"), ("all", "경기도"), ("body", "경기도는"),
                                     ("author", "대변인실")])
def test_search_finds_across_pages(demo_app, field, q, search_all):
    client = demo_app.test_client()
    rows, lines = search_all(client, f"/board/?field={field}&q={q}")
    with demo_app.app_context():
        column = {"title": "title", "body": "body_text", "author": "author"}.get(field)
        files = {}  # 내용 and 전체 also search the text of the demo's attached files
        for file in Attachment.select():
            files[file.release_id] = files.get(file.release_id, "") + file.text
        expected = [r for r in Release.visible()
                    if q in (getattr(r, column) if column else r.title + r.body_text + r.author)
                    or (field in ("body", "all") and q in files.get(r.id, ""))]
    from feedserver.search.query import SEARCH_CAP
    total = min(len(expected), SEARCH_CAP)
    assert len(rows) == total > 10
    assert [int(r[0]) for r in rows] == list(range(total, 0, -1))  # counting down, like the board
    mismatch = [(i, row[1], r.title) for i, (row, r) in enumerate(zip(rows, expected)) if not row[1].endswith(r.title)]
    assert not mismatch, (len(expected), mismatch[:3])
    # An exact count from the first page on, up to the cap; past it "1,000건 이상" on every page.
    pages = (total + 9) // 10
    for number, line in enumerate(lines, 1):
        if len(expected) > SEARCH_CAP:
            assert line == f"검색 결과 {SEARCH_CAP:,}건 이상 · {number}/{pages}쪽"
        else:
            assert line == f"검색 결과 {total:,}건 · {number}/{pages}쪽"
    if field == "title":
        assert all(q in r[1] for r in rows)
    if field == "author":
        assert all(r[2] == q for r in rows)


def test_search_for_word_inside_longer_word(demo_client, html):
    tree = html.page(demo_client.get("/board/governor/?field=body&q=경기도"))
    total = int(html.texts(tree, "//p[@class='board-total']/strong")[0].replace(",", ""))
    plain = html.page(demo_client.get("/board/governor/?field=body&q=경기도는"))
    narrower = int(html.texts(plain, "//p[@class='board-total']/strong")[0].replace(",", ""))
    assert total >= narrower > 0


def test_seed_release_page(demo_app, html):
    client = demo_app.test_client()
    with demo_app.app_context():
        release = Release.get(Release.title == SEED_TITLE)
    tree = html.page(client.get(f"/releases/{release.public_id}"))
    assert html.texts(tree, "//h1") == [SEED_TITLE]
    assert html.texts(tree, "//dd[@class='author']") == ["경기지기"]
    assert "2024-05-07 08:46" in html.texts(tree, "//dl[@class='release-meta']//time")
    assert tree.xpath("//dl//time/@datetime") == ["2024-05-07T08:46:00+09:00"]
    assert html.texts(tree, "//dd[@class='views']") == ["9669"]  # 9668 plus this view
    body = html.texts(tree, "//div[@class='release-body']")[0]
    assert body.startswith("국제교류협력 강화와 해외투자 유치를 위해") and body.endswith("경기도 투자를 독려했다.")
    assert "시연용" not in body
    assert html.texts(tree, "//a[@class='button']") == ["목록보기"]


def test_back_to_list_returns_to_page_and_search(demo_client, html):
    tree = html.page(demo_client.get("/board/governor/?page=2&field=title&q=경기도"))
    href = tree.xpath("//td[@class='col-title']/a/@href")[0]
    back = html.page(demo_client.get(href)).xpath("//a[@class='button']/@href")[0]
    assert back == "/board/governor/?page=2&field=title&q=%EA%B2%BD%EA%B8%B0%EB%8F%84"
    release_url = href.split("?")[0]
    assert html.page(demo_client.get(release_url)).xpath("//a[@class='button']/@href")[0] == "/board/governor/"
    assert html.page(demo_client.get(release_url + "?list=all")).xpath("//a[@class='button']/@href")[0] == "/board/"


def test_synthetic_release_is_marked_as_sample(demo_client, html):
    href = html.page(demo_client.get("/board/governor/")).xpath("//td[@class='col-title']/a/@href")[0]
    assert "시연용 예시 데이터" in demo_client.get(href).get_data(as_text=True)


def test_neighbours_and_attachments(demo_app, html):
    client = demo_app.test_client()
    with demo_app.app_context():
        with_files = [r for r in Release.visible() if r.attachments.count()]
    release = with_files[0]
    tree = html.page(client.get(f"/releases/{release.public_id}"))
    links = tree.xpath("//section[@class='attachments']//a")
    assert links and all(a.get("href").startswith(f"/releases/{release.public_id}/files/") for a in links)
    download = client.get(links[0].get("href"))
    assert download.status_code == 200 and download.headers["X-Content-Type-Options"] == "nosniff"
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]
    assert int(download.headers["Content-Length"]) == len(download.data) > 0
    assert tree.xpath("//nav[@class='release-nav']//a[@rel='next']") or tree.xpath("//a[@rel='prev']")


@pytest.mark.parametrize("url, status", [
    ("/board/governor/?start=2024-13-01", 400), ("/board/governor/?end=yesterday", 400),
    ("/board/governor/?start=0001-01-01", 400), ("/board/nope/", 404), ("/releases/doesnotexist", 404), ("/releases/x/files/1", 404),
    ("/board/?q=" + "가" * 101, 400), ("/board/?field=nope&q=a", 400), ("/board/?q=%01a", 400),
    ("/nothing-here", 404), ("/releases/x/files/99999999999999999999", 404),
])
def test_bad_input_gets_a_korean_answer(demo_client, url, status, html):
    response = demo_client.get(url)
    assert response.status_code == status
    tree = html.page(response)
    assert tree.get("lang") == "ko" and tree.xpath("//h1")


def test_withdrawn_is_410_and_unpublished_is_404(app, html, make_category, make_release):
    client = app.test_client()
    with app.app_context():
        cat = make_category()
        withdrawn = make_release(cat, status="withdrawn")
        draft = make_release(cat, status="draft")
        future = make_release(cat, status="scheduled", published_at=utcnow() + timedelta(hours=1))
        visible = make_release(cat, title="보이는 글")
    gone = client.get(f"/releases/{withdrawn.public_id}")
    assert gone.status_code == 410
    assert gone.headers["Cache-Control"] == "no-cache"  # 다시 게시 may bring it back: browsers ask again
    assert "철회" in client.get(f"/releases/{withdrawn.public_id}").get_data(as_text=True)
    assert client.get(f"/releases/{draft.public_id}").status_code == 404
    assert client.get(f"/releases/{future.public_id}").status_code == 404
    assert client.get(f"/releases/{visible.public_id}").status_code == 200
    rows = html.board_rows(html.page(client.get("/board/news/")))
    assert [(r[0], r[1], r[4]) for r in rows] == [("1", "보이는 글", "1")]


def test_empty_category_page_one_is_200(app, make_category):
    with app.app_context():
        make_category()
    response = app.test_client().get("/board/news/")
    assert response.status_code == 200 and "등록된 보도자료가 없습니다" in response.get_data(as_text=True)


def test_time_at_1630_utc_shows_next_day_in_seoul(app, html, make_category, make_release):
    at = datetime(2024, 5, 6, 16, 30, tzinfo=timezone.utc)
    assert dates.list_date(at) == "2024.05.07"
    assert dates.detail_datetime(at) == "2024-05-07 01:30"
    with app.app_context():
        cat = make_category()
        make_release(cat, published_at=at)
    rows = html.board_rows(html.page(app.test_client().get("/board/news/")))
    assert rows[0][3] == "2024.05.07"


def test_concurrent_views_are_all_counted(db_app, make_category, make_release):
    """32 readers at once count 32; 32 reloads of one reader at once count once (issue 16)."""
    with db_app.app_context():
        cat = make_category()
        release = make_release(cat)
    statuses = []

    def view(address):
        client = db_app.test_client()
        statuses.append(client.get(f"/releases/{release.public_id}",
                                   environ_base={"REMOTE_ADDR": address}).status_code)

    threads = [threading.Thread(target=view, args=(f"10.0.0.{n}",)) for n in range(32)]
    threads += [threading.Thread(target=view, args=("10.0.1.1",)) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 64
    with db_app.app_context():
        assert Release.get_by_id(release.id).view_count == 33


def test_demo_board_on_every_backend(db_app, tmp_path, html):
    from feedserver.publishing.demo import seed_demo
    with db_app.app_context():
        seed_demo(attachment_dir=str(tmp_path / "attachments"))
    client = db_app.test_client()
    tree = html.page(client.get("/board/governor/"))
    assert html.texts(tree, "//p[@class='board-total']/strong") == ["937"]
    assert html.board_rows(tree)[0][0] == "937"
    rows = html.board_rows(html.page(client.get("/board/governor/?page=13")))
    assert ("811", SEED_LIST[0][1], "경기지기", "2024.09.26", "14462") in rows
    tree = html.page(client.get("/board/governor/?field=title&q=청년"))
    assert int(html.texts(tree, "//p[@class='board-total']/strong")[0]) > 10


def test_head_does_not_count_a_view(app, make_category, make_release):
    with app.app_context():
        release = make_release(make_category())
    client = app.test_client()
    assert client.head(f"/releases/{release.public_id}").status_code == 200
    with app.app_context():
        assert Release.get_by_id(release.id).view_count == 0


@pytest.mark.parametrize("windows", [(4, 40, 400, None), (None,)], ids=["index-for-rare", "walk-all"])
def test_search_uses_the_bigram_index_on_every_backend(db_app, monkeypatch, windows, html, make_category,
                                                       make_release):
    from feedserver.search import newest as search_newest
    monkeypatch.setattr(search_newest, "WINDOWS", windows)  # (None,): read the whole board, no index
    with db_app.app_context():
        cat = make_category()
        make_release(cat, title="경기도는 청년 주거를 돕는다", body="<p>기후위기 대응</p>")
        make_release(cat, title="경기 도민 소식", body="<p>청 년 따로</p>", author="대변인실")
        make_release(cat, title="NVIDIA와 협력", body="<p>AI데이터센터 구축</p>")
    client = db_app.test_client()

    def titles(url):
        return [r[1] for r in html.board_rows(html.page(client.get(url)))]
    assert titles("/board/news/?field=title&q=경기도") == ["경기도는 청년 주거를 돕는다"]
    assert titles("/board/news/?field=all&q=청년") == ["경기도는 청년 주거를 돕는다"]
    assert titles("/board/news/?field=body&q=기후위기") == ["경기도는 청년 주거를 돕는다"]
    assert titles("/board/news/?field=all&q=nvidia 데이터") == ["NVIDIA와 협력"]
    assert titles("/board/news/?field=author&q=대변인") == ["경기 도민 소식"]
    assert titles("/board/news/?field=title&q=도민 경기") == ["경기 도민 소식"]
    assert titles("/board/news/?field=title&q=도") == ["경기 도민 소식", "경기도는 청년 주거를 돕는다"]  # LIKE
    assert titles("/board/news/?field=body&q=경기도") == []


def test_edits_and_deletes_reach_the_search_index(staff_db_app, html, staff):
    app, client = staff_db_app, staff_db_app.test_client()
    headers = staff.bearer(app, "admin")

    def titles(q):
        return [r[1] for r in html.board_rows(html.page(client.get(f"/board/press/?field=all&q={q}")))]
    created = client.post("/api/v1/releases", headers=headers, json={
        "title": "반도체클러스터 착공", "category": "press", "body": "<p>용인 현장</p>", "status": "published"})
    assert created.status_code == 201
    release_id = created.get_json()["id"]
    assert titles("클러스터") == ["반도체클러스터 착공"]
    client.patch(f"/api/v1/releases/{release_id}", headers=headers,
                 json={"title": "수소버스 보급", "body": "<p>평택 현장</p>"})
    assert titles("클러스터") == [] and titles("수소버스") == ["수소버스 보급"] and titles("평택") == ["수소버스 보급"]
    assert client.delete(f"/api/v1/releases/{release_id}", headers=headers).status_code in (200, 204)
    assert titles("수소버스") == []


def test_kept_pages_show_fresh_counts_and_follow_every_write(app, html, make_category, make_release):
    from feedserver.models import bump_feed_state
    with app.app_context():
        cat = make_category()
        first = make_release(cat, title="첫 글")
    client = app.test_client()
    assert html.board_rows(html.page(client.get("/board/news/")))[0][4] == "0"
    for expected, address in (("1", "10.0.0.1"), ("2", "10.0.0.2")):  # two readers
        tree = html.page(client.get(f"/releases/{first.public_id}", environ_base={"REMOTE_ADDR": address}))
        assert html.texts(tree, "//dd[@class='views']") == [expected]
    assert html.board_rows(html.page(client.get("/board/news/")))[0][4] == "2"  # kept page, fresh count
    with app.app_context():
        make_release(cat, title="둘째 글")
    assert [r[1] for r in html.board_rows(html.page(client.get("/board/news/")))] == ["둘째 글", "첫 글"]
    with app.app_context():
        Release.update(status="withdrawn").where(Release.id == first.id).execute()
        bump_feed_state([cat.id])
    assert client.get(f"/releases/{first.public_id}").status_code == 410
    assert [r[1] for r in html.board_rows(html.page(client.get("/board/news/")))] == ["둘째 글"]


def test_neighbours_follow_time_then_id_on_every_backend(db_app, html, make_category, make_release):
    from datetime import datetime, timezone
    at = datetime(2024, 5, 6, 23, 46, tzinfo=timezone.utc)
    with db_app.app_context():
        cat = make_category()
        older = make_release(cat, title="이전", published_at=at - timedelta(hours=1))
        first = make_release(cat, title="같은 시각 1", published_at=at)
        second = make_release(cat, title="같은 시각 2", published_at=at)
        newer = make_release(cat, title="다음", published_at=at + timedelta(hours=1))
    client = db_app.test_client()

    def around(release):
        tree = html.page(client.get(f"/releases/{release.public_id}"))
        return (html.texts(tree, "//a[@rel='next']") or [None])[0], (html.texts(tree, "//a[@rel='prev']") or [None])[0]
    assert around(first) == ("같은 시각 2", "이전")
    assert around(second) == ("다음", "같은 시각 1")
    assert around(older) == ("같은 시각 1", None) and around(newer) == (None, "같은 시각 2")


def test_search_cap_counts_matches_in_the_board_searched(db_app, monkeypatch, html, make_category, make_release):
    from datetime import timedelta

    from feedserver.models import utcnow
    from feedserver.web import board
    monkeypatch.setattr(board, "SEARCH_CAP", 3)
    with db_app.app_context():
        ours, other = make_category(), make_category(slug="other", name="다른 게시판")
        start = utcnow() - timedelta(days=1)
        for i in range(4):
            make_release(ours, title=f"청년 정책 {i}", published_at=start + timedelta(minutes=i))
        for i in range(5):  # newer matches elsewhere must not use up this board's cap
            make_release(other, title=f"청년 소식 {i}", published_at=start + timedelta(hours=1, minutes=i))
    tree = html.page(db_app.test_client().get("/board/news/?field=title&q=청년"))
    assert [r[1] for r in html.board_rows(tree)] == ["청년 정책 3", "청년 정책 2", "청년 정책 1"]
    assert html.texts(tree, "//p[@class='board-total']/strong") == ["3"]
    assert html.texts(tree, "//p[@class='search-cap']")


@pytest.mark.parametrize("windows", [(4, 40, 400, None), (1, 1, 1, None), (None,)])
def test_search_takes_the_newest_published_whatever_the_ids(db_app, monkeypatch, windows, make_category,
                                                            make_release):
    from datetime import timedelta

    from feedserver.models import utcnow
    from feedserver.search import newest as search
    monkeypatch.setattr(search, "WINDOWS", windows)
    with db_app.app_context():
        news = make_category()
        start = utcnow() - timedelta(days=1)
        # Imported newest first: ids run against publication time.
        made = [make_release(news, title=f"청년 {i}", published_at=start - timedelta(hours=i)) for i in range(6)]
        make_release(news, title="다른 소식", published_at=start + timedelta(hours=1))
        got = search.newest_ids(news.id, "title", "청년", 3)
        assert got == [r.id for r in made[:3]]
        assert search.newest_ids(None, "title", "청년", 3) == got
        assert search.newest_ids(news.id, "title", "청년 정책", 3) == []


@pytest.mark.parametrize("deep", [1, 1000])
def test_deep_pages_start_from_their_first_key(db_app, monkeypatch, deep, html, make_category, make_release):
    from datetime import timedelta

    from feedserver.models import newest_first_page, releases, utcnow
    monkeypatch.setattr(releases, "DEEP_OFFSET", deep)
    with db_app.app_context():
        news = make_category()
        start = utcnow() - timedelta(days=2)
        # Ties in publication time: the id breaks them, in both directions.
        for i in range(37):
            make_release(news, title=f"소식 {i}", published_at=start + timedelta(minutes=i // 3))
        expected = [r.id for r in Release.visible().order_by(Release.published_at.desc(), Release.id.desc())]
        pages = [[r.id for r in newest_first_page(Release.visible(), offset, 5, len(expected))]
                 for offset in range(0, len(expected), 5)]
        assert [i for page in pages for i in page] == expected
