"""File sizes as people read them, the same on the board, release pages, admin and messages."""
from babel.numbers import format_decimal

UNITS = ("B", "KB", "MB", "GB", "TB")


def filesize(size):
    """Format a byte count: 574 B, 1.5 KB, 20 KB, 1.2 MB (Korean number format, binary units)."""
    size = max(0, int(size or 0))
    value, unit = float(size), UNITS[0]
    for unit in UNITS:
        if value < 1024 or unit == UNITS[-1]:
            break
        value /= 1024
    pattern = "#,##0" if unit == "B" else "#,##0.#"
    return f"{format_decimal(value, pattern, locale='ko_KR')} {unit}"
