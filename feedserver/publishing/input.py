"""Raw release input from forms, JSON and import files, checked into release fields."""
import re
import unicodedata
import weakref
from datetime import datetime, timezone

import ciso8601
from flask import current_app

from feedserver.content.sanitize import clean_body
from feedserver.content.uploads import size_label
from feedserver.db import database, is_mysql
from feedserver.models import Category, utcnow
from feedserver.publishing.press_fields import apply_embargo, check_press_fields

INPUT_STATUSES = ("draft", "published", "scheduled")
DEFAULT_AUTHOR = "경기지기"
# Category slugs: what URLs and feed paths can carry.
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
LIMITS = {"title": 300, "author": 100, "summary": 1000, "external_id": 200}
MAX_BODY_BYTES = 1024 * 1024
# Blank: whitespace as Python's re or as ECMAScript (the OpenAPI document's patterns) reads \s,
# and control characters, which one_line drops. The same class means the same in both dialects.
BLANK = (r"\s\u0000-\u001f\u007f-\u009f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"
         r"\u3000\ufeff")
VISIBLE = f"[^{BLANK}]"
_VISIBLE = re.compile(VISIBLE)
# Publication years every supported database stores; the OpenAPI document states the same range.
EARLIEST_YEAR, LATEST_YEAR = 1970, 9000
# Release input is one flat object; anything nested deeper is not a release.
MAX_JSON_DEPTH = 20
_SURROGATE = re.compile("[\ud800-\udfff]")
UNUSABLE_TEXT = "쓸 수 없는 문자(짝이 없는 UTF-16 서로게이트 또는 잘못된 UTF-8)가 있습니다."
_column_bytes = weakref.WeakKeyDictionary()  # database -> bytes its body columns hold


class FieldErrors(Exception):
    """Input that cannot be saved; `fields` maps a field name to a Korean message.

    `status` tells the API why: 400 malformed input, 409 the release's state refuses it,
    422 well-formed input that a rule refuses (a schedule time already past).
    """

    def __init__(self, fields, message="입력한 내용을 확인해 주세요.", status=400):
        super().__init__(message)
        self.fields = fields
        self.message = message
        self.status = status


def rfc3339(instant):
    """Format an aware instant as RFC 3339 UTC: 2024-05-07T08:46:00Z."""
    if instant is None:
        return None
    return instant.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_instant(value):
    """Parse an RFC 3339 date-time (or an aware datetime) into aware UTC, whole seconds."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = parse_rfc3339(value)
    else:
        raise ValueError("not a date-time")
    if parsed.tzinfo is None:
        raise ValueError("an offset is required")
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        raise ValueError("out of range")  # every supported database stores these
    return parsed.astimezone(timezone.utc).replace(microsecond=0)


def parse_rfc3339(text):
    """Parse exactly RFC 3339's date-time (what JSON Schema's format: date-time accepts)."""
    # ciso8601 also takes RFC 3339's optional space separator, which the format does not.
    if text[10:11] not in ("T", "t"):
        raise ValueError("not an RFC 3339 date-time")
    if text[17:19] != "60":
        return ciso8601.parse_rfc3339(text)
    # A leap second (23:59:60 UTC) has no datetime; keep it as the second before it.
    parsed = ciso8601.parse_rfc3339(text[:17] + "59" + text[19:])
    if parsed.astimezone(timezone.utc).strftime("%H:%M:%S") != "23:59:59":
        raise ValueError("a leap second ends a UTC day")
    return parsed


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
    status = _check_schedule(data, current, fields, errors, now, future_only)
    check_press_fields(data, current, fields, errors, one_line)
    if errors:
        # A refusal by state or rule is told as such only when nothing else is malformed.
        only_schedule = set(errors) <= {"status", "published_at"}
        raise FieldErrors(errors, status=status if only_schedule else 400)
    apply_embargo(fields, current, now)
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
        if name == "title" and not _VISIBLE.search(raw):
            errors[name] = "제목을 입력해 주세요."
        # The limit holds for what was sent (as the OpenAPI document says), not only what is kept.
        elif max(len(value), len(raw or "")) > LIMITS[name]:
            errors[name] = f"{label}은(는) {LIMITS[name]}자 이하로 입력해 주세요."
        fields[name] = value


def _check_schedule(data, current, fields, errors, now, future_only):
    """Check status and published_at; return the HTTP status that fits an error found (400/409/422)."""
    if current is not None and "status" not in data and "published_at" not in data:
        return None  # publication is not being changed
    status = data["status"] if "status" in data else (current.status if current else "draft")
    if status == "withdrawn" and current is not None and current.is_withdrawn:
        errors["status"] = "철회된 보도자료는 먼저 복원해 주세요."
        return 409 if "status" not in data else 400
    if status not in INPUT_STATUSES:
        errors["status"] = "상태는 draft, published, scheduled 중 하나여야 합니다."
        return 400
    raw = data.get("published_at")
    try:  # "" is no time (an empty CSV cell); 0 or false is not a time either, but malformed
        when = None if raw is None or raw == "" else parse_instant(raw)
    except (ValueError, TypeError, OverflowError):
        errors["published_at"] = (f"게시 시각은 {EARLIEST_YEAR}–{LATEST_YEAR}년의 RFC 3339 시각이어야 합니다 "
                                  "(예: 2025-01-31T09:00:00+09:00).")
        return 400
    if status == "scheduled" and when is None:
        errors["published_at"] = "예약 게시 시각을 입력해 주세요."
        return 422
    if status == "scheduled" and future_only and when <= now and not (
            current is not None and current.published_at == when):
        errors["published_at"] = "예약 게시 시각은 지금 이후여야 합니다."
        return 422
    fields["status"], fields["published_at"] = _schedule(status, when, current, now)
    return None


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
    # The limit holds for what was sent (as the OpenAPI document says), not only what is kept.
    if not isinstance(value, str) or not _VISIBLE.search(value) or len(value) > LIMITS["external_id"]:
        raise FieldErrors({"external_id": "external_id는 200자 이하의 문자열이어야 합니다."})
    if any(ord(ch) < 32 for ch in value):
        raise FieldErrors({"external_id": "external_id에 쓸 수 없는 문자가 있습니다."})
    return value.strip()
