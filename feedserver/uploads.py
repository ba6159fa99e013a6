"""Attachment uploads: allow-list by extension, type checked from the bytes, safe names."""
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype

from . import storage

OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
OOXML_MAIN_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml",
                   ".pptx": "ppt/presentation.xml"}
CONTENT_TYPES = {
    ".hwp": "application/x-hwp",
    ".hwpx": "application/hwp+zip",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".zip": "application/zip",
}
ALLOWED_LABEL = "hwp, hwpx, pdf, docx, xlsx, pptx, jpg, png, zip"
MAX_NAME = 200


class UploadError(Exception):
    """A refused upload: `status` is 400, 413 or 415; the message is Korean."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


def safe_filename(name):
    """Keep only the base name, without control characters; Korean stays."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = PurePosixPath(name).name.strip().lstrip(".").strip()
    if len(name) > MAX_NAME:
        suffix = PurePosixPath(name).suffix[:10]
        name = name[: MAX_NAME - len(suffix)] + suffix
    return name


def check_upload(filename, data, max_bytes):
    """Return an Upload for acceptable bytes or raise UploadError."""
    name = safe_filename(filename)
    if not name:
        raise UploadError(400, "파일 이름이 없습니다.")
    if len(data) > max_bytes:
        raise UploadError(413, f"파일이 너무 큽니다. {max_bytes // (1024 * 1024)}MB 이하만 올릴 수 있습니다.")
    if not data:
        raise UploadError(400, f"빈 파일입니다: {name}")
    ext = PurePosixPath(name).suffix.lower()
    if ext not in CONTENT_TYPES:
        raise UploadError(415, f"올릴 수 없는 파일 형식입니다: {name} (허용: {ALLOWED_LABEL})")
    if not content_matches(ext, data):
        raise UploadError(415, f"파일 내용이 확장자({ext})와 맞지 않습니다: {name}")
    return Upload(name, CONTENT_TYPES[ext], data)


def read_limited(stream, max_bytes):
    """Read at most max_bytes + 1 bytes, enough to tell a file is too large."""
    return stream.read(max_bytes + 1)


def content_matches(ext, data):
    """Tell whether the bytes are what the extension claims."""
    if ext == ".hwp":
        return data.startswith(OLE2_MAGIC)
    if ext in (".hwpx", ".docx", ".xlsx", ".pptx", ".zip"):
        return _zip_matches(ext, data)
    kind = filetype.guess(data[:8192])
    expected = {".pdf": "pdf", ".jpg": "jpg", ".jpeg": "jpg", ".png": "png"}[ext]
    return kind is not None and kind.extension == expected


def _zip_matches(ext, data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if ext == ".zip":
                return True
            if ext == ".hwpx":
                return ("mimetype" in names
                        and archive.read("mimetype").strip() == b"application/hwp+zip")
            return "[Content_Types].xml" in names and OOXML_MAIN_PART[ext] in names
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError):
        return False


def store_upload(upload):
    """Write an accepted upload to disk; return the Attachment fields."""
    stored_name, size, digest = storage.store_bytes(upload.data)
    return {"filename": upload.filename, "content_type": upload.content_type,
            "size": size, "sha256": digest, "stored_name": stored_name}


def remove_stored(stored_names):
    """Delete attachment files whose rows are gone or were never written."""
    folder = storage.attachment_dir()
    for name in stored_names:
        (folder / name).unlink(missing_ok=True)
