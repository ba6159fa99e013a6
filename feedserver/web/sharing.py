"""What messengers and social sites show for a shared release: its first picture."""
import re
from html.parser import HTMLParser

_IMG_TAG = re.compile(r"<img", re.IGNORECASE)


class _FirstImage(HTMLParser):
    """Remember the src of the first <img> in a body."""

    def __init__(self):
        super().__init__()
        self.src = None

    def handle_starttag(self, tag, attrs):
        if tag == "img" and self.src is None:
            self.src = dict(attrs).get("src") or None


def first_image(body_html):
    """Return the src of the body's first picture, or None (the board's default is used then)."""
    # Most bodies hold no picture: a search, not a parse, answers those (a tenth of a release
    # page went to parsing). Where "<img" appears, the whole body is parsed: it may sit in an
    # attribute's value, which is no picture.
    if not body_html or not _IMG_TAG.search(body_html):
        return None
    parser = _FirstImage()
    parser.feed(body_html)
    parser.close()
    src = parser.src
    # Only our own pictures and web addresses: data: URIs are no card image.
    if src and src.startswith(("/", "https://", "http://")) and not src.startswith("//"):
        return src
    return None
