"""Matches shown in what a search found: <mark> in titles, an excerpt of the body."""
from feedserver.search.highlight import excerpt, highlight


def test_highlight_marks_every_word_and_escapes_the_rest():
    assert str(highlight("<b>경기도</b> 청년 경기도", "경기도 청년")) == (
        "&lt;b&gt;<mark>경기도</mark>&lt;/b&gt; <mark>청년</mark> <mark>경기도</mark>")
    assert str(highlight("NVIDIA와 협력", "nvidia")) == "<mark>NVIDIA</mark>와 협력"
    assert str(highlight("a.b", ".")) == "a<mark>.</mark>b"  # a word, not a pattern
    assert str(highlight("제목", "")) == "제목"


def test_excerpt_is_short_and_around_the_first_match():
    body = "가" * 300 + " 반도체 클러스터 " + "나" * 300
    shown = str(excerpt(body, "반도체"))
    assert shown.startswith("…") and shown.endswith("…") and "<mark>반도체</mark>" in shown
    assert len(shown.replace("<mark>", "").replace("</mark>", "")) <= 142
    assert str(excerpt("반도체로 시작", "반도체")).startswith("<mark>반도체</mark>로")
    assert excerpt("없는 말", "반도체") is None
    assert "&lt;script&gt;" in str(excerpt("<script> 반도체", "반도체"))
