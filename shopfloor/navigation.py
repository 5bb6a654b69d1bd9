"""The entries of the top navigation, each shown to whoever holds its permission."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import SimpleLazyObject


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    permission: str

    def visible_to(self, user):
        return user.has_perm(self.permission)


ENTRIES = [
    NavEntry("Parts", "parts:list", "parts.view_modelpart"),
    NavEntry("New part", "parts:create", "parts.add_modelpart"),
    NavEntry("Station", "stations:current", "stations.scan_unit"),
    NavEntry("Stations", "stations:manage", "stations.change_station"),
    NavEntry("Defects", "stations:defects", "stations.change_defectreason"),
    NavEntry("Units", "dashboards:unit-lookup", "stations.view_scanevent"),
    NavEntry("Printers", "labels:printers", "labels.view_printer"),
    NavEntry("Badge devices", "operators:devices", "stations.change_station"),
    NavEntry("Qualifications", "operators:qualifications", "operators.view_qualification"),
    NavEntry("Operators", "operators:operators", "operators.issue_badge"),
    NavEntry("Machines", "cfx:endpoints", "cfx.view_endpoint"),
    NavEntry("Dashboards", "dashboards:overview", "dashboards.view_dashboard"),
    NavEntry("Line TV", "dashboards:tv-displays", "dashboards.manage_displays"),
    NavEntry("Trace", "genealogy:trace", "dashboards.export_data"),
    NavEntry("Jobs", "jobs:list", "dashboards.export_data"),
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
        "user_roles": SimpleLazyObject(lambda: sorted(user_roles(user))),
    }
