"""Each part's unit table in the Django admin, following schema changes without a restart.

Generated models are not registered with the admin site (registering would pin one class
for the life of the process). Instead every request under ``/admin/units/<part pk>/``
builds a ``UnitAdmin`` for the part's current model and hands it the request. The admin's
pages reverse URL names made from the model (``admin:parts_<model>_change`` ...), so for the
length of the request the URL configuration is one that also names this part's unit pages
(``set_urlconf``): links, redirects and buttons then work as for any registered model.
"""

from functools import cache

from django.conf import settings
from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLResolver, get_script_prefix, include, path, reverse, set_urlconf
from django.utils.module_loading import import_module
from django.utils.translation import gettext, gettext_lazy

from parts.models import ModelPart
from parts.unit_tables.exceptions import NoUnitTable
from parts.unit_tables.naming import stage_flag_column, stage_result_column

TEMPLATES = "admin/unit_tables"


class UnitAdmin(admin.ModelAdmin):
    """The admin of one part's unit table, built per request for its current model."""

    change_list_template = f"{TEMPLATES}/change_list.html"
    change_form_template = f"{TEMPLATES}/change_form.html"
    delete_confirmation_template = f"{TEMPLATES}/delete_confirmation.html"
    delete_selected_confirmation_template = f"{TEMPLATES}/delete_selected_confirmation.html"
    search_help_text = gettext_lazy("Exact USID or tag no.; anything else searches within USIDs.")
    show_full_result_count = False
    list_per_page = 50

    def __init__(self, model, admin_site, part):
        self.part = part
        flags = [stage_flag_column(stage["key"]) for stage in model.unit_stages]
        results = [
            stage_result_column(s["key"]) for s in model.unit_stages if s["result"] == "pass_fail"
        ]
        self.list_display = ["usid", "tag_no", *flags, "on_hold", "updated_at"]
        self.list_filter = [*flags, *results, "on_hold"]
        self.search_fields = ["usid"]
        super().__init__(model, admin_site)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        exact = queryset.filter(Q(usid=term) | Q(tag_no=term))
        if exact.exists():
            return exact, False
        return queryset.filter(usid__icontains=term), False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("parts.view_modelpart")

    # A unit is shown here, never changed: its stages, result and hold move only by scans and
    # the unit's page (each recorded in its history with who and when), a unit comes only from
    # a scan or an import (which register its USID to the part), and a traced unit is never
    # deleted. An admin row written here would be a stage without an event, or a unit no scan
    # can find.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def get_object(self, request, object_id, from_field=None):
        # Django's admin takes an empty ``?_to_field=`` for a field named "" and fails.
        return super().get_object(request, object_id, from_field or None)

    def render_change_form(self, request, context, *args, **kwargs):
        context["unit_part"] = self.part
        if context.get("original") is not None:
            context["unit_page"] = reverse("dashboards:unit", args=[context["original"].usid])
        return super().render_change_form(request, context, *args, **kwargs)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "unit_part": self.part})

    def delete_view(self, request, object_id, extra_context=None):
        context = {**(extra_context or {}), "unit_part": self.part}
        return super().delete_view(request, object_id, context)


def _unit_patterns(view_names, info):
    name = "{}_{}_{}".format
    return [
        path("", view_names["changelist"], name=name(*info, "changelist")),
        path("add/", view_names["add"], name=name(*info, "add")),
        path("<path:object_id>/delete/", view_names["delete"], name=name(*info, "delete")),
        path("<path:object_id>/change/", view_names["change"], name=name(*info, "change")),
        path("<path:object_id>/", view_names["object"]),
    ]


class _PartURLConf:
    """The project's URLs plus this part's unit admin pages named the admin's way."""

    def __init__(self, part_pk, info):
        prefix = reverse("unit_admin:changelist", args=[part_pk])[len(get_script_prefix()) :]
        site_prefix = reverse("admin:index")[len(get_script_prefix()) :]
        unit_prefix = prefix[len(site_prefix) :]
        admin_patterns = [
            *admin.site.get_urls(),
            path(unit_prefix, include(_unit_patterns(VIEWS, info))),
        ]
        root = import_module(settings.ROOT_URLCONF).urlpatterns
        self.urlpatterns = [
            path(site_prefix, include((admin_patterns, "admin"), namespace=admin.site.name))
            if isinstance(pattern, URLResolver) and pattern.namespace == admin.site.name
            else pattern
            for pattern in root
        ]


@cache
def _urlconf(part_pk, app_label, model_name):
    # One per part and model name (a renamed part gets a new one): a bounded number.
    return _PartURLConf(part_pk, (app_label, model_name))


def unit_admin_for(request, part_pk):
    """The ``UnitAdmin`` of a part's current model; URL names set up for this request."""
    part = get_object_or_404(ModelPart, pk=part_pk)
    try:
        model = part.unit_model()
    except NoUnitTable as error:
        raise Http404(str(error)) from error
    set_urlconf(_urlconf(part.pk, model._meta.app_label, model._meta.model_name))
    return UnitAdmin(model, admin.site, part)


def unit_tables_index(request):
    """Every part that has a unit table, with a link to it."""
    if not request.user.has_perm("parts.view_modelpart"):
        raise Http404
    query = request.GET.get("q", "").strip()
    parts = ModelPart.objects.filter(procedure__isnull=False).select_related("procedure")
    if query:
        parts = parts.filter(Q(part_no__icontains=query) | Q(model_no__icontains=query))
    page = Paginator(parts.order_by("part_no"), 100).get_page(request.GET.get("page"))
    context = {
        **admin.site.each_context(request),
        "title": gettext("Unit tables"),
        "page": page,
        "query": query,
    }
    return TemplateResponse(request, f"{TEMPLATES}/index.html", context)


def unit_object_redirect(request, part_pk, object_id):
    return redirect("unit_admin:change", part_pk, object_id)


def changelist(request, part_pk):
    return unit_admin_for(request, part_pk).changelist_view(request)


def add(request, part_pk):
    return unit_admin_for(request, part_pk).add_view(request)


def change(request, part_pk, object_id):
    return unit_admin_for(request, part_pk).change_view(request, object_id)


def delete(request, part_pk, object_id):
    return unit_admin_for(request, part_pk).delete_view(request, object_id)


VIEWS = {
    name: admin.site.admin_view(view)
    for name, view in {
        "changelist": changelist,
        "add": add,
        "change": change,
        "delete": delete,
        "object": unit_object_redirect,
    }.items()
}
