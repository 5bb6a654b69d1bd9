"""Pieces of label information that the unit and station pages show."""

from django import template

from shopfloor.labels.forms import ReprintForm
from shopfloor.labels.selectors import station_label_alert as latest_failure
from shopfloor.labels.selectors import unit_label_events

register = template.Library()


@register.inclusion_tag("labels/_unit_labels.html", takes_context=True)
def unit_labels(context, usid, reprint=True):
    """The unit's label history and, for whoever may reprint, the reprint form."""
    user = context["request"].user
    may_reprint = reprint and user.has_perm("labels.reprint_label")
    return {
        "usid": usid,
        "events": unit_label_events(usid=usid),
        "form": ReprintForm() if may_reprint else None,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("labels/_station_alert.html")
def station_label_alert(station):
    """A warning on the scan screen when the station's last label did not print."""
    return {"failure": latest_failure(station=station)}
