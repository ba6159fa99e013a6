"""Korean press-release fields in: 담당부서, 담당자, 연락처, 보도시점, 공공누리 type, 정정 note.

The patterns below are also the OpenAPI document's (api/openapi.py), and are applied the way
a JSON Schema validator applies them (re.search on the value as sent), so what the document
allows is exactly what is accepted.
"""
import re

from feedserver.content.embargo import embargo_instant
from feedserver.content.kogl import TYPES
from feedserver.dates import to_kst

# Korean numbers as boards print them: 02-123-4567, 031-8008-2114, 010-1234-5678, 070-…,
# and the nationwide 15xx/16xx/18xx-xxxx numbers. Empty: no number.
PHONE_PATTERN = (r"^$|^0(2|[3-6][1-5]|70|1[016789])-[0-9]{3,4}-[0-9]{4}$"
                 r"|^1[5-9][0-9]{2}-[0-9]{4}$")
EMAIL_PATTERN = r"^$|^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
TEXTS = {"department": ("담당부서", 100), "contact_person": ("담당자", 50),
         "embargo_text": ("보도시점", 100)}
LIMITS = {**{name: limit for name, (_, limit) in TEXTS.items()},
          "contact_phone": 30, "contact_email": 254, "correction": 1000}
NAMES = (*TEXTS, "contact_phone", "contact_email", "kogl_type", "correction")
LABELS = {**{name: label for name, (label, _) in TEXTS.items()}, "contact_phone": "연락처(전화)",
          "contact_email": "연락처(전자우편)", "kogl_type": "공공누리 유형", "correction": "정정"}


def check_press_fields(data, current, fields, errors, one_line):
    """Check the press fields present in data (all of them for a new release) into fields."""
    for name in NAMES:
        if name not in data and current is not None:
            continue
        raw = data.get(name, None if name == "kogl_type" else "")
        message = _check(name, raw)
        if message:
            errors[name] = message
        elif name == "kogl_type":
            fields[name] = raw
        elif name == "correction":
            fields[name] = "\n".join(" ".join(line.split()) for line in raw.strip().splitlines()
                                     if line.strip())
        else:
            fields[name] = one_line(raw)


def _check(name, raw):
    """Return a Korean message when raw is not acceptable for name, else None."""
    if name == "kogl_type":
        if raw is None or (type(raw) is int and raw in TYPES):
            return None
        return "공공누리 유형은 1, 2, 3, 4 중 하나(또는 게시판 기본값 null)여야 합니다."
    label = LABELS[name]
    if not isinstance(raw, str):
        return f"{label}은(는) 문자열이어야 합니다."
    if len(raw) > LIMITS[name]:
        return f"{label}은(는) {LIMITS[name]}자 이하로 입력해 주세요."
    if name == "contact_phone" and not re.search(PHONE_PATTERN, raw):
        return "전화번호는 02-123-4567, 031-8008-2114, 010-1234-5678 같은 형식으로 입력해 주세요."
    if name == "contact_email" and not re.search(EMAIL_PATTERN, raw):
        return "전자우편 주소 형식이 올바르지 않습니다 (예: press@gg.go.kr)."
    return None


def apply_embargo(fields, current, now):
    """Hold a release that is not public yet until its 보도시점: schedule it then. Return the time.

    Only a 보도시점 in the future with a date counts; a release readers already see is
    never taken back by a changed 보도시점.
    """
    text = fields.get("embargo_text", current.embargo_text if current is not None else "")
    status = fields.get("status", current.status if current is not None else "draft")
    when = fields.get("published_at", current.published_at if current is not None else None)
    if status not in ("published", "scheduled") or (current is not None and current.is_public(now)):
        return None
    embargo = embargo_instant(text, to_kst(now).year)
    if embargo is None or embargo <= now or (when is not None and when >= embargo):
        return None
    fields["status"], fields["published_at"] = "scheduled", embargo
    return embargo
