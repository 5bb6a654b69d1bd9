from django.contrib import admin

from shopfloor.admin import ReadOnlyAdmin
from shopfloor.operators.models import BadgeFailure, OperatorBadge, Qualification, QualificationRule


@admin.register(OperatorBadge)
class OperatorBadgeAdmin(ReadOnlyAdmin):
    """Badges are issued from the operator's page, where the card is printed."""

    list_display = ["user", "issued_at", "issued_by", "opens_all_pages"]
    fields = ["user", "issued_at", "issued_by", "opens_all_pages"]


@admin.register(QualificationRule)
class QualificationRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_at", "created_by"]


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ["user", "rule", "expires_on", "granted_by"]
    list_filter = ["rule"]


@admin.register(BadgeFailure)
class BadgeFailureAdmin(ReadOnlyAdmin):
    """Deleting a station's refusals lifts its pause."""

    list_display = ["station", "at"]
    list_filter = ["station"]

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("operators.delete_badgefailure")
