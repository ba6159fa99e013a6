"""Where a reader came from, by the Referer's host only: a class, never the address itself."""
from urllib.parse import urlsplit

SOURCES = ("search", "portal", "messenger", "widget", "feeds", "internal", "other", "direct")
LABELS = {"search": "검색", "portal": "포털", "messenger": "메신저·SNS", "widget": "다른 사이트의 위젯",
          "feeds": "피드 구독기", "internal": "이 사이트 안", "other": "다른 사이트", "direct": "직접 방문"}
# Suffix match on the host: "search.naver.com" is a search, "news.naver.com" a portal.
HOSTS = (
    ("search", ("search.naver.com", "m.search.naver.com", "search.daum.net", "search.zum.com",
                "google.com", "google.co.kr", "bing.com", "duckduckgo.com", "search.yahoo.com",
                "baidu.com", "yandex.ru", "ecosia.org")),
    ("portal", ("naver.com", "daum.net", "nate.com", "zum.com", "msn.com", "yahoo.com", "kakao.com")),
    ("messenger", ("talk.kakao.com", "kakaotalk.com", "story.kakao.com", "band.us", "line.me",
                   "t.me", "telegram.org", "facebook.com", "instagram.com", "t.co", "x.com",
                   "twitter.com", "threads.net", "linkedin.com", "slack.com", "discord.com")),
    ("feeds", ("feedly.com", "inoreader.com", "newsblur.com", "feedbin.com", "theoldreader.com",
               "bazqux.com", "feedspot.com", "feeder.co")),
)


def _matches(host, domains):
    return any(host == d or host.endswith("." + d) for d in domains)


def classify(referrer, own_host):
    """Return the source class of a view from its Referer header and our own host."""
    parts = urlsplit(referrer or "")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return "direct"
    if host == (own_host or "").split(":")[0].lower():
        # A click in the iframe widget comes from our /embed/ page, shown on another site.
        return "widget" if parts.path.startswith("/embed/") else "internal"
    # The messenger list goes first: talk.kakao.com must not fall into kakao.com, a portal.
    for source in ("messenger", "search", "portal", "feeds"):
        if _matches(host, dict(HOSTS)[source]):
            return source
    return "other"


def referrer_host(referrer, own_host):
    """Return the Referer's host when it is another site, else None (widget host sites)."""
    host = (urlsplit(referrer or "").hostname or "").lower().rstrip(".")
    if not host or host == (own_host or "").split(":")[0].lower():
        return None
    return host[:255]
