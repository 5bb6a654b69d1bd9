from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from parts.media_views import part_media
from shopfloor import views
from shopfloor.genealogy import api as genealogy_api

handler500 = "shopfloor.errors.server_error"

admin.site.site_header = _("Shopfloor administration")
admin.site.site_title = _("Shopfloor admin")

urlpatterns = [
    # The scans' addresses first: every request walks this list until one matches.
    path("api/v1/trace", genealogy_api.trace, name="api-trace"),
    path("api/v1/", include("shopfloor.scanning.api_urls")),
    path("stations/", include("shopfloor.stations.urls")),
    path("", views.home, name="home"),
    path("accounts/", include("shopfloor.accounts.urls")),
    path("parts/", include("parts.urls")),
    path("parts/<int:part_pk>/units/", include("parts.unit_tables.urls")),
    path("procedures/", include("procedures.urls")),
    path("admin/units/", include("parts.unit_tables.admin_urls")),
    path("dashboards/", include("shopfloor.dashboards.urls")),
    path("jobs/", include("shopfloor.jobs.urls")),
    path("labels/", include("shopfloor.labels.urls")),
    path("operators/", include("shopfloor.operators.urls")),
    path("genealogy/", include("shopfloor.genealogy.urls")),
    path("machines/", include("shopfloor.cfx.urls")),
    path("admin/", admin.site.urls),
    # The scripts' strings in the active language (gettext() in static/js).
    path("jsi18n/", login_not_required(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    # Uploaded media is private: served after a sign-in and permission check, never as static.
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", part_media, name="media"),
]
