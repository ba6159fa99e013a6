"""A search's count up to the cap: on PostgreSQL from the index, unordered, beside the page's walk.

Whatever path answers, the count and the page must be what a plain check of every release
says: releases holding every bigram of a word but not the word, a word in another field,
drafts, scheduled and withdrawn releases, other boards and other periods are not counted.
"""
import random
import time
from datetime import timedelta

import pytest
from peewee import fn

from feedserver.db import database
from feedserver.models import Category, Release, bump_feed_state, utcnow
from feedserver.search import count, recent
from feedserver.search import index as search_index
from feedserver.websub.worker import Worker
from feedserver.search.newest import newest_counted

# Texts a release's title or body is drawn from: the word, a decoy holding each of its bigrams
# but not in order (the index's AND of bigrams finds it; it is no match), and other words.
TEXTS = ["기후위기 대응", "후위기후 문구", "청년 기본소득", "청년정책 발표",
         "G-20 회의", "g-20 후속", "AI 교육", "ai 윤리", "경기도 소식", "도민 안전"]
STATUSES = ["published"] * 8 + ["scheduled", "draft", "withdrawn"]
QUERIES = [("all", "기후위기"), ("title", "기후위기"), ("body", "기후위기"), ("all", "청년"),
           ("title", "청년"), ("all", "청년 기후위기"), ("all", "G-20"), ("all", "AI"), ("author", "경기"),
           ("all", "도"), ("all", "후위"), ("all", "없는낱말"), ("all", "드문낱말"), ("body", "드문낱말"),
           ("title", "드문낱말"), ("all", "드문낱말 기후위기")]
RARE = "드문낱말"


def _board(seed, count=300):
    rng = random.Random(seed)
    boards = [Category.create(slug=f"c{seed}{n}", name=f"게시판 {n}") for n in range(2)]
    now = utcnow()
    with database.atomic():
        for number in range(count):
            at = now - timedelta(hours=count - number, minutes=rng.randrange(600) if rng.random() < 0.2 else 0)
            if rng.random() < 0.05:
                at = now + timedelta(days=1)  # due later: not visible yet
            title, body = (" ".join(rng.sample(TEXTS, 2)) for _ in range(2))
            if number % 23 == 0:  # a rare word: the index answers it whole, in no order
                body += f" {RARE}"
            Release.create(category=rng.choice(boards), public_id=f"n{seed}x{number}", title=title,
                           author=rng.choice(["경기지기", "대변인실"]), body_html=f"<p>{body}</p>",
                           body_text=body, summary="", status=rng.choice(STATUSES), published_at=at,
                           created_at=now, updated_at=now)
        search_index.reindex(Release.select())
        bump_feed_state([b.id for b in boards])
    return boards, now


def _holds(release, field, word):
    columns = {"all": ("title", "body_text", "author"), "title": ("title",), "body": ("body_text",),
               "author": ("author",)}[field]
    return any(word.lower() in getattr(release, column).lower() for column in columns)


def _reference(category_id, field, q, now, period):
    """Every visible match, newest first, by reading every release."""
    rows = [r for r in Release.visible_in(category_id, period, now)
            if all(_holds(r, field, word) for word in q.split())]
    return [r.id for r in sorted(rows, key=lambda r: (r.published_at, r.id), reverse=True)]


@pytest.mark.parametrize("seed", range(2))
def test_the_count_and_the_page_equal_a_check_of_every_release(db_app, seed):
    with db_app.app_context():
        boards, now = _board(seed)
        periods = [(None, None), (now - timedelta(hours=120), now - timedelta(hours=20))]
        for category_id in (boards[0].id, None):
            for period in periods:
                for field, q in QUERIES:
                    every = _reference(category_id, field, q, now, period)
                    for wanted, cap in ((5, 11), (5, 400), (20, 21)):
                        found = newest_counted(category_id, field, q, wanted, cap, now=now, period=period)
                        total = len(found) if found.total is None else found.total
                        case = (category_id, period, field, q, wanted, cap)
                        assert not found.partial, case
                        assert total == min(len(every), cap), case
                        assert list(found[:wanted]) == every[:wanted], case


