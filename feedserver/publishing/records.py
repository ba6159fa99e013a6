"""Import records: reading JSON Lines and CSV, attachments by path, and what makes two releases the same."""
import csv
import hashlib
import json
from pathlib import Path

from feedserver.content.uploads import check_upload, read_limited
from feedserver.publishing.input import FieldErrors, json_problems, parse_instant
from feedserver.publishing.press_fields import NAMES as PRESS_FIELDS
from feedserver.publishing.releases import derive_columns, stored_value

COMPARED = ("category", "title", "author", "body_html", "summary", "status", "published_at",
            *PRESS_FIELDS)


def read_records(path):
    """Yield (line number, record dict or error message) from a .jsonl or .csv file."""
    path = Path(path)
    with _open_text(path) as fh:
        if path.suffix.lower() == ".csv":
            for number, row in enumerate(csv.DictReader(fh), start=2):
                yield number, _checked(_csv_record(row))
            return
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            yield number, _json_record(line)


def _open_text(path):
    # Bytes that are not UTF-8 become lone surrogates, refused with their line, not a traceback.
    return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")


def _json_record(line):
    """Return one JSON Lines record, or a Korean reason it cannot be one."""
    try:
        record = json.loads(line)
    except ValueError as error:
        return f"JSON 형식 오류: {error}"
    except RecursionError:  # the C parser gives up on deep nesting this way
        return "JSON이 너무 깊게 중첩되어 있습니다."
    return _checked(record) if isinstance(record, dict) else "JSON 객체가 아닙니다."


def _checked(record):
    """Return the record, or a Korean reason when it nests too deep or holds unusable characters."""
    problems = json_problems(record)
    if problems:
        return "받을 수 없는 값이 있습니다: " + "; ".join(f"{k}: {v}" for k, v in problems.items())
    return record


def _csv_record(row):
    record = {k.strip(): (v or "") for k, v in row.items() if k and k.strip()}
    paths = [p.strip() for p in record.pop("attachments", "").split("|") if p.strip()]
    record["attachments"] = [{"path": p} for p in paths]
    for key in ("external_id", "public_id", "published_at", "created_at", "updated_at",
                "corrected_at", "content_changed_at", "kogl_type"):
        if record.get(key) == "":
            record.pop(key)
    if record.get("kogl_type", "").isdigit():  # a CSV cell is text; JSON Lines gives a number
        record["kogl_type"] = int(record["kogl_type"])
    return record


def count_records(path):
    """Return how many records a file holds, for the progress bar."""
    with _open_text(Path(path)) as fh:
        if Path(path).suffix.lower() == ".csv":
            return sum(1 for _ in csv.DictReader(fh))
        return sum(1 for line in fh if line.strip())


def preserved_columns(record, withdrawn):
    """Return the stored columns an import keeps as given: ids, stamps, counters."""
    out = {}
    try:
        public_id = record.get("public_id")
        if public_id is not None:
            if not isinstance(public_id, str) or not (public_id.isascii() and public_id.isalnum()) or len(public_id) > 16:
                raise FieldErrors({"public_id": "public_id는 16자 이하의 영문·숫자여야 합니다."})
            out["public_id"] = public_id
        for name in ("created_at", "updated_at", "corrected_at", "content_changed_at"):
            if record.get(name):
                out[name] = parse_instant(record[name])
        for name, low, high in (("revision", 1, 2**31 - 1), ("view_count", 0, 2**63 - 1)):
            if record.get(name) not in (None, ""):
                value = int(record[name])
                if not low <= value <= high:  # the columns' integer range
                    raise ValueError(name)
                out[name] = value
    except (ValueError, TypeError, OverflowError):
        raise FieldErrors({"record": "created_at, updated_at, corrected_at, content_changed_at, "
                                     "revision, view_count 값이 올바르지 않습니다."}) from None
    if withdrawn:
        out["status"] = "withdrawn"
    return out



def read_attachments(items, base, max_bytes):
    """Read and check the files a record names, relative to the import file's folder."""
    uploads = []
    if not isinstance(items, list):
        raise FieldErrors({"attachments": "attachments는 목록이어야 합니다."})
    for item in items:
        raw = item.get("path") if isinstance(item, dict) else None
        if not isinstance(raw, str) or not raw:
            raise FieldErrors({"attachments": "첨부파일마다 path가 있어야 합니다."})
        filename = item.get("filename") or Path(raw).name
        if not isinstance(filename, str):
            raise FieldErrors({"attachments": f"filename은 문자열이어야 합니다: {raw}"})
        upload = check_upload(filename, _read_inside(base, raw, max_bytes), max_bytes)
        if item.get("sha256") and item["sha256"] != _sha256(upload.data):
            raise FieldErrors({"attachments": f"sha256이 맞지 않습니다: {raw}"})
        uploads.append(upload)
    return uploads


def _read_inside(base, raw, max_bytes):
    """Return the bytes of a file inside the import folder (symlinks followed), at most max_bytes + 1."""
    if Path(raw).is_absolute():
        raise FieldErrors({"attachments": f"첨부파일 경로는 가져오기 파일의 폴더 안 상대 경로여야 합니다: {raw}"})
    try:
        path = (base / raw).resolve(strict=True)
        if not path.is_relative_to(base):
            raise FieldErrors({"attachments": f"가져오기 파일의 폴더 밖 파일은 읽지 않습니다: {raw}"})
        if not path.is_file():
            raise FieldErrors({"attachments": f"파일이 없습니다: {raw}"})
        with open(path, "rb") as fh:
            return read_limited(fh, max_bytes)  # the size stat() told may have grown since
    except (OSError, ValueError, RuntimeError):  # missing, NUL in the name, symlink loop
        raise FieldErrors({"attachments": f"파일이 없습니다: {raw}"}) from None


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def content_key(release, fields=None, preserved=None, uploads=(), timed=True):
    """Return what a reader would see of a stored release, or of one about to be imported."""
    if release is not None:
        values = {name: stored_value(release, name) for name in COMPARED}
        files = [(f.filename, f.sha256) for f in sorted(release.attachments, key=lambda f: f.id)]
    else:
        values = {**derive_columns(fields, None), **{k: v for k, v in preserved.items() if k == "status"}}
        values = {name: values.get(name) for name in COMPARED}
        files = [(u.filename, _sha256(u.data)) for u in uploads]
    if not timed:
        values.pop("published_at")
    return values, files
