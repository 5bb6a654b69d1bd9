from django.urls import path

from parts import views

app_name = "parts"

urlpatterns = [
    path("", views.part_list, name="list"),
    path("new/", views.part_create, name="create"),
    path("<int:pk>/", views.part_detail, name="detail"),
]
