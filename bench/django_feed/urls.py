from django.urls import path

from .feeds import GovernorFeed

urlpatterns = [path("feeds/category/governor.atom", GovernorFeed())]
