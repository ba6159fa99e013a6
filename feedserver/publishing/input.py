"""Raw release input from forms, JSON and import files, checked into release fields."""
import re
import unicodedata
import weakref
from datetime import datetime, timezone

from flask import current_app

from feedserver.content.sanitize import clean_body
from feedserver.content.uploads import size_label
from feedserver.db import database, is_mysql
from feedserver.models import Category, utcnow

INPUT_STATUSES = ("draft", "published", "scheduled")
DEFAULT_AUTHOR = "경기지기"
# Category slugs: what URLs and feed paths can carry.
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
LIMITS = {"title": 300, "author": 100, "summary": 1000, "external_id": 200}
MAX_BODY_BYTES = 1024 * 1024
# Release input is one flat object; anything nested deeper is not a release.
MAX_JSON_DEPTH = 20
_SURROGATE = re.compile("[\ud800-\udfff]")
UNUSABLE_TEXT = "쓸 수 없는 문자(짝이 없는 UTF-16 서로게이트 또는 잘못된 UTF-8)가 있습니다."
_column_bytes = weakref.WeakKeyDictionary()  # database -> bytes its body columns hold


class FieldErrors(Exception):
    """Input that cannot be saved; `fields` maps a field name to a Korean message."""

    def __init__(self, fields, message="입력한 내용을 확인해 주세요."):
        super().__init__(message)
        self.fields = fields
        self.message = message


def rfc3339(instant):
    """Format an aware instant as RFC 3339 UTC: 2024-05-07T08:46:00Z."""
    if instant is None:
        return None
    return instant.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_instant(value):
    """Parse an RFC 3339 string (with an offset) into aware UTC, whole seconds."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    else:
        raise ValueError("not a date-time")
    if parsed.tzinfo is None:
        raise ValueError("an offset is required")
    if not 1970 <= parsed.year <= 9000:
        raise ValueError("out of range")  # every supported database stores these
    return parsed.astimezone(timezone.utc).replace(microsecond=0)


def one_line(value):
    """Collapse whitespace and drop other control characters."""
    if not isinstance(value, str):
        raise ValueError("not a string")
    if value.isprintable():
        return " ".join(value.split())
    return " ".join("".join(ch for ch in value
                            if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cs")).split())


def default_author():
    return current_app.config.get("DEFAULT_AUTHOR") or DEFAULT_AUTHOR


def find_category(value):
    """Return the category named by its slug, or None."""
    if isinstance(value, Category):
        return value
    # No slug holds NUL, and PostgreSQL refuses it in a parameter: not asked, not a 500.
    if isinstance(value, str) and value.strip() and "\x00" not in value:
        return Category.get_or_none(Category.slug == value.strip())
    return None


def check_fields(data, current=None, now=None, future_only=True):
    """Return checked release fields from raw input; with `current`, missing keys keep its values."""
    now = now or utcnow()
    errors, fields = {}, {}
    _check_texts(data, current, fields, errors)
    if "category" in data or current is None:
        fields["category"] = find_category(data.get("category"))
        if fields["category"] is None:
            errors["category"] = ("분류를 선택해 주세요." if not data.get("category")
                                  else "없는 분류입니다.")
    if "body" in data or current is None:
        _check_body(data.get("body", ""), fields, errors)
    _check_schedule(data, current, fields, errors, now, future_only)
    if errors:
        raise FieldErrors(errors)
    return fields


def _check_body(body, fields, errors):
    if not isinstance(body, str):
        errors["body"] = "본문은 문자열이어야 합니다."
        return
    limit = body_limit()
    size = _utf8_size(body)
    if size <= limit:
        cleaned = clean_body(body)
        size = _utf8_size(cleaned)  # pasted text grows when it becomes paragraphs
    if size > limit:
        errors["body"] = (f"본문이 너무 깁니다({size:,}바이트). "
                          f"{size_label(limit)}({limit:,}바이트) 이하로 줄여 주세요.")
        return
    fields["body_html"] = cleaned


def _utf8_size(text):
    return len(text.encode("utf-8", "surrogatepass"))


def body_limit():
    """Return the largest body in bytes: MAX_BODY_BYTES, or less where the database holds less."""
    limit = current_app.config.get("MAX_BODY_BYTES", MAX_BODY_BYTES)
    held = _body_column_bytes()
    return min(limit, held) if held else limit


def _body_column_bytes():
    """Return how many bytes MariaDB's body columns hold (TEXT: 65,535), else None; asked once."""
    db = database.obj
    if not is_mysql(db):
        return None  # SQLite and PostgreSQL text has no practical limit
    if db not in _column_bytes:
        row = db.execute_sql(
            "SELECT MIN(CHARACTER_OCTET_LENGTH) FROM information_schema.COLUMNS WHERE "
            "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'release' "
            "AND COLUMN_NAME IN ('body_html', 'body_text')").fetchone()
        _column_bytes[db] = int(row[0]) if row and row[0] else None
    return _column_bytes[db]


