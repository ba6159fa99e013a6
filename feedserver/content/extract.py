"""The text of an attachment, read once when the file is stored: PDF, HWP 5, HWPX, plain text.

Every reader is bounded (bytes inflated, pages, records, seconds, characters kept), because
uploads come from anyone with an account or a token and a hostile file must cost little: a file
that cannot be read is stored and served all the same, marked "unreadable".
"""
import io
import logging
import re
import time
from pathlib import PurePosixPath

from feedserver.content import hwp

READABLE, UNREADABLE, NOT_TEXT = "readable", "unreadable", "none"
MAX_TEXT = 100_000          # characters kept per file
MAX_PDF_PAGES = 300
MAX_PAGE_CONTENT = 256 * 1024  # decoded bytes of one page's drawing operators
SECONDS = 3.0               # wall-clock budget per file (pypdf: checked as it draws)
TEXT_TYPES = (".txt", ".csv")
READERS = {".hwp": hwp.hwp5_text, ".hwpx": hwp.hwpx_text}

log = logging.getLogger(__name__)
SPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
BLANK_LINES = re.compile(r"\n\s*\n+")
# Control characters other than newline and tab: lxml, PostgreSQL (NUL) and browsers refuse them.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


def extract(filename, data):
    """Return (state, text) for a stored file: readable with its text, unreadable, or not text."""
    ext = PurePosixPath(filename or "").suffix.lower()
    reader = READERS.get(ext) or (_pdf_text if ext == ".pdf" else None)
    if ext in TEXT_TYPES:
        reader = _plain_text
    if reader is None:
        return NOT_TEXT, ""
    try:
        text = tidy(reader(data, MAX_TEXT, time.monotonic() + SECONDS))
    except Exception as error:  # noqa: BLE001 - a hostile or damaged file: any parser error
        log.info("attachment %s unreadable: %s: %s", filename, type(error).__name__, error)
        return UNREADABLE, ""
    return (READABLE, text) if text else (UNREADABLE, "")


def tidy(text):
    """Return text without control characters and runs of blanks, cut to MAX_TEXT characters."""
    text = CONTROL.sub("", (text or "")[: MAX_TEXT * 2])
    lines = (SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()[:MAX_TEXT]


def paragraphs(text):
    """Return the non-empty lines of an extracted text, the paragraphs a page shows."""
    return [line for line in (text or "").split("\n") if line.strip()]


def _plain_text(data, limit, deadline):
    raw = data[: limit * 4]
    for encoding in ("utf-8", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


class _OutOfTime(Exception):
    """The file's time budget ran out in the middle of a page."""


def _pdf_text(data, limit, deadline):
    """Return the text of a PDF's first pages, stopping at the character, size or time budget."""
    from pypdf import PdfReader  # imported here: only uploads of PDFs pay for it

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files log a warning per object
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        return ""
    out, size = [], 0
    for number, page in enumerate(reader.pages):
        if number >= MAX_PDF_PAGES or size >= limit or time.monotonic() > deadline:
            break
        if _content_size(page) > MAX_PAGE_CONTENT:
            continue  # a page of megabytes of drawing: parsing it would take minutes
        try:
            text = page.extract_text(visitor_operand_before=_clock(deadline)) or ""
        except _OutOfTime:
            break
        out.append(text)
        size += len(text)
    return "\n\n".join(out)


def _content_size(page):
    """Return the bytes of a page's (decoded) content streams."""
    contents = page.get_contents()
    return len(contents.get_data()) if contents is not None else 0


def _clock(deadline):
    """Return a pypdf visitor that stops the page's extraction once the deadline has passed."""
    ticks = [0]

    def visit(operator, operands, cm, tm):
        ticks[0] += 1
        if ticks[0] % 256 == 0 and time.monotonic() > deadline:
            raise _OutOfTime()
    return visit
