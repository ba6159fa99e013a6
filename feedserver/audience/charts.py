"""Server-rendered SVG charts and Korean numbers for /admin/audience (readable without JavaScript).

Each chart has a <title> naming what it shows; the page puts the same figures in a table beside
it, which is what screen readers read.
"""
from babel.numbers import format_decimal
from markupsafe import Markup, escape

BAR = "#1f5fa8"  # 6.6:1 on white
MARK = "#b3261e"
TEXT = "#1a1a1a"


def korean_number(n):
    """Format a count as Koreans read large numbers: 12345 -> '1만 2,345', 123456789 -> '1억 2,345만 6,789'."""
    n = int(n)
    if abs(n) < 10_000:
        return format_decimal(n, "#,##0", locale="ko_KR")
    sign, n = ("-" if n < 0 else ""), abs(n)
    parts = [(n // 10**8, "억"), (n // 10**4 % 10**4, "만"), (n % 10**4, "")]
    words = [format_decimal(value, "#,##0", locale="ko_KR") + unit for value, unit in parts if value]
    return sign + " ".join(words)


def bar_chart(title, rows, width=560):
    """Return horizontal bars, one per (label, value), as an SVG element."""
    row_height, label_width, height = 28, 200, 28 * max(len(rows), 1) + 8
    top = max([value for _, value in rows] + [1])
    bars = []
    for i, (label, value) in enumerate(rows):
        y = 4 + i * row_height
        length = round((width - label_width - 90) * value / top)
        bars.append(
            f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end" fill="{TEXT}">{escape(_cut(label))}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{max(length, 1)}" height="18" fill="{BAR}"/>'
            f'<text x="{label_width + length + 6}" y="{y + 18}" fill="{TEXT}">{escape(korean_number(value))}</text>')
    return _svg(title, width, height, "".join(bars) or _empty(width))


def day_chart(title, days, marked=None, width=640):
    """Return vertical bars, one per {"day", "views"}, with the `marked` day (publication) shown."""
    height, base, left = 220, 180, 48
    top = max([d["views"] for d in days] + [1])
    step = (width - left - 8) / max(len(days), 1)
    parts = [f'<line x1="{left}" y1="{base}" x2="{width - 8}" y2="{base}" stroke="{TEXT}"/>',
             (f'<text x="{left - 6}" y="{base - 150 + 4}" text-anchor="end" fill="{TEXT}">'
              f'{escape(korean_number(top))}</text>'),
             f'<text x="{left - 6}" y="{base + 4}" text-anchor="end" fill="{TEXT}">0</text>']
    for i, point in enumerate(days):
        x, tall = left + i * step, round(150 * point["views"] / top)
        parts.append(f'<rect x="{x + step * 0.15:.1f}" y="{base - tall}" width="{max(step * 0.7, 1):.1f}" '
                     f'height="{tall}" fill="{BAR}"/>')
        if point["day"] == marked:
            parts.append(f'<line x1="{x + step / 2:.1f}" y1="20" x2="{x + step / 2:.1f}" y2="{base}" '
                         f'stroke="{MARK}" stroke-width="2" stroke-dasharray="4 3"/>'
                         f'<text x="{x + step / 2:.1f}" y="14" text-anchor="middle" fill="{MARK}">게시</text>')
    for i in (0, len(days) - 1) if days else ():
        parts.append(f'<text x="{left + i * step + step / 2:.1f}" y="{base + 20}" text-anchor="middle" '
                     f'fill="{TEXT}">{days[i]["day"]:%m.%d}</text>')
    return _svg(title, width, height, "".join(parts))


def _svg(title, width, height, body):
    return Markup(f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
                  f'height="{height}" xmlns="http://www.w3.org/2000/svg" font-size="13">'
                  f'<title>{escape(title)}</title>{body}</svg>')


def _empty(width):
    return f'<text x="{width / 2}" y="20" text-anchor="middle" fill="{TEXT}">아직 집계가 없습니다</text>'


def _cut(label, size=14):  # Hangul is wide: 14 fit the 200-unit label column
    return label if len(label) <= size else label[:size - 1] + "…"
