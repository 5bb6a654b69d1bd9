"""The entries of the top navigation, each shown to whoever holds its permission."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    permission: str

    def visible_to(self, user):
        return user.has_perm(self.permission)


ENTRIES = [
    NavEntry(_("Parts"), "parts:list", "parts.view_modelpart"),
    NavEntry(_("New part"), "parts:create", "parts.add_modelpart"),
    NavEntry(pgettext_lazy("navigation", "Station"), "stations:current", "stations.scan_unit"),
    NavEntry(_("Stations"), "stations:manage", "stations.change_station"),
    NavEntry(_("Defects"), "stations:defects", "stations.change_defectreason"),
    NavEntry(_("Units"), "dashboards:unit-lookup", "stations.view_scanevent"),
    NavEntry(_("Printers"), "labels:printers", "labels.view_printer"),
    NavEntry(_("Badge devices"), "operators:devices", "stations.change_station"),
    NavEntry(_("Qualifications"), "operators:qualifications", "operators.view_qualification"),
    NavEntry(_("Operators"), "operators:operators", "operators.issue_badge"),
    NavEntry(_("Machines"), "cfx:endpoints", "cfx.view_endpoint"),
    NavEntry(_("Dashboards"), "dashboards:overview", "dashboards.view_dashboard"),
    NavEntry(_("Line TV"), "dashboards:tv-displays", "dashboards.manage_displays"),
    NavEntry(pgettext_lazy("navigation", "Trace"), "genealogy:trace", "dashboards.export_data"),
    NavEntry(_("Jobs"), "jobs:list", "dashboards.export_data"),
]


def entries_for(user):
    if not user.is_authenticated:
        return []
    return [
        {"label": entry.label, "url": reverse(entry.url_name), "url_name": entry.url_name}
        for entry in ENTRIES
        if entry.visible_to(user)
    ]


def navigation(request):
    """Template context: the navigation entries of the signed-in user and their roles."""
    from shopfloor.accounts.roles import user_roles

    user = getattr(request, "user", None)
    if user is None:
        return {}
    # Worked out when a template shows them: a partial answer (htmx) usually does not.
    return {
        "nav_entries": SimpleLazyObject(lambda: entries_for(user)),
        "user_roles": SimpleLazyObject(
            lambda: sorted(str(role.label) for role in user_roles(user))
        ),
    }
