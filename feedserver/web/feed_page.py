"""The Korean page a person gets when their browser navigates to a feed URL.

Browsers are dropping XSLT, so feed.xsl no longer reaches everyone who clicks an RSS
link. A navigation (caching.render.is_navigation) gets this page instead: what the feed
is, how to subscribe, a copy button, the latest items with Korean dates and the other
formats. Readers keep getting the feed bytes; the page is kept in the render cache under
its own key, beside the feed it describes.
"""
from flask import render_template, url_for

from feedserver.web.discovery import FORMAT_NAMES, feed_alternates

READERS = (
    ("Feedly", "feedly.com 에서 '+' (Follow) 를 누르고 주소를 붙여 넣습니다."),
    ("Inoreader", "'구독 추가'(Add subscription) 칸에 주소를 붙여 넣습니다."),
    ("NetNewsWire (맥·아이폰)", "'파일 > 구독 추가' 또는 '+' 단추에 주소를 붙여 넣습니다."),
    ("Thunderbird", "'새 계정 > 피드'를 만든 뒤 '구독 관리'에서 주소를 추가합니다."),
)


def page_renderer(cache, key, build, limit, fmt, endpoint, values):
    """Return a callable that renders (or reuses) the page of one feed as a Rendered entry."""
    page_key = ("html", *key)

    def render():
        entry = cache.get(page_key)
        if entry is None:
            entry = cache.put(page_key, _render(build(limit), fmt, endpoint, values).encode())
        return entry
    return render


def _render(feed, fmt, endpoint, values):
    others = [(FORMAT_NAMES[f][0], url_for(endpoint, fmt=f, **values), f == fmt) for f in FORMAT_NAMES]
    return render_template("feeds/feed_page.html", feed=feed, format_name=FORMAT_NAMES[fmt][0],
                           others=others, readers=READERS,
                           alternates=feed_alternates(endpoint, values, feed.title))
