"""Import and export: JSON Lines (or CSV) in, JSON Lines out; releases go in whole or not at all."""
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from peewee import IntegrityError, prefetch

from feedserver.content.storage import attachment_dir
from feedserver.content.uploads import UploadError
from feedserver.models import Attachment, Category, Release
from feedserver.publishing import bulk as publishing_bulk
from feedserver.publishing import releases as publishing
from feedserver.publishing.input import (
    SLUG,
    FieldErrors,
    check_external_id,
    check_fields,
    rfc3339,
)
from feedserver.publishing.press_fields import NAMES as PRESS_FIELDS
from feedserver.publishing.records import (
    content_key,
    preserved_columns,
    read_attachments,
    read_records,
)

FILES_DIR = "files"
RELEASE_FIELDS = ("title", "category", "author", "body", "summary", "status", "published_at",
                  *PRESS_FIELDS)
EXPORTED = (Release.id, Release.public_id, Release.external_id, Release.title, Release.author,
            Release.body_html, Release.summary, Release.status, Release.published_at,
            Release.created_at, Release.updated_at, Release.revision, Release.view_count,
            *(getattr(Release, name) for name in PRESS_FIELDS), Release.corrected_at,
            Release.content_changed_at)


@dataclass
class ImportReport:
    created: int = 0
    unchanged: int = 0
    categories: int = 0
    problems: list = field(default_factory=list)  # (line number, Korean message)

    @property
    def ok(self):
        return not self.problems


def import_file(path, actor, progress=None, batch_size=500):
    """Import every record; a release is written whole or not at all. Return a report."""
    importer = _Importer(Path(path).resolve().parent, actor, batch_size)
    for number, record in read_records(path):
        importer.add(number, record)
        if progress:
            progress(1)
    importer.flush()
    return importer.report


class _Importer:
    """Check records one by one, write new releases a batch per transaction."""

    def __init__(self, base, actor, batch_size):
        self.base, self.actor, self.batch_size = base, actor, batch_size
        self.report, self.pending, self.keys = ImportReport(), [], set()
        self.categories = {c.slug: c for c in Category.select()}

    def add(self, number, record):
        try:
            if isinstance(record, str):
                raise FieldErrors({}, record)
            if record.get("kind") == "category":
                self.flush()
                self._category(record)
                return
            item = self._release(number, record)
        except (FieldErrors, UploadError, publishing.PublishingError) as error:
            self._problem(number, error)
            return
        key = item.external_id or item.preserved.get("public_id")
        if key in self.keys:
            self.flush()  # the same release twice in a batch: let the database tell
        self.pending.append(item)
        self.keys.add(key)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def _problem(self, number, error):
        detail = "; ".join(f"{k}: {v}" for k, v in getattr(error, "fields", {}).items())
        self.report.problems.append((number, error.message + (f" ({detail})" if detail else "")))

    def _category(self, record):
        if self._known(record.get("slug")):
            return
        values = category_values(record)
        self.categories[values["slug"]] = publishing.save_category(None, values, self.actor)
        self.report.categories += 1

    def _release(self, number, record):
        data = {k: record[k] for k in RELEASE_FIELDS if k in record}
        data["category"] = self._known(record.get("category")) or record.get("category")
        withdrawn = data.get("status") == "withdrawn"
        if withdrawn:
            data["status"] = "published"
        item = publishing_bulk.NewRelease(check_fields(data, future_only=False),
                                     check_external_id(record.get("external_id")),
                                     preserved_columns(record, withdrawn))
        item.uploads = read_attachments(record.get("attachments") or [], self.base,
                                        current_app.config["MAX_ATTACHMENT_BYTES"])
        item.number, item.timed = number, bool(record.get("published_at"))
        return item

    def _known(self, slug):
        """Return the category a slug names, or None; any JSON value may stand where a slug should."""
        return self.categories.get(slug) if isinstance(slug, str) else None

    def flush(self):
        """Skip what is already there, then write the rest in one transaction."""
        items, self.pending, self.keys = self.pending, [], set()
        if not items:
            return
        existing = _existing_map(items)
        fresh = [item for item in items if self._is_new(item, existing)]
        try:
            publishing_bulk.import_releases(fresh, self.actor)
            self.report.created += len(fresh)
        except IntegrityError:
            for item in fresh:  # find the one that clashes; the others still go in
                try:
                    publishing_bulk.import_releases([item], self.actor)
                    self.report.created += 1
                except IntegrityError:
                    self._problem(item.number, publishing.PublishingError(
                        "public_id나 external_id가 다른 보도자료와 겹칩니다."))

    def _is_new(self, item, existing):
        found = existing.get(("ext", item.external_id)) if item.external_id else None
        found = found or existing.get(("pid", item.preserved.get("public_id")))
        if found is None:
            return True
        if (content_key(found, timed=item.timed)
                != content_key(None, item.fields, item.preserved, item.uploads, item.timed)):
            self._problem(item.number, publishing.PublishingError(
                f"이미 있는 보도자료({found.public_id})와 내용이 다릅니다. 건너뜁니다."))
        else:
            self.report.unchanged += 1
        return False


