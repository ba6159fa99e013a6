"""The demo's synthetic Korean: every particle agrees with the word before it."""
import re
import unicodedata

import pytest

from feedserver.models import Release
from feedserver.publishing import demo_text as text

# (form after a final consonant, form after a vowel)
PAIRS = [("은", "는"), ("이", "가"), ("을", "를"), ("과", "와"), ("으로", "로")]


def spoken_final(word):
    """The final consonant (jamo) read at the end of word, found by NFD decomposition (None: a vowel)."""
    readings = {"0": "ᆼ", "1": "ᆯ", "3": "ᆷ", "6": "ᆨ", "7": "ᆯ", "8": "ᆯ"}
    for char in reversed(word):
        if "가" <= char <= "힣":
            jamo = unicodedata.normalize("NFD", char)
            return jamo[2] if len(jamo) == 3 else None
        if char.isalnum():
            return readings.get(char)
    return None


def right_form(word, pair):
    after_consonant, after_vowel = pair
    final = spoken_final(word)
    if after_consonant == "으로":
        return after_vowel if final in (None, "ᆯ") else after_consonant
    return after_vowel if final is None else after_consonant


@pytest.mark.parametrize("word, expected", [
    ("성과 발표", ["는", "가", "를", "와", "로"]), ("청년 기본소득", ["은", "이", "을", "과", "으로"]),
    ("예산 확보", ["는", "가", "를", "와", "로"]), ("서울", ["은", "이", "을", "과", "로"]),
    ("기후위기 대응 RE100", ["은", "이", "을", "과", "으로"]), ("1차 결과 공개", ["는", "가", "를", "와", "로"]),
])
def test_particles_follow_the_final_sound(word, expected):
    assert [text.particle(word, "/".join(pair)) for pair in PAIRS] == expected


def slips(body):
    """Return (word, particle) where a vocabulary word is followed by the wrong form of a pair."""
    seeded = {title[:20].rstrip(" ,.·…“”‘’'\"") for _, title, _, _ in text.SEED_LIST}  # their bodies' topic
    words = sorted({*text.SUBJECTS, *text.TOPICS, *text.ACTIONS, *seeded}, key=len, reverse=True)
    found = []
    for word in words:
        for pair in PAIRS:
            for form in pair:
                for _ in re.finditer(re.escape(word + form) + r"(?=[\s,.”])", body):
                    if form != right_form(word, pair):
                        found.append((word, form))
    return found


def test_every_demo_release_reads_right(demo_app):
    with demo_app.app_context():
        bodies = [r.body_text for r in Release.select(Release.body_text)]
    assert len(bodies) > 1000
    bad = [(i, slip) for i, body in enumerate(bodies) for slip in slips(body)]
    assert not bad, bad[:5]
    assert any("성과 발표는" in body for body in bodies)  # the slip of before was "성과 발표은"
