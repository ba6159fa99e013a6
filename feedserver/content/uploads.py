"""Attachment uploads: allow-list by extension, type checked from the bytes, safe names."""
import io
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from flask import current_app, has_app_context

from feedserver.content import extract, storage
from feedserver.content.sizes import filesize

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
# Pictures placed in a release's body (also kept as its files); filetype names JPEG "jpg".
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp"}
ALLOWED_LABEL = "hwp, hwpx, pdf, docx, xlsx, pptx, jpg, png, zip"
MAX_NAME = 200
READ_CHUNK = 1024 * 1024
ZIP_TYPES = (".hwpx", ".docx", ".xlsx", ".pptx", ".zip")
HWPX_MIMETYPE = b"application/hwp+zip"
# Every central directory entry starts with this; counting it bounds the entries zipfile would parse.
CENTRAL_ENTRY = b"PK\x01\x02"
# Bytes read from an inspected entry, whatever its header declares.
ENTRY_READ_CAP = 64
# Entries smaller than this cannot bomb, and tiny repetitive XML parts compress very well.
RATIO_GRACE = 1024 * 1024
# Anything a damaged or hostile archive makes zipfile or a decompressor raise.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, ValueError, EOFError,
              RuntimeError, NotImplementedError, zlib.error)


class UploadError(Exception):
    """A refused upload: `status` is 400, 413 or 415; the message is Korean."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ZipLimits:
    """What a zip container may declare: entries, total unpacked bytes, compression ratio."""

    max_entries: int = 10_000
    max_total_bytes: int = 256 * 1024 * 1024
    max_ratio: int = 100

    @classmethod
    def current(cls):
        """Return the ZIP_* settings of the running app, or the defaults outside one."""
        if not has_app_context():
            return cls()
        config, default = current_app.config, cls()
        return cls(config.get("ZIP_MAX_ENTRIES", default.max_entries),
                   config.get("ZIP_MAX_UNCOMPRESSED_BYTES", default.max_total_bytes),
                   config.get("ZIP_MAX_RATIO", default.max_ratio))


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


def size_label(size):
    """Return a byte count as people read it, as every page shows sizes: 20 MB, 64 KB, 512 B."""
    return filesize(size)


def check_upload(filename, data, max_bytes, zip_limits=None):
    """Return an Upload for acceptable bytes or raise UploadError."""
    name = safe_filename(filename)
    _check_size(name, data, max_bytes)
    ext = PurePosixPath(name).suffix.lower()
    if ext not in CONTENT_TYPES:
        raise UploadError(415, f"올릴 수 없는 파일 형식입니다: {name} (허용: {ALLOWED_LABEL})")
    if not content_matches(name, ext, data, zip_limits or ZipLimits.current()):
        raise UploadError(415, f"파일 내용이 확장자({ext})와 맞지 않습니다: {name}")
    return Upload(name, CONTENT_TYPES[ext], data)


def check_image(filename, data, max_bytes):
    """Return an Upload for a PNG, JPEG, GIF or WebP picture (read from its bytes) or raise."""
    name = safe_filename(filename) or "image"
    _check_size(name, data, max_bytes)
    kind = filetype.guess(data[:8192])
    ext = f".{kind.extension}" if kind else ""
    if ext not in IMAGE_TYPES:
        raise UploadError(415, f"본문에는 그림 파일(PNG, JPEG, GIF, WebP)만 넣을 수 있습니다: {name}")
    # A pasted picture is often called image.png whatever it is: the name follows the bytes.
    path = PurePosixPath(name)
    if IMAGE_TYPES.get(path.suffix.lower()) != IMAGE_TYPES[ext]:
        name = f"{path.stem or 'image'}{ext}"
    return Upload(name, IMAGE_TYPES[ext], data)


def _check_size(name, data, max_bytes):
    if not name:
        raise UploadError(400, "파일 이름이 없습니다.")
    if len(data) > max_bytes:
        raise UploadError(413, f"파일이 너무 큽니다. {size_label(max_bytes)} 이하만 올릴 수 있습니다.")
    if not data:
        raise UploadError(400, f"빈 파일입니다: {name}")


def read_limited(stream, max_bytes):
    """Read at most max_bytes + 1 bytes, enough to tell a file is too large."""
    # In chunks: read(n) on a file allocates n bytes up front, 20 MB for a 50 KB upload.
    chunks, left = [], max_bytes + 1
    while left > 0:
        chunk = stream.read(min(left, READ_CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def content_matches(name, ext, data, zip_limits):
    """Tell whether the bytes are what the extension claims; refuse zip bombs on the way."""
    if ext == ".hwp":
        return data.startswith(OLE2_MAGIC)
    if ext in ZIP_TYPES:
        return _zip_matches(name, ext, data, zip_limits)
    kind = filetype.guess(data[:8192])
    expected = {".pdf": "pdf", ".jpg": "jpg", ".jpeg": "jpg", ".png": "png"}[ext]
    return kind is not None and kind.extension == expected


def _zip_matches(name, ext, data, limits):
    """Check the central directory, then tell the zip-based types apart by their parts."""
    # zipfile builds one object per entry: count them first so that costs bounded memory.
    if data.count(CENTRAL_ENTRY) > limits.max_entries:
        raise UploadError(413, f"압축 파일 안의 항목이 너무 많습니다({limits.max_entries:,}개 이하): {name}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_declared(name, archive.infolist(), limits)  # before anything is inflated
            if ext == ".zip":
                return True
            if ext == ".hwpx":
                return _read_capped(archive, "mimetype").strip() == HWPX_MIMETYPE
            names = set(archive.namelist())
            return "[Content_Types].xml" in names and OOXML_MAIN_PART[ext] in names
    except ZIP_ERRORS:
        return False


def check_declared(name, entries, limits):
    """Refuse a zip bomb from the sizes its central directory declares."""
    total = 0
    for entry in entries:
        # Stored or deflated data never grows by more than a fraction: more means the sizes lie.
        if entry.compress_size > entry.file_size + entry.file_size // 100 + 1024:
            raise UploadError(400, f"압축 파일의 크기 정보가 맞지 않습니다(손상되었거나 조작된 파일): {name}")
        if (entry.file_size > RATIO_GRACE
                and entry.file_size > limits.max_ratio * max(entry.compress_size, 1)):
            raise UploadError(413, f"압축을 풀면 지나치게 커지는 파일(압축 폭탄)은 올릴 수 없습니다: {name}")
        total += entry.file_size
        if total > limits.max_total_bytes:
            raise UploadError(413, f"압축을 풀면 {size_label(limits.max_total_bytes)}가 넘는 "
                                   f"파일은 올릴 수 없습니다: {name}")


def _read_capped(archive, member):
    """Return the first ENTRY_READ_CAP bytes of a stored or deflated entry, never more."""
    entry = archive.getinfo(member)
    # bzip2 and LZMA inflate a whole compressed chunk per call, without an output bound.
    if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return b""
    with archive.open(entry) as stream:
        return stream.read(ENTRY_READ_CAP)


def store_upload(upload):
    """Write an accepted upload to disk; return the Attachment fields."""
    state, text = extract.extract(upload.filename, upload.data)  # once, before the transaction
    stored_name, size, digest = storage.store_bytes(upload.data)
    return {"filename": upload.filename, "content_type": upload.content_type,
            "size": size, "sha256": digest, "stored_name": stored_name,
            "text": text, "text_state": state}


def remove_stored(stored_names):
    """Delete attachment files whose rows are gone or were never written."""
    folder = storage.attachment_dir()
    for name in stored_names:
        (folder / name).unlink(missing_ok=True)
