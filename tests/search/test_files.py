"""Which file a 내용 search matched: only the shown rows, every word, wildcards taken literally."""
from feedserver.models import Attachment
from feedserver.search.files import matching_files


def attach(release, name, text, state="readable"):
    Attachment.create(release=release, filename=name, content_type="application/x-hwp", size=1,
                      sha256="0" * 64, stored_name=name.encode().hex()[:32] + str(release.id),
                      text=text, text_state=state)


def test_the_first_file_holding_every_word_is_named(db_app, make_category, make_release):
    with db_app.app_context():
        board = make_category()
        one, two, three = (make_release(board, title=t) for t in ("하나", "둘", "셋"))
        attach(one, "가.hwp", "경기도 예산 발표")
        attach(one, "나.hwp", "경기도 예산 발표와 청년 지원")
        attach(two, "다.hwp", "청년 지원 100% 확대")
        attach(three, "라.hwp", "경기도 청년", state="unreadable")  # no text to trust
        ids = [one.id, two.id, three.id]
        assert matching_files(ids, "body", "경기도 청년") == {one.id: "나.hwp"}
        assert matching_files(ids, "all", "청년") == {one.id: "나.hwp", two.id: "다.hwp"}
        assert matching_files(ids, "body", "100%") == {two.id: "다.hwp"}
        assert matching_files(ids, "body", "%") == {two.id: "다.hwp"}  # a wildcard is a character
        assert matching_files(ids, "body", "_") == {}
        assert matching_files([two.id], "body", "경기도") == {}  # only the rows asked about
        assert matching_files(ids, "title", "청년") == matching_files(ids, "author", "청년") == {}
        assert matching_files([], "body", "청년") == matching_files(ids, "body", "") == {}
