"""Raw release input from forms, JSON and import files, checked into release fields."""
import unicodedata
from datetime import datetime, timezone

from flask import current_app

from .models import Category, utcnow
from .sanitize import clean_body

INPUT_STATUSES = ("draft", "published", "scheduled")
DEFAULT_AUTHOR = "경기지기"
LIMITS = {"title": 300, "author": 100, "summary": 1000, "external_id": 200}


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
    if isinstance(value, str) and value.strip():
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
        body = data.get("body", "")
        if not isinstance(body, str):
            errors["body"] = "본문은 문자열이어야 합니다."
        else:
            fields["body_html"] = clean_body(body)
    _check_schedule(data, current, fields, errors, now, future_only)
    if errors:
        raise FieldErrors(errors)
    return fields


def _check_texts(data, current, fields, errors):
    for name, label in (("title", "제목"), ("author", "작성자"), ("summary", "요약")):
        if name not in data and current is not None:
            continue
        try:
            value = one_line(data.get(name, ""))
        except ValueError:
            errors[name] = f"{label}은(는) 문자열이어야 합니다."
            continue
        if name == "author" and not value:
            value = default_author()
        if name == "title" and not value:
            errors[name] = "제목을 입력해 주세요."
        elif len(value) > LIMITS[name]:
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
