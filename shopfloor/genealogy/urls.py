from django.urls import path

from shopfloor.genealogy import views

app_name = "genealogy"

urlpatterns = [
    path("trace/", views.trace_page, name="trace"),
    path("trace/recall.csv", views.recall_csv, name="recall-csv"),
    path("units/<usid:usid>/repair/", views.component_repair, name="repair"),
]
