from django.urls import path, re_path

from shopfloor.scanning import api

app_name = "api"

# USIDs and part numbers in the path may hold any character, line breaks included ("(?s)"):
# the views answer what is wrong with them, in JSON, like any other API refusal.
urlpatterns = [
    path("scans", api.scan_create, name="scans"),
    path("openapi.json", api.openapi, name="openapi"),
    re_path(r"^units/(?P<usid>(?s:.+))\Z", api.unit_detail, name="unit"),
    re_path(r"^parts/(?P<part_no>(?s:.+))/summary\Z", api.part_summary_detail, name="part-summary"),
    re_path(r"^(?P<rest>(?s:.*))\Z", api.not_found, name="not-found"),
]
