"""The release editor form: what the admin posts, turned into raw release input."""
import re
from dataclasses import dataclass, field
from html import unescape

from flask import current_app, request

from feedserver.content.embargo import embargo_instant
from feedserver.content.sanitize import clean_body
from feedserver.content.uploads import UploadError, check_upload, read_limited
from feedserver.dates import INPUT_DATETIME, parse_kst_input, to_kst
from feedserver.models import summarize, utcnow
from feedserver.publishing.input import default_author
from feedserver.publishing.press_fields import NAMES as PRESS_FIELDS

MODES = {"draft": "임시저장", "publish": "지금 게시", "schedule": "예약 게시", "review": "검토 요청"}
MODE_STATUS = {"draft": "draft", "publish": "published", "schedule": "scheduled", "review": "draft"}
STATUS_LABELS = {"draft": "임시저장", "scheduled": "예약", "published": "게시", "withdrawn": "철회"}
REVIEW_LABELS = {"pending": "검토 중", "returned": "반려됨"}


def status_label(release, now=None):
    """Return the Korean state of a release as editors think of it, by its effective status."""
    if release.status == "draft" and release.review_state in REVIEW_LABELS:
        return REVIEW_LABELS[release.review_state]
    return STATUS_LABELS[release.effective_status(now)]


@dataclass
class EditorForm:
    values: dict
    input: dict = field(default_factory=dict)
    mode: str | None = "draft"
    publish_at: str = ""
    uploads: list = field(default_factory=list)
    remove_ids: list = field(default_factory=list)
    revision: int | None = None
    previewing: bool = False
    errors: dict = field(default_factory=dict)
    # Staged files and the form token they belong to; an autosave offered on opening (admin/keep.py).
    form_token: str = ""
    staged: list = field(default_factory=list)
    autosave_offer: object = None

    @classmethod
    def blank(cls):
        return cls({"title": "", "category": "", "author": default_author(), "body": "",
                    "summary": "", **{name: "" for name in PRESS_FIELDS}})

    @classmethod
    def of(cls, release):
        """Fill the form from a stored release; a derived summary shows as empty."""
        derived = release.summary == summarize(release.body_text)
        values = {"title": release.title, "category": release.category.slug,
                  "author": release.author, "body": editable_body(release.body_html),
                  "summary": "" if derived else release.summary}
        values |= {name: getattr(release, name) or "" for name in PRESS_FIELDS}
        return cls(values, mode=_mode_of(release), publish_at=_input_value(release),
                   revision=release.revision)

    @classmethod
    def from_request(cls, release):
        """Read the posted form and files; upload problems become field errors."""
        form = request.form
        values = {name: form.get(name, "") for name in ("title", "category", "author", "body",
                                                        "summary")}
        # Press fields the page did not show (정정 before publication) keep their values.
        values |= {name: form[name] for name in PRESS_FIELDS if name in form}
        mode = form.get("mode") if release is None or not release.is_withdrawn else None
        revision = form.get("revision", "")
        self = cls(values, mode=mode, publish_at=form.get("publish_at", "").strip(),
                   revision=int(revision) if revision.isdigit() and len(revision) < 10 else None,
                   previewing=form.get("action") == "preview")
        self.remove_ids = [int(v) for v in form.getlist("remove_attachment")
                           if v.isdigit() and len(v) < 10]
        self._read_uploads()
        self.input = self._build_input()
        return self

    def _read_uploads(self):
        limit = current_app.config["MAX_ATTACHMENT_BYTES"]
        for file in request.files.getlist("attachments"):
            if not file or not file.filename:
                continue
            try:
                self.uploads.append(check_upload(file.filename, read_limited(file.stream, limit), limit))
            except UploadError as error:
                self.errors["attachments"] = error.message

    def _build_input(self):
        """Return raw release input for release_input.check_fields."""
        data = dict(self.values)
        if "kogl_type" in data:  # "": the board's default; a number: that type
            raw = data["kogl_type"]
            data["kogl_type"] = int(raw) if raw.isdigit() and len(raw) < 3 else (raw or None)
        if self.mode is None:
            return data
        if self.mode not in MODES:
            self.errors["mode"] = "게시 방식을 선택해 주세요."
            return data
        data["status"] = MODE_STATUS[self.mode]
        if self.mode == "schedule":
            data["published_at"] = self._schedule_time()
        return data

    def _schedule_time(self):
        if not self.publish_at:  # 예약 게시 without a time: the 보도시점's, when it names one
            return embargo_instant(self.values.get("embargo_text", ""), to_kst(utcnow()).year)
        try:
            return parse_kst_input(self.publish_at)
        except (ValueError, OverflowError):
            self.errors["publish_at"] = "예약 시각 형식이 올바르지 않습니다."
            return None

    @property
    def editor_html(self):
        """Return the body as the rich editor loads it: cleaned HTML, never raw input."""
        return clean_body(self.values["body"])

    def preview(self):
        """Return what the release would look like, without saving it."""
        body = clean_body(self.values["body"])
        return {"title": " ".join(self.values["title"].split()) or "(제목 없음)",
                "author": self.values["author"] or default_author(), "body_html": body,
                "published_at": self._schedule_time() or utcnow()}


def editable_body(html):
    """Show a body of plain paragraphs as the lines it came from; anything richer as HTML."""
    lines = re.findall(r"<p>([^<]*)</p>", html)
    text = "\n".join(unescape(line) for line in lines)
    return text if lines and clean_body(text) == html else html


def _mode_of(release):
    if release.is_withdrawn:
        return None
    if release.status == "draft":
        return "draft"
    return "schedule" if not release.is_public() else "publish"


def _input_value(release):
    if release.status == "scheduled" and release.published_at and not release.is_public():
        return to_kst(release.published_at).strftime(INPUT_DATETIME)
    return ""
