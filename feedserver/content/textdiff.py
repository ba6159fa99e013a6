"""A readable diff of two texts for people: changed lines, and inside them changed words.

difflib (stdlib) finds the lines; a changed line paired with its replacement is diffed word
by word, so a corrected number shows as one struck-out and one inserted word.
"""
import difflib
import re
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

CONTEXT = 2  # unchanged lines kept around a change
_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Row:
    kind: str  # "same", "added", "removed", "changed", "skipped"
    html: Markup  # the line, with <del>/<ins> around changed words
    count: int = 0  # lines skipped (kind "skipped")


def diff_lines(old, new):
    """Return the Rows that turn text old into text new."""
    a, b = old.splitlines(), new.splitlines()
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += _context(a[i1:i2], first=not rows, last=i2 == len(a))
        elif tag == "replace":
            rows += _replaced(a[i1:i2], b[j1:j2])
        elif tag == "delete":
            rows += [Row("removed", Markup("<del>%s</del>") % line) for line in a[i1:i2]]
        else:
            rows += [Row("added", Markup("<ins>%s</ins>") % line) for line in b[j1:j2]]
    return rows


def _context(lines, first, last):
    """Keep CONTEXT lines next to changes; fold the rest into one 'skipped' row."""
    keep_head = 0 if first else CONTEXT
    keep_tail = 0 if last else CONTEXT
    if len(lines) <= keep_head + keep_tail + 1:
        return [Row("same", Markup(escape(line))) for line in lines]
    head = [Row("same", Markup(escape(line))) for line in lines[:keep_head]]
    tail = [Row("same", Markup(escape(line))) for line in lines[len(lines) - keep_tail:]]
    return [*head, Row("skipped", Markup(""), len(lines) - keep_head - keep_tail), *tail]


def _replaced(old_lines, new_lines):
    rows = [Row("changed", diff_words(o, n)) for o, n in zip(old_lines, new_lines, strict=False)]
    rows += [Row("removed", Markup("<del>%s</del>") % o) for o in old_lines[len(new_lines):]]
    rows += [Row("added", Markup("<ins>%s</ins>") % n) for n in new_lines[len(old_lines):]]
    return rows


def diff_words(old, new):
    """Return one line with removed words in <del> and added words in <ins>."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(out))
