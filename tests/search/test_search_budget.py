"""The search time budget: a search that would read the whole board answers in time, with what
it found and a notice, on every backend; the connection it ran on stays usable."""
import time
from datetime import timedelta

import pytest

from feedserver.db import database, is_mysql, is_postgres
from feedserver.models import (
    PUBLIC_ID_ALPHABET,
    Category,
    Release,
    bump_feed_state,
    utcnow,
)
from feedserver.search import index as search_index
from feedserver.search import newest as search_newest

# Releases on the board: enough that reading all of them takes far longer than the budget.
BOARD = 6000
TINY_BUDGET_MS = 3
OLDEST_ONLY = "§"        # no letter, so no index: found only by reading the board to its end
OLD_WORD = "도롱뇽"        # indexed, but common in old releases only: the windows widen to the end
OLD_WORD_RELEASES = 150   # more than a first page wants, so the index does not call it rare
NOTICE = "검색 시간이 길어 최근 글 일부에서 찾은 결과만 보여 줍니다."
PARAGRAPH = ("경기도는 청년 기본소득과 공공의료 확충을 위해 관계 기관과 협력 체계를 마련하고 세부 계획을 "
             "확정했다고 밝혔다. 이번 사업은 도민 삶의 질을 높이고 지역 간 격차를 줄이기 위한 것이다. ")


def _row(category, number, at, title):
    body = PARAGRAPH * 12  # about 1,500 letters, as a real release
    return {"public_id": "".join(PUBLIC_ID_ALPHABET[(number >> (5 * i)) & 31] for i in range(12)),
            "category": category, "title": title, "author": "경기지기", "body_html": f"<p>{body}</p>",
            "body_text": body, "summary": body[:150], "status": "published", "published_at": at,
            "created_at": at, "updated_at": at, "revision": 1, "view_count": 0}


def _title(number):
    if number == 0:
        return f"{OLDEST_ONLY} 가장 오래된 보도자료"
    if number < OLD_WORD_RELEASES:
        return f"{OLD_WORD} 서식지 조사 {number}"
    return f"경기도 소식 {number}"


def fill_board(count=BOARD):
    """Insert `count` releases, oldest first, in bulk; index only those the index must find."""
    category = Category.create(slug="news", name="소식")
    start = utcnow() - timedelta(minutes=count + 10)
    rows = [_row(category.id, n, start + timedelta(minutes=n), _title(n)) for n in range(count)]
    with database.atomic():
        _insert_many(rows)
        # Newer releases hold neither word: the index needs only the old ones to find them.
        search_index.reindex(Release.select().where(Release.id <= OLD_WORD_RELEASES + 10))
        bump_feed_state([category.id])
    database.execute_sql("ANALYZE TABLE `release`, release_search" if is_mysql() else "ANALYZE")


def _insert_many(rows):
    """Insert uniform Release rows with one executemany: peewee would build SQL per batch."""
    # peewee writes every column that has a default: name them all, so the SQL fits each row.
    defaults = {name: field.default() if callable(field.default) else field.default
                for name, field in Release._meta.fields.items()
                if field.default is not None and name not in rows[0]}
    rows = [{**row, **defaults} for row in rows]
    fields = [Release._meta.fields[name] for name in rows[0]]
    sql, _ = Release.insert_many([tuple(rows[0].values())], fields=fields).sql()
    database.cursor().executemany(sql, [tuple(f.db_value(row[f.name]) for f in fields) for row in rows])


@pytest.fixture
def board_app(db_app):
    """db_app with a board of BOARD releases."""
    with db_app.app_context():
        fill_board()
    return db_app


def timed_get(client, url):
    started = time.perf_counter()
    response = client.get(url)
    return response, time.perf_counter() - started


@pytest.fixture
def notice(html):
    def notice(tree):
        return html.texts(tree, "//p[@class='search-partial']")
    return notice


@pytest.fixture
def titles(html):
    def titles(response):
        return [row[1] for row in html.board_rows(html.page(response))]
    return titles


@pytest.mark.alone  # compares a 3 ms budget's search with a whole one: measured with the CPU to itself
def test_searches_past_their_budget_answer_in_time_and_say_so(board_app, html, notice, titles):
    client = board_app.test_client()
    assert len(titles(client.get("/board/news/"))) == 10  # templates compiled before timing
    # The sign only the oldest release holds, which no index finds: the board is read; the word
    # only the oldest 150 hold, which every database's index may answer in time (it is rare).
    queries = {OLDEST_ONLY: [_title(0)], OLD_WORD: [_title(n) for n in range(149, 139, -1)]}
    for q, expected in queries.items():
        board_app.config["SEARCH_TIME_BUDGET_MS"] = TINY_BUDGET_MS
        cut, cut_time = timed_get(client, f"/board/news/?field=all&q={q}")
        assert cut.status_code == 200
        if not notice(html.page(cut)):  # the index may find the rare word in time
            assert q == OLD_WORD and titles(cut) == expected
            continue
        assert notice(html.page(cut))[0].startswith(NOTICE)
        assert "일부만 검색" in html.texts(html.page(cut), "//p[@class='board-total']")[0]
        # The same connection (one thread: the same SQLite connection, the one pooled
        # connection elsewhere) then runs the whole search, unhurried, to its end.
        board_app.config["SEARCH_TIME_BUDGET_MS"] = 0
        # Another URL of the same list (page=1 said outright): the cut page is kept under the first.
        full, full_time = timed_get(client, f"/board/news/?field=all&q={q}&page=1")
        assert full.status_code == 200 and not notice(html.page(full)) and titles(full) == expected
        if q == OLDEST_ONLY:  # the word's whole search reads a third as much: too close to time
            assert cut_time * 3 < full_time, (cut_time, full_time)
    # A common letter within the default budget. A letter is an index lookup now ("qq" + letter):
    # SQLite finds it through the index, which on this board holds only the oldest
    # OLD_WORD_RELEASES + 10 releases; PostgreSQL and MariaDB read the newest releases' rows first
    # and count to the cap there.
    board_app.config["SEARCH_TIME_BUDGET_MS"] = 500
    tree = html.page(client.get("/board/news/?field=all&q=도"))
    assert not notice(tree) and len(html.board_rows(tree)) == 10
    expected = str(OLD_WORD_RELEASES + 10) if board_app.config["BACKEND"] == "sqlite" else "1,000"
    assert html.texts(tree, "//p[@class='board-total']/strong") == [expected]


