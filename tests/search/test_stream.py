"""SQLite's id-ordered stream of a word's matches: exactly the newest matches, whatever the ids say.

Ids follow publication almost everywhere, and the stream counts on it only for speed: a release
published later than its id says (backdated, imported, rescheduled) is still found, as are other
boards', drafts', scheduled and withdrawn releases left out. Every answer is checked against a
plain sort of every match.
"""
import random
from datetime import timedelta

import pytest

from feedserver.db import database
from feedserver.models import Category, Release, bump_feed_state, utcnow
from feedserver.search import match
from feedserver.search import newest as search_newest
from feedserver.search import index as search_index

WORD = "기후위기"
# SQLite alone has FTS5 (the app fixture).
STATUSES = ["published"] * 8 + ["scheduled", "draft", "withdrawn"]


def _board(seed, count=600, share=0.3, shuffled=0.1):
    """Releases on two boards, `share` holding WORD; `shuffled` of them published out of id order."""
    rng = random.Random(seed)
    boards = [Category.create(slug=f"b{seed}{n}", name=f"게시판 {n}") for n in range(2)]
    now, start = utcnow(), utcnow() - timedelta(days=count)
    with database.atomic():
        for number in range(count):
            at = start + timedelta(days=number, minutes=rng.randrange(60))
            if rng.random() < shuffled:  # backdated or moved later, against its id
                at = start + timedelta(days=rng.randrange(count + 5))
            title = f"{WORD} 대응 {number}" if rng.random() < share else f"경기도 소식 {number}"
            Release.create(category=rng.choice(boards), public_id=f"s{seed}x{number}", title=title,
                           author="경기지기", body_html="<p>본문</p>", body_text="본문", summary="",
                           status=rng.choice(STATUSES), published_at=at, created_at=now, updated_at=now)
        search_index.reindex(Release.select())
        bump_feed_state([b.id for b in boards])
    return boards, now


def _reference(category_id, now, wanted, period=(None, None)):
    """Every visible match, sorted newest published first: what the stream must equal."""
    rows = Release.visible_in(category_id, period, now).where(Release.title.contains(WORD))
    ordered = sorted(((r.published_at, r.id) for r in rows), reverse=True)
    return [release_id for _, release_id in ordered][:wanted]


@pytest.mark.parametrize("seed", range(6))
def test_the_stream_equals_a_sort_of_every_match(app, seed):
    with app.app_context():
        boards, now = _board(seed)
        for category_id in (boards[0].id, boards[1].id, None):
            for wanted in (1, 5, 20, 60, 500):
                got = match.fts_stream_ids(category_id, now, "title", [WORD], wanted)
                assert got == _reference(category_id, now, wanted), (category_id, wanted)


def test_a_release_published_out_of_id_order_is_merged_in(app):
    """The newest release has the lowest id: the stream never reaches it, the check finds it."""
    with app.app_context():
        boards, now = _board(7, share=1.0, shuffled=0.0)
        oldest = Release.select().where(Release.category == boards[0].id,
                                        Release.status == "published").order_by(Release.id).first()
        Release.update(published_at=now - timedelta(minutes=1)).where(Release.id == oldest.id).execute()
        got = match.fts_stream_ids(boards[0].id, now, "title", [WORD], 10)
        assert got[0] == oldest.id and got == _reference(boards[0].id, now, 10)


def test_too_many_out_of_order_releases_leave_the_answer_to_the_time_index(app, monkeypatch):
    with app.app_context():
        boards, now = _board(8, share=1.0, shuffled=0.5)
        # Read further, the stream settles even a board this shuffled...
        assert match.fts_stream_ids(boards[0].id, now, "title", [WORD], 10) == _reference(boards[0].id, now, 10)
        # ...but past its reading limit it leaves the answer to one walk of the time index.
        monkeypatch.setattr(match, "OUT_OF_ORDER_MAX", 2)
        monkeypatch.setattr(match, "STREAM_MAX", 1)
        assert match.fts_stream_ids(boards[0].id, now, "title", [WORD], 10) is None
        got = search_newest.newest_ids(boards[0].id, "title", WORD, 10, now=now)
        assert list(got) == _reference(boards[0].id, now, 10)


@pytest.mark.parametrize("seed", range(3))
def test_board_searches_through_the_stream_answer_as_a_sort_would(app, seed):
    """newest_ids() on a word too rare for the sample: the stream answers, within periods too."""
    with app.app_context():
        boards, now = _board(10 + seed, share=0.05)
        period = (now - timedelta(days=300), now - timedelta(days=30))
        for category_id in (boards[0].id, None):
            for wanted in (3, 11, 40):
                for within in ((None, None), period):
                    got = search_newest.newest_ids(category_id, "title", WORD, wanted, now=now, period=within)
                    assert list(got) == _reference(category_id, now, wanted, within)
