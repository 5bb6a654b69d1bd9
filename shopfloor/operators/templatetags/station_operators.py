from django import template

from shopfloor.operators.station_sessions import (
    badge_session_of,
    device_station,
    idle_lock_seconds,
)

register = template.Library()


@register.inclusion_tag("operators/_station_operator.html", takes_context=True)
def station_operator(context, station):
    """Who is signed in at ``station``'s screen, its lock, and binding the device."""
    request = context["request"]
    session = badge_session_of(request)
    bound = device_station(request)
    by_badge = session is not None and session.station_id == station.pk
    bound_here = bound is not None and bound.pk == station.pk
    return {
        "station": station,
        "user": request.user,
        "perms": context.get("perms"),
        "csrf_token": context.get("csrf_token"),
        "by_badge": by_badge,
        "bound_here": bound_here,
        # A password session on this bound device locks when idle like a badge session.
        "idle_locks": by_badge or bound_here,
        "idle_lock_seconds": int(idle_lock_seconds()),
    }
