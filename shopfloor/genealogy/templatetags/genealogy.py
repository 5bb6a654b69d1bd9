import json

from django import template

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


@register.inclusion_tag("genealogy/_station_components.html")
def station_components(station, parts):
    """The components the station's stage installs, per part, for the scan screen's
    component step (``static/js/scan_components.js``), and the line where it names the next."""
    return {"components": json.dumps(station_component_entries(station.stage, parts))}


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
