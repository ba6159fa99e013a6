"""보도시점 text into an embargo instant, 공공누리 names, and the revision diff of two texts."""
from datetime import UTC, datetime

import pytest

from feedserver.content.embargo import embargo_instant
from feedserver.content.kogl import LICENSE_URL, license_of
from feedserver.content.textdiff import diff_lines, diff_words


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("text, instant", [
    ("2024. 5. 7.(화) 조간", utc(2024, 5, 6, 21)),  # 06:00 KST
    ("2024. 5. 7.(화) 석간", utc(2024, 5, 7, 3)),  # 12:00 KST
    ("2024. 5. 7.(화) 14:00 이후", utc(2024, 5, 7, 5)),
    ("2024. 5. 7.(화) 조간 (온라인 5. 6.(월) 12:00)", utc(2024, 5, 6, 3)),  # the web's own time
    ("2024.5.7. 오후 2시 30분", utc(2024, 5, 7, 5, 30)),
    ("2024년 5월 7일 조간", utc(2024, 5, 6, 21)),
    ("5. 7.(화) 조간", utc(2024, 5, 6, 21)),  # the year of the day it is written
    ("즉시 보도", None), ("배포 즉시", None), ("", None), ("조간", None),
    ("2024. 13. 7.", None), ("9999. 1. 1. 조간", None),
])
def test_embargo_text_gives_the_earliest_instant(text, instant):
    assert embargo_instant(text, 2024) == instant


def test_kogl_types_carry_their_official_korean_names():
    assert license_of(1).label == "공공누리 제1유형: 출처표시"
    assert license_of(2).label == "공공누리 제2유형: 출처표시+상업적 이용금지"
    assert license_of(3).label == "공공누리 제3유형: 출처표시+변경금지"
    assert license_of(4).label == "공공누리 제4유형: 출처표시+상업적 이용금지+변경금지"
    assert license_of(4).as_json() == {"type": 4, "label": license_of(4).label, "url": LICENSE_URL}
    assert license_of(None) is None and license_of(5) is None


def test_a_changed_line_shows_the_changed_words_only():
    assert str(diff_words("예산 100억 원을 투입", "예산 120억 원을 투입")) == (
        "예산 <del>100억</del><ins>120억</ins> 원을 투입")


def test_the_diff_folds_long_unchanged_runs_and_escapes_html():
    old = "\n".join(f"줄 {n}" for n in range(10)) + "\n<b>옛</b>"
    new = "\n".join(f"줄 {n}" for n in range(10)) + "\n<b>새</b>\n더한 줄"
    rows = diff_lines(old, new)
    assert [r.kind for r in rows] == ["skipped", "same", "same", "changed", "added"]
    assert rows[0].count == 8
    assert "&lt;b&gt;" in str(rows[3].html) and "<ins>더한 줄</ins>" == str(rows[4].html)