def test_a_cut_search_asked_for_a_page_past_what_it_found_answers(board_app, html, notice):
    """A reader on page 50 of a search the budget cut short: the page says so, not a 500."""
    client = board_app.test_client()
    assert len(html.board_rows(html.page(client.get("/board/news/")))) == 10
    board_app.config["SEARCH_TIME_BUDGET_MS"] = TINY_BUDGET_MS
    response = client.get(f"/board/news/?field=all&q={OLDEST_ONLY}&page=50")
    assert response.status_code == 200
    tree = html.page(response)
    assert notice(tree)[0].startswith(NOTICE) and html.board_rows(tree) == []


@pytest.mark.alone  # compares a cut statement's time with a whole one's
def test_one_statement_is_stopped_inside_the_database(board_app, monkeypatch):
    # One window, the whole board: one statement, no step between two for Python to check.
    monkeypatch.setattr(search_newest, "WINDOWS", (None,))
    with board_app.app_context():
        board_app.config["SEARCH_TIME_BUDGET_MS"] = TINY_BUDGET_MS
        connection = database.connection()
        started = time.perf_counter()
        cut = search_newest.newest_ids(None, "all", OLDEST_ONLY, 101)
        cut_time = time.perf_counter() - started
        assert cut == [] and cut.partial
        assert database.connection() is connection and not database.in_transaction()
        assert_no_limit_left(connection)
        with database.atomic():  # inside a caller's transaction, which goes on afterwards
            assert search_newest.newest_ids(None, "all", OLDEST_ONLY, 101).partial
            assert Release.select().count() == BOARD
            assert_no_limit_left(connection)
        board_app.config["SEARCH_TIME_BUDGET_MS"] = 0
        started = time.perf_counter()
        full = search_newest.newest_ids(None, "all", OLDEST_ONLY, 101)
        full_time = time.perf_counter() - started
        assert len(full) == 1 and not full.partial
        assert cut_time * 3 < full_time, (cut_time, full_time)


def assert_no_limit_left(connection):
    """The budget's setting is gone from the connection (SQLite: the full search below shows it)."""
    if is_postgres():
        assert database.execute_sql("SHOW statement_timeout").fetchone()[0] == "0"
    if is_mysql():
        assert database.execute_sql("SELECT @@SESSION.max_statement_time").fetchone()[0] == 0


def test_cut_search_feeds_and_later_pages_answer(board_app, html, notice):
    client = board_app.test_client()
    board_app.config["SEARCH_TIME_BUDGET_MS"] = TINY_BUDGET_MS
    cut = client.get(f"/feeds/search.json?field=all&q={OLDEST_ONLY}")
    assert cut.status_code == 200 and cut.get_json()["items"] == []
    # Page 3 of a search that found nothing in time: the notice, not "no such page".
    later = client.get(f"/board/?field=all&q={OLDEST_ONLY}&page=3")
    assert later.status_code == 200 and notice(html.page(later))
    board_app.config["SEARCH_TIME_BUDGET_MS"] = 0
    full = client.get(f"/feeds/search.json?field=all&q={OLDEST_ONLY}&limit=10")
    assert [item["title"] for item in full.get_json()["items"]] == [_title(0)]


@pytest.mark.backends("postgresql")
def test_a_search_runs_without_parallel_workers_and_leaves_the_setting_behind(backend, tmp_path, databases):
    """Starting parallel workers cost 15 ms of a 1 ms statement for a word the planner's statistics
    lacked ('뷁' at a million releases): a search's statements plan for one process."""
    from feedserver.search.budget import within_budget

    def setting():
        return database.execute_sql("SHOW max_parallel_workers_per_gather").fetchone()[0]

    def search():
        seen = [setting()]
        yield []
        seen.append(setting())
        return seen

    app = databases.build_app(tmp_path, databases.fresh_url(backend, tmp_path))
    with app.app_context():
        default = setting()
        assert default != "0"
        assert within_budget(search(), 500) == ["0", "0"]
        assert setting() == default
        with database.atomic():  # inside a caller's transaction, which goes on afterwards
            assert within_budget(search(), 500) == ["0", "0"]
            assert setting() == default
