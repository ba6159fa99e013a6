"""A category feed written the way Django's syndication documentation shows it."""
from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from .models import Release


class GovernorFeed(Feed):
    feed_type = Atom1Feed
    title = "경기도 보도자료 - 도지사 보도자료"
    link = "/board/governor/"
    subtitle = "경기도지사의 활동과 정책을 알리는 보도자료입니다."

    def items(self):
        return (Release.objects.select_related("category")
                .filter(category__slug="governor", status__in=("published", "scheduled"),
                        published_at__lte=timezone.now())
                .order_by("-published_at", "-id")[:20])

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.body_html

    def item_link(self, item):
        return f"/releases/{item.public_id}"

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return max(item.updated_at, item.published_at)

    def item_author_name(self, item):
        return item.author

    def item_categories(self, item):
        return (item.category.name,)