@pytest.mark.parametrize("seed", range(2))
def test_the_newest_releases_index_changes_no_count_and_no_page(db_app, seed):
    """PostgreSQL asks the newest releases' own GIN first (search/recent.py): a cap reached there
    settles the count, fewer send it to the whole index. Counts and pages stay exact either way."""
    with db_app.app_context():
        boards, now = _board(seed)
        moved = recent.refresh(window=60)
        if db_app.config["BACKEND"] != "postgresql":
            assert moved is None and recent.refresh(window=1) is None  # PostgreSQL only
            return
        assert moved == recent.bound() == Release.select(fn.MAX(Release.id)).scalar() - 60
        for category_id in (boards[0].id, None):
            for field, q in QUERIES:
                every = _reference(category_id, field, q, now, (None, None))
                for wanted, cap in ((5, 6), (5, 11), (5, 400)):
                    found = newest_counted(category_id, field, q, wanted, cap, now=now)
                    total = len(found) if found.total is None else found.total
                    case = (category_id, field, q, wanted, cap)
                    assert total == min(len(every), cap), case
                    assert list(found[:wanted]) == every[:wanted], case


def test_a_common_words_count_stops_in_the_newest_releases_index(db_app, monkeypatch):
    """A word the newest releases hold up to the cap is counted there: the statement bounds the
    ids with a literal the partial index's predicate follows from, and PostgreSQL's planner uses it."""
    with db_app.app_context():
        _board(5)
        if db_app.config["BACKEND"] != "postgresql":
            assert recent.refresh(window=60) is None and recent.bound() is None
            return
        database.execute_sql(f"CREATE INDEX {recent.NAME}_next ON release_search (release_id)")  # a dead build's
        bound = recent.refresh(window=60)
        asked = []
        run = database.obj.execute

        def spy(query, *args, **kwargs):
            asked.append(query.sql())
            return run(query, *args, **kwargs)

        monkeypatch.setattr(database.obj, "execute", spy)
        found = count.capped_matches(None, "all", "청년", ["청년"], 10, utcnow())
        assert len(found) == 10 and all(row[0] > bound for row in found)
        assert len(asked) == 1 and f"release_id > {bound}" in asked[0][0]
        monkeypatch.setattr(database.obj, "execute", run)
        with database.atomic():
            database.execute_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(row[0] for row in database.execute_sql("EXPLAIN " + asked[0][0], asked[0][1]))
        assert recent.NAME in plan, plan
        # Fewer matches than the cap among the newest: the whole index answers, every match counted.
        rare = count.capped_matches(None, "all", RARE, [RARE], 1000, utcnow())
        assert len(rare) == len(_reference(None, "all", RARE, utcnow(), (None, None))) > 0


def test_the_newest_releases_index_moves_on_only_when_outgrown(db_app):
    with db_app.app_context():
        _board(7, count=120)
        if db_app.config["BACKEND"] != "postgresql":
            assert recent.refresh(window=10) is None
            return
        top = Release.select(fn.MAX(Release.id)).scalar()
        assert recent.refresh(window=100) is None and recent.bound() is None  # 120 ids: too few to split
        assert recent.refresh(window=40) == top - 40
        assert recent.refresh(window=40) is None  # holds 40, not yet twice as many
        assert recent.refresh(window=15) == top - 15 == recent.read_bound(database.obj)
        # Another process moved it on: this one asks with the bound it read before, until it
        # reads the catalogue again. The planner cannot use the index then, but counts stay exact.
        recent._cached["bound"], recent._cached["read_at"] = top - 40, time.monotonic()
        for q, cap in (("청년", 5), ("청년", 1000), (RARE, 1000), ("기후위기", 7)):
            found = count.capped_matches(None, "all", q, q.split(), cap, utcnow())
            assert len(found) == min(cap, len(_reference(None, "all", q, utcnow(), (None, None)))), q
        recent.forget()
        names = [row[0] for row in database.execute_sql(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'release_search'")]
        assert sorted(names) == sorted(["release_search_pkey", "release_search_tsv", recent.NAME])


def test_migrate_and_the_worker_build_the_newest_releases_index(db_app, monkeypatch):
    """`feedserver migrate` builds it once the board outgrows twice its window; the worker's
    periodic pass moves it on as releases are added."""
    monkeypatch.setattr(recent, "WINDOW", 50)
    with db_app.app_context():
        _board(9, count=120)
        result = db_app.test_cli_runner().invoke(args=["migrate"])
        assert result.exit_code == 0, result.output
        if db_app.config["BACKEND"] != "postgresql":
            assert "검색 색인" not in result.output and recent.bound() is None
            return
        top = Release.select(fn.MAX(Release.id)).scalar()
        assert f"최근 보도자료 검색 색인: {top - 50}번 이후 보도자료" in result.output
        assert recent.bound() == top - 50
        _board(10, count=60)  # 110 past the bound: more than twice the window
        worker = Worker(db_app)
        worker._purge()
        worker.indexing.join(timeout=30)
        assert recent.bound() == Release.select(fn.MAX(Release.id)).scalar() - 50
