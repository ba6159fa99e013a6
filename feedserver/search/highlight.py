"""Show a search's words in what it found: <mark> in titles, a short excerpt of the body."""
import re
from functools import lru_cache
from itertools import cycle

from markupsafe import Markup, escape, escape_silent

EXCERPT_BEFORE = 40   # characters of context shown before the first match
EXCERPT_LENGTH = 140  # characters of the whole excerpt


@lru_cache(maxsize=256)
def _pattern(q):
    """Return a case-insensitive pattern of q's words, longest first (None: no words)."""
    words = sorted({w for w in (q or "").split() if w}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def highlight(text, q):
    """Return text, escaped, with each occurrence of q's words in <mark>."""
    pattern = _pattern(q)
    text = text or ""
    if pattern is None:
        return escape(text)
    # Split around the matches (a capturing pattern keeps them at odd places), escape each
    # piece once and join: a Markup object per piece cost more than the search.
    pieces = _splitter(pattern).split(text)
    return Markup("".join(
        f"<mark>{escape_silent(piece)}</mark>" if odd else escape_silent(piece)
        for odd, piece in zip(cycle((False, True)), pieces, strict=False)))


@lru_cache(maxsize=256)
def _splitter(pattern):
    """Return the pattern with its matches captured, for re.split."""
    return re.compile(f"({pattern.pattern})", pattern.flags)


def excerpt(text, q):
    """Return a short highlighted excerpt of text around q's first match, or None without one."""
    pattern = _pattern(q)
    raw = text or ""
    found = pattern and pattern.search(raw)
    if not found:
        return None
    # Collapse whitespace only around the first match: a body holding an attachment's text
    # runs to tens of thousands of characters. Words hold no whitespace, so the match is the same.
    lo, hi = max(0, found.start() - 4 * EXCERPT_BEFORE), found.end() + 4 * EXCERPT_LENGTH
    before, after = raw[:lo].strip(), raw[hi:].strip()
    text = " ".join(raw[lo:hi].split())
    match = pattern.search(text)
    start = max(0, match.start() - EXCERPT_BEFORE)
    if start == 0 and before and lo:
        text, start = " " + text, 1  # the text goes on before the window: say so
    end = min(len(text), start + EXCERPT_LENGTH)
    piece = highlight(text[start:end], q)
    more = end < len(text) or bool(after)
    return Markup("").join([Markup("…") if start else Markup(""), piece, Markup("…") if more else Markup("")])
