"""Rows written straight to the models, with the feed-state bump and the search index kept."""
from datetime import timedelta

from feedserver.models import (
    Category,
    Release,
    bump_feed_state,
    html_to_text,
    summarize,
    utcnow,
)
from feedserver.search import index as search_index


def make_category(slug="news", name="소식"):
    """Create a category."""
    return Category.create(slug=slug, name=name)


def make_release(category, title="제목", body="<p>본문</p>", status="published",
                 published_at=None, author="경기지기", **extra):
    """Create a release published a minute ago (by default), bump its feed and index it."""
    published_at = published_at or utcnow() - timedelta(minutes=1)
    plain = html_to_text(body)
    release = Release.create(category=category, title=title, author=author, body_html=body,
                             body_text=plain, summary=summarize(plain), status=status,
                             published_at=published_at, **extra)
    bump_feed_state([category.id])
    search_index.reindex([release])
    return release
