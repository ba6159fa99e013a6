"""바로보기: a release's attachment shown in the browser, from the text read when it was stored.

PDFs and pictures are sent inline with a CSP that lets them run nothing; 한글 files (.hwp,
.hwpx) and text show their extracted text in a Korean HTML page. Nothing is read from the file
on request, and nothing per user is in the response: it is cached like the release page.
"""
from flask import abort, render_template

from feedserver.content import storage
from feedserver.content.extract import paragraphs
from feedserver.models import Attachment, Release

INLINE_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp")


def public_release(public_id):
    """Return a release readers may see now, or answer 404 (withdrawn, scheduled, drafts too)."""
    release = Release.by_public_id(public_id)
    if release is None or not release.is_public():
        abort(404, description="없는 보도자료입니다.")
    return release


def find(release, attachment_id):
    """Return the release's attachment that 바로보기 can show, or answer 404."""
    file = Attachment.get_or_none(Attachment.id == attachment_id, Attachment.release == release)
    if file is None:
        abort(404, description="없는 첨부파일입니다.")
    if not file.viewable:
        abort(404, description="바로보기를 할 수 없는 형식입니다. 내려받아 열어 주세요.")
    return file


def is_inline(file):
    return file.content_type in INLINE_TYPES


def send(file):
    """Send a PDF or picture to open in the browser, unable to run anything."""
    response = storage.send_attachment(file, inline=True)
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'")
    return response


def render(release, file):
    """Return the HTML page showing a file's extracted text, or saying it cannot be shown."""
    return render_template("board/attachment.html", release=release, file=file,
                           paragraphs=paragraphs(file.text) if file.text_state == "readable" else [])
