"""Reads of stations: the list an operator picks from and a station's latest scans."""

from shopfloor.stations.models import ScanEvent, Station

RECENT_SCANS = 12


def station_list(*, active_only=True):
    stations = Station.objects.all()
    return stations.filter(is_active=True) if active_only else stations


def station_recent_events(*, station, limit=RECENT_SCANS):
    """The latest events written at ``station``, newest first."""
    return (
        ScanEvent.objects.filter(station=station)
        .select_related("part", "defect", "user")
        .order_by("-created_at", "-id")[:limit]
    )
