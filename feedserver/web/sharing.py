"""What messengers and social sites show for a shared release: its first picture."""
from html.parser import HTMLParser


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
    parser = _FirstImage()
    parser.feed(body_html or "")
    parser.close()
    src = parser.src
    # Only our own pictures and web addresses: data: URIs are no card image.
    if src and src.startswith(("/", "https://", "http://")) and not src.startswith("//"):
        return src
    return None
