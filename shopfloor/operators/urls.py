from django.urls import path

from shopfloor.operators import views

app_name = "operators"

urlpatterns = [
    path("badge/", views.badge_sign_in, name="badge"),
    path("badge/pin/", views.badge_pin, name="pin"),
    path("badge/lock/", views.station_lock, name="lock"),
    path("devices/", views.devices, name="devices"),
    path("devices/bind/<int:station_pk>/", views.device_bind_view, name="bind"),
    path("devices/unbind/", views.device_unbind_view, name="unbind"),
    path("people/", views.operator_list, name="operators"),
    path("people/<int:user_pk>/", views.operator_page, name="operator"),
    path("people/<int:user_pk>/badge/", views.badge_issue, name="badge-issue"),
    path("people/<int:user_pk>/badge/withdraw/", views.badge_withdraw, name="badge-withdraw"),
    path("people/<int:user_pk>/pin/", views.pin_set, name="pin-set"),
    path("people/<int:user_pk>/policy/", views.policy_set, name="policy-set"),
    path("qualifications/", views.qualifications, name="qualifications"),
    path("qualifications/rules/", views.rule_create, name="rule-create"),
    path("qualifications/rules/<int:rule_pk>/delete/", views.rule_delete, name="rule-delete"),
    path("qualifications/grant/", views.qualification_grant, name="grant"),
]
