"""Show a search's words in what it found: <mark> in titles, a short excerpt of the body."""
import re

from markupsafe import Markup, escape

EXCERPT_BEFORE = 40   # characters of context shown before the first match
EXCERPT_LENGTH = 140  # characters of the whole excerpt


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
    out, last = [], 0
    for match in pattern.finditer(text):
        out += [escape(text[last:match.start()]), Markup("<mark>"), escape(match.group()), Markup("</mark>")]
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def excerpt(text, q):
    """Return a short highlighted excerpt of text around q's first match, or None without one."""
    pattern = _pattern(q)
    text = " ".join((text or "").split())
    match = pattern and pattern.search(text)
    if not match:
        return None
    start = max(0, match.start() - EXCERPT_BEFORE)
    end = min(len(text), start + EXCERPT_LENGTH)
    piece = highlight(text[start:end], q)
    return Markup("").join([Markup("…") if start else Markup(""), piece, Markup("…") if end < len(text) else Markup("")])