def json_problems(data, max_depth=MAX_JSON_DEPTH):
    """Return {field: Korean message} for parsed JSON nested too deep or holding lone surrogates."""
    problems, stack = {}, [(data, 0, None)]
    while stack:
        value, depth, field = stack.pop()
        if depth > max_depth:
            problems[field or "json"] = f"JSON이 너무 깊게 중첩되어 있습니다({max_depth}단계 이하)."
            continue
        if isinstance(value, str) and _SURROGATE.search(value):
            problems[field or "json"] = UNUSABLE_TEXT
        elif isinstance(value, dict):
            for key, item in value.items():
                name = field or _printable_key(key)
                if _SURROGATE.search(key):
                    problems[name] = "항목 이름에 " + UNUSABLE_TEXT
                stack.append((item, depth + 1, name))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, field or "json") for item in value)
    return problems


def _printable_key(key):
    """Return a key that can be written back in a JSON answer (surrogates escaped)."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def _check_texts(data, current, fields, errors):
    for name, label in (("title", "제목"), ("author", "작성자"), ("summary", "요약")):
        if name not in data and current is not None:
            continue
        raw = data.get(name, "")
        try:
            value = one_line(raw)
        except ValueError:
            errors[name] = f"{label}은(는) 문자열이어야 합니다."
            continue
        if name == "author" and not value:
            value = default_author()
        if name == "title" and not value:
            errors[name] = "제목을 입력해 주세요."
        # The limit holds for what was sent (as the OpenAPI document says), not only what is kept.
        elif max(len(value), len(raw or "")) > LIMITS[name]:
            errors[name] = f"{label}은(는) {LIMITS[name]}자 이하로 입력해 주세요."
        fields[name] = value


def _check_schedule(data, current, fields, errors, now, future_only):
    if current is not None and "status" not in data and "published_at" not in data:
        return  # publication is not being changed
    status = data["status"] if "status" in data else (current.status if current else "draft")
    if status == "withdrawn" and current is not None and current.is_withdrawn:
        errors["status"] = "철회된 보도자료는 먼저 복원해 주세요."
        return
    if status not in INPUT_STATUSES:
        errors["status"] = "상태는 draft, published, scheduled 중 하나여야 합니다."
        return
    try:
        when = parse_instant(data["published_at"]) if data.get("published_at") else None
    except (ValueError, TypeError):
        errors["published_at"] = "게시 시각 형식이 올바르지 않습니다 (예: 2025-01-31T09:00:00+09:00)."
        return
    if status == "scheduled" and when is None:
        errors["published_at"] = "예약 게시 시각을 입력해 주세요."
        return
    if status == "scheduled" and future_only and when <= now and not (
            current is not None and current.published_at == when):
        errors["published_at"] = "예약 게시 시각은 지금 이후여야 합니다."
        return
    fields["status"], fields["published_at"] = _schedule(status, when, current, now)


def _schedule(status, when, current, now):
    """Return (status, published_at) as stored."""
    if status == "draft":
        return "draft", None
    if status == "published":
        if when is None:
            keep = current is not None and current.status == "published" and current.published_at
            when = current.published_at if keep else now
        return ("scheduled" if when > now else "published"), when
    return "scheduled", when


def check_external_id(value):
    """Return a clean external id (or None) or raise FieldErrors."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > LIMITS["external_id"]:
        raise FieldErrors({"external_id": "external_id는 200자 이하의 문자열이어야 합니다."})
    if any(ord(ch) < 32 for ch in value):
        raise FieldErrors({"external_id": "external_id에 쓸 수 없는 문자가 있습니다."})
    return value.strip()