def category_values(record):
    """Return a category record's columns checked as the admin form checks them, or raise FieldErrors."""
    slug, name = record.get("slug"), record.get("name")
    description, order = record.get("description") or "", record.get("sort_order") or 0
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        raise FieldErrors({"slug": "분류의 slug는 영문 소문자, 숫자, 하이픈으로 64자까지 쓸 수 있습니다."})
    if not isinstance(name, str) or not 0 < len(" ".join(name.split())) <= 100:
        raise FieldErrors({"name": "분류에는 100자 이내의 name이 있어야 합니다."})
    if not isinstance(description, str) or len(description) > 1000:
        raise FieldErrors({"description": "분류 description은 1000자 이내의 문자열이어야 합니다."})
    if isinstance(order, bool) or not isinstance(order, int | str) or not re.fullmatch(r"-?\d{1,6}", str(order)):
        raise FieldErrors({"sort_order": "분류 sort_order는 여섯 자리 이내의 정수여야 합니다."})
    return {"slug": slug, "name": " ".join(name.split()), "description": description.strip(),
            "sort_order": int(order)}


def _existing_map(items):
    """Return the stored releases a batch names, keyed by ("ext", id) and ("pid", id)."""
    ext = [i.external_id for i in items if i.external_id]
    pid = [i.preserved["public_id"] for i in items if i.preserved.get("public_id")]
    query = Release.select().where(Release.external_id.in_(ext or [""])
                                   | Release.public_id.in_(pid or [""]))
    found = {}
    for release in prefetch(query, Attachment.select().order_by(Attachment.id)):
        found[("pid", release.public_id)] = release
        if release.external_id:
            found[("ext", release.external_id)] = release
    return found


def export_file(path, progress=None, batch=500):
    """Write categories, then every release with its attachments, as JSON Lines; return the count."""
    path = Path(path)
    files = path.resolve().parent / FILES_DIR
    written = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for category in Category.ordered():
            _write(out, {"kind": "category", "slug": category.slug, "name": category.name,
                         "description": category.description, "sort_order": category.sort_order})
        last_id = 0
        while True:
            rows = list(Release.select(*EXPORTED, Category.slug.alias("category_slug")).join(Category)
                        .where(Release.id > last_id).order_by(Release.id).limit(batch).dicts())
            if not rows:
                break
            files_of = _attachments_of([row["id"] for row in rows])
            for row in rows:
                _write(out, _release_record(row, files_of.get(row["id"], []), files))
            last_id, written = rows[-1]["id"], written + len(rows)
            if progress:
                progress(len(rows))
    return written


def _attachments_of(release_ids):
    """Return {release id: [attachment, ...]} in upload order, in one query."""
    found = {}
    for file in (Attachment.listed().where(Attachment.release.in_(release_ids))
                 .order_by(Attachment.id)):
        found.setdefault(file.release_id, []).append(file)
    return found


def _release_record(row, attachments, files):
    out = []
    for file in attachments:
        target = files / file.sha256
        if not target.exists():
            files.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(attachment_dir() / file.stored_name, target)
        out.append({"path": f"{FILES_DIR}/{file.sha256}", "filename": file.filename,
                    "content_type": file.content_type, "size": file.size, "sha256": file.sha256})
    return {"kind": "release", "public_id": row["public_id"], "external_id": row["external_id"],
            "category": row["category_slug"], "title": row["title"], "author": row["author"],
            "body": row["body_html"], "summary": row["summary"], "status": row["status"],
            "published_at": rfc3339(row["published_at"]), "created_at": rfc3339(row["created_at"]),
            "updated_at": rfc3339(row["updated_at"]), "revision": row["revision"],
            "view_count": row["view_count"], **{name: row[name] for name in PRESS_FIELDS},
            "corrected_at": rfc3339(row["corrected_at"]),
            "content_changed_at": rfc3339(row["content_changed_at"]), "attachments": out}


def _write(out, record):
    out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")

