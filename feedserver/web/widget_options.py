"""Widget options: strict parsing for the JSON and iframe routes, lenient for the builder,
and the snippets a webmaster pastes (static/builder.js writes the same text)."""
import re
from dataclasses import dataclass

from markupsafe import escape

from feedserver.models import Category

DEFAULT_LIMIT, MAX_LIMIT = 5, 20
THEMES = ("auto", "light", "dark")
FLAGS = {"show_date": True, "show_summary": False, "new_tab": False}
_DIGITS = re.compile(r"[0-9]{1,5}")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class WidgetArgError(Exception):
    """A query argument the JSON and iframe routes refuse (400 or 404)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class WidgetArgs:
    category: Category | None = None
    limit: int = DEFAULT_LIMIT
    theme: str = "auto"
    show_date: bool = True
    show_summary: bool = False
    new_tab: bool = False

    @property
    def slug(self):
        return self.category.slug if self.category else ""


def parse_args(args):
    """Read category, limit, theme and flags strictly; raise WidgetArgError on bad input."""
    limit = args.get("limit", "").strip() or str(DEFAULT_LIMIT)
    if not _DIGITS.fullmatch(limit) or not 1 <= int(limit) <= MAX_LIMIT:
        raise WidgetArgError(400, f"limit은 1부터 {MAX_LIMIT} 사이의 정수여야 합니다.")
    theme = args.get("theme", "").strip() or "auto"
    if theme not in THEMES:
        raise WidgetArgError(400, "theme은 auto, light, dark 중 하나여야 합니다.")
    flags = {name: _parse_flag(args.get(name), name, default) for name, default in FLAGS.items()}
    return WidgetArgs(_category(args.get("category", "").strip()), int(limit), theme, **flags)


def _parse_flag(value, name, default):
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise WidgetArgError(400, f"{name}은 1 또는 0이어야 합니다.")


def _category(slug):
    if not slug:
        return None
    category = Category.get_or_none(Category.slug == slug[:64])
    if category is None:
        raise WidgetArgError(404, "없는 게시판입니다.")
    return category


def lenient_args(args):
    """Read the builder's arguments, using the nearest valid value for anything bad."""
    digits = re.sub(r"[^0-9]", "", args.get("limit", "")) or str(DEFAULT_LIMIT)
    limit = min(MAX_LIMIT, max(1, int(digits[:5])))
    theme = args.get("theme") if args.get("theme") in THEMES else "auto"
    slug = args.get("category", "")
    category = Category.get_or_none(Category.slug == slug[:64]) if slug else None
    # A checkbox follows a hidden "0" of the same name: the last value wins.
    flags = {name: (args.getlist(name) or ["1" if default else "0"])[-1].lower() in _TRUE
             for name, default in FLAGS.items()}
    return WidgetArgs(category, limit, theme, **flags)


def embed_query(args):
    """Return the iframe query arguments that differ from the defaults."""
    query = {"category": args.slug or None, "limit": args.limit,
             "theme": None if args.theme == "auto" else args.theme}
    for name, default in FLAGS.items():
        if getattr(args, name) != default:
            query[name] = int(getattr(args, name))
    return query


def script_snippet(script_url, args):
    """Return the script tag a webmaster pastes; builder.js writes the same text."""
    attrs = [("src", script_url)]
    attrs += [("data-category", args.slug)] if args.slug else []
    attrs += [("data-limit", str(args.limit))]
    attrs += [("data-theme", args.theme)] if args.theme != "auto" else []
    for name, default in FLAGS.items():
        if getattr(args, name) != default:
            attrs.append(("data-" + name.replace("_", "-"), str(getattr(args, name)).lower()))
    return "<script " + "".join(f'{k}="{escape(v)}" ' for k, v in attrs) + "async></script>"


def iframe_snippet(embed_url, resize_url, title):
    """Return the iframe and its optional height helper; builder.js writes the same text."""
    return (f'<iframe src="{escape(embed_url)}" title="{escape(title)} 최신 보도자료" '
            'width="100%" height="360" frameborder="0" loading="lazy" '
            'class="feedserver-embed"></iframe>\n'
            f'<script src="{escape(resize_url)}" async></script>')
