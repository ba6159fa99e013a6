"""One-letter words are in the index too ("qq" + letter): a lookup, not a scan of the board."""
from feedserver.search.index import grams, word_tokens
from feedserver.search.match import match_ids, query_words


def test_every_letter_is_a_token_once_after_the_bigrams():
    assert grams("경기도 경기") == "z경기 z기도 z경기 qq경 qq기 qq도"
    assert word_tokens("도") == ["qq도"] and word_tokens("경기도") == ["z경기", "z기도"]
    assert query_words("도 경기") == ["도", "경기"] and query_words("!!") is None


def test_a_letter_is_found_through_the_index_on_every_database(db_app, make_category, make_release):
    with db_app.app_context():
        news = make_category()
        rare = make_release(news, title="뷁 한 글자")
        make_release(news, title="두 글자 이상")
        # A letter inside a word is found; one that is nowhere finds nothing.
        assert match_ids("all", ["뷁"], 10) == [rare.id]
        assert match_ids("title", ["한"], 10) == [rare.id]
        assert match_ids("all", ["햏"], 10) == []
        assert len(match_ids("title", ["글"], 10)) == 2


def test_migration_0020_indexes_the_letters_of_releases_indexed_before(db_app, tmp_path, databases):
    from peewee import Table

    from feedserver.db import database
    from feedserver.models import Release, utcnow
    app, runner = databases.app_at_migration(db_app.config["BACKEND"], tmp_path, "0019_pg_change_notify")
    with app.app_context():
        db = database.obj
        stamp = Release.updated_at.db_value(utcnow())
        Table("category").bind(db).insert(slug="press", name="보도자료", description="", sort_order=0).execute()
        Table("release").bind(db).insert(
            public_id="old", category_id=1, title="뷁 옛 보도자료", author="a", body_html="", body_text="",
            summary="", status="published", published_at=stamp, created_at=stamp, updated_at=stamp,
            revision=1, view_count=0).execute()
        assert match_ids("title", ["뷁"], 10) == []  # not indexed yet (as a bigram index holds it)
        assert runner.up()[0] == "0020_letter_tokens"
        assert match_ids("title", ["뷁"], 10) == [1] and match_ids("title", ["보도"], 10) == [1]
    databases.close_database()
