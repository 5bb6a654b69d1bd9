from django.urls import path, re_path

from shopfloor.stations import api

app_name = "api"

urlpatterns = [
    path("scans", api.scan_create, name="scans"),
    path("units/<path:usid>", api.unit_detail, name="unit"),
    path("parts/<path:part_no>/summary", api.part_summary_detail, name="part-summary"),
    re_path(r"^(?P<rest>.*)$", api.not_found),
]
