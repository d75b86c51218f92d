from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from accounts import views as account_views
from trading import open_data

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("audit/", include("audit.urls")),
    path("trading/", include("trading.urls")),
    path("rooms/", include("bidroom.urls")),
    path("experts/", include("experts.urls")),
    path("recordings/", include("recording.urls")),
    path("notices/", include("trading.portal_urls")),
    path("open-data/releases.json", open_data.all_releases, name="ocds_releases"),
    path("open-data/listings/<str:code>.json", open_data.listing_package, name="ocds_listing"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]
