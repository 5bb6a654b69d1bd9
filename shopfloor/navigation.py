"""The entries of the top navigation, each shown to whoever holds its permission.

The header holds one line on an office screen (1280 px) in every language: the pages a person
opens most stay in the bar, at most ``BAR_SIZE`` of them, and the rest fold into its "More"
menu. Which pages those are follows from ``BAR_PRIORITY`` and the person's permissions, so each
role gets its own bar (an operator's Station, a supervisor's Units, an engineer's New part)
without the page measuring anything.
"""

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


# In the order they are shown, in the bar and in the menu alike.
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

# The pages people open most, most used first: a person's first BAR_SIZE of them that they
# may open stay in the bar. Five entries, the brand, the unit search and the account menu fit
# one line at 1280 px in Spanish, the widest of the line's languages.
BAR_PRIORITY = [
    "stations:current",
    "dashboards:overview",
    "dashboards:unit-lookup",
    "parts:list",
    "stations:manage",
    "genealogy:trace",
    "parts:create",
    "operators:qualifications",
    "cfx:endpoints",
    "stations:defects",
]
BAR_SIZE = 5


def entries_for(user, current_view=""):
    """The entries ``user`` may open, in ``ENTRIES`` order, each saying whether it stays in the
    bar (``in_bar``) and whether it is the page shown (``current``, ``current_view`` being the
    page's view name)."""
    if not user.is_authenticated:
        return []
    visible = [entry for entry in ENTRIES if entry.visible_to(user)]
    visible_names = {entry.url_name for entry in visible}
    in_bar = [name for name in BAR_PRIORITY if name in visible_names][:BAR_SIZE]
    return [
        {
            "label": entry.label,
            "url": reverse(entry.url_name),
            "url_name": entry.url_name,
            "in_bar": entry.url_name in in_bar,
            "current": entry.url_name == current_view,
        }
        for entry in visible
    ]


def navigation(request):
    """Template context: the navigation entries of the signed-in user and their roles."""
    from shopfloor.accounts.roles import user_roles

    user = getattr(request, "user", None)
    if user is None:
        return {}
    match = getattr(request, "resolver_match", None)
    current_view = match.view_name if match else ""
    # Worked out when a template shows them: a partial answer (htmx) usually does not.
    entries = SimpleLazyObject(lambda: entries_for(user, current_view))
    return {
        "nav_entries": entries,
        "nav_folded": SimpleLazyObject(lambda: [entry for entry in entries if not entry["in_bar"]]),
        # The page shown is one of the folded entries: the More button is marked as current.
        "nav_folded_current": SimpleLazyObject(
            lambda: any(entry["current"] for entry in entries if not entry["in_bar"])
        ),
        "user_roles": SimpleLazyObject(
            lambda: sorted(str(role.label) for role in user_roles(user))
        ),
    }
