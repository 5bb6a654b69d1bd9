from django.urls import path

from shopfloor.cfx import views

app_name = "cfx"

urlpatterns = [
    path("", views.endpoints, name="endpoints"),
    path("endpoints/<int:pk>/", views.endpoint_detail, name="endpoint"),
    path("dead-letters/", views.dead_letters, name="dead-letters"),
    path("dead-letters/<int:pk>/", views.dead_letter_detail, name="dead-letter"),
    path("dead-letters/<int:pk>/replay/", views.dead_letter_replay_view, name="replay"),
]
