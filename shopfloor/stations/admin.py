from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from shopfloor.admin import ReadOnlyAdmin
from shopfloor.scanning.services import api_token_issue, api_token_revoke
from shopfloor.stations.models import (
    ApiToken,
    DefectReason,
    ScanEvent,
    Station,
    UnitRegistration,
)


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["name", "line", "stage", "is_active", "updated_at"]
    list_filter = ["is_active", "line", "stage"]
    search_fields = ["name", "line", "stage"]
    raw_id_fields = ["parts"]


@admin.register(DefectReason)
class DefectReasonAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["label", "code"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "station",
        "stages",
        "may_read",
        "key_prefix",
        "is_revoked",
        "last_used_at",
    ]
    list_filter = ["is_revoked"]
    search_fields = ["name"]
    fields = ["name", "station", "stages", "may_read", "key_prefix", "is_revoked", "last_used_at"]
    readonly_fields = ["key_prefix", "is_revoked", "last_used_at"]
    actions = ["rotate", "revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, secret = api_token_issue(
            name=obj.name,
            stages=obj.stage_list,
            station=obj.station,
            may_read=obj.may_read,
            created_by=request.user,
        )
        obj.pk = token.pk
        self._show_secret(request, token, secret)

    def _show_secret(self, request, token, secret):
        messages.warning(
            request,
            _("Token of %(name)s (copy it now, it is not shown again): %(secret)s")
            % {"name": token.name, "secret": secret},
        )

    @admin.action(description=_("Rotate: issue a new secret, the old one stops working"))
    def rotate(self, request, queryset):
        for token in queryset:
            token, secret = api_token_issue(
                name=token.name,
                stages=token.stage_list,
                station=token.station,
                may_read=token.may_read,
            )
            self._show_secret(request, token, secret)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token)
        messages.success(request, _("Revoked %(count)d tokens.") % {"count": len(queryset)})

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UnitRegistration)
class UnitRegistrationAdmin(ReadOnlyAdmin):
    """Written by first scans only."""

    list_display = ["usid", "part", "created_at"]
    search_fields = ["usid"]
    list_select_related = ["part"]


@admin.register(ScanEvent)
class ScanEventAdmin(ReadOnlyAdmin):
    """The append-only scan log: shown and searched, never changed."""

    list_display = [
        "created_at",
        "usid",
        "part",
        "stage",
        "action",
        "result",
        "defect",
        "source",
        "station",
        "who",
        "reason",
    ]
    list_filter = ["source", "action", "result", "station"]
    search_fields = ["usid"]
    list_select_related = ["part", "defect", "station", "user", "token"]
    date_hierarchy = "created_at"
