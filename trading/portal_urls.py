from django.urls import path

from trading import portal

app_name = "portal"

urlpatterns = [
    path("", portal.notice_list, name="notices"),
    path("feed/", portal.NoticeFeed(), name="feed"),
]
