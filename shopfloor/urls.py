from django.contrib import admin
from django.urls import include, path

from shopfloor import views

admin.site.site_header = "Shopfloor administration"
admin.site.site_title = "Shopfloor admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("shopfloor.accounts.urls")),
    path("parts/", include("parts.urls")),
    path("parts/<int:part_pk>/units/", include("parts.unit_tables.urls")),
    path("procedures/", include("procedures.urls")),
    path("admin/units/", include("parts.unit_tables.admin_urls")),
    path("admin/", admin.site.urls),
]
