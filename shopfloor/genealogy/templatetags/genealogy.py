import json

from django import template

from parts.models import ModelPart
from shopfloor.genealogy.selectors import (
    station_component_entries,
    trace_tree,
    trace_up,
    unit_component_history,
    unit_components,
)

register = template.Library()


@register.inclusion_tag("genealogy/_unit_genealogy.html", takes_context=True)
def unit_genealogy(context, usid):
    """What is inside the unit, what it is installed in, and its repairs; supervisors get the
    repair form."""
    user = context["request"].user
    return {
        "usid": usid,
        "tree": trace_tree(usid=usid),
        "components": unit_components(usid=usid),
        "chain": trace_up(usid=usid),
        "history": [row for row in unit_component_history(usid=usid) if row.removed_at],
        "may_repair": user.has_perm("stations.override_unit"),
        "csrf_token": context.get("csrf_token"),
    }


ANY_PART_MAX = 200  # a station running every part: the parts it offers a component step for


@register.inclusion_tag("genealogy/_station_components.html")
def station_components(station, parts):
    """The components the station's stage installs, per part, for the scan screen's
    component step (``static/js/scan_components.js``), and the line where it names the next.
    A station that runs any part offers the step for every active part that installs
    components at its stage, once the operator gives the part no."""
    any_part = not parts
    if any_part:
        parts = ModelPart.objects.active().select_related("procedure").order_by("part_no")
        parts = parts[:ANY_PART_MAX]
    entries = station_component_entries(station.stage, parts)
    return {
        "components": json.dumps(entries),
        "any_part": any_part,
        "installing": sorted(entries) if any_part else [],
    }


@register.simple_tag
def procedure_components(config):
    """(stage, component entry) pairs of a procedure config, in process order."""
    return [
        (stage, entry)
        for stage in (config or {}).get("stages") or []
        if isinstance(stage, dict)
        for entry in stage.get("components") or []
        if isinstance(entry, dict)
    ]
