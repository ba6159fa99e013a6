"""Matches shown in what a search found: <mark> in titles, an excerpt of the body."""
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _whole_text_excerpt(text, q):
    """The excerpt as first written: whitespace collapsed over the whole text (the reference)."""
    import re as _re
    words = sorted({w for w in q.split() if w}, key=len, reverse=True)
    pattern = _re.compile("|".join(_re.escape(w) for w in words), _re.IGNORECASE)
    text = " ".join(text.split())
    match = pattern.search(text)
    if not match:
        return None
    start = max(0, match.start() - 40)
    end = min(len(text), start + 140)
    return ("…" if start else "") + str(highlight(text[start:end], q)) + ("…" if end < len(text) else "")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["청년", "기본", "소득", " ", "  \n", "가", "x", "Ab", "\t"]), max_size=400),
       st.sampled_from(["청년", "기본소득", "ab 가", "소득 청년"]))
def test_an_excerpt_of_a_long_text_reads_as_of_the_whole_text(parts, q):
    text = "".join(parts)
    got = excerpt(text, q)
    assert (got and str(got)) == _whole_text_excerpt(text, q)


def _highlight_piece_by_piece(text, q):
    """The highlight as first written, one Markup per piece (the reference)."""
    import re as _re

    from markupsafe import Markup, escape
    words = sorted({w for w in q.split() if w}, key=len, reverse=True)
    pattern = _re.compile("|".join(_re.escape(w) for w in words), _re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(text):
        out += [escape(text[last:match.start()]), Markup("<mark>"), escape(match.group()), Markup("</mark>")]
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="도경기청년<>&\"' aAbB.|()*", max_size=60),
       st.sampled_from(["도", "경기도 청년", "a", "& <", "b.", "( |", "AB a"]))
def test_highlight_reads_as_piece_by_piece(text, q):
    assert str(highlight(text, q)) == str(_highlight_piece_by_piece(text, q))
