"""Reads of stations: the list an operator picks from and a station's latest scans."""

from shopfloor.scanning.plans import plan_of_part
from shopfloor.stations.defect_reasons import NOT_PICKED_CODES
from shopfloor.stations.models import DefectReason, ScanEvent, Station

RECENT_SCANS = 12
RECENT_FIELDS = (
    *("created_at", "usid", "action", "result", "part", "defect", "user"),
    *("part__part_no", "defect__label", "user__full_name", "user__email"),
)


def station_list(*, active_only=True):
    stations = Station.objects.all()
    return stations.filter(is_active=True) if active_only else stations


def station_stage_label(station, parts):
    """The label the station's stage has in its parts' procedures (its key when none has it)."""
    for part in parts:
        plan = plan_of_part(part)
        stage = plan.stage(station.stage) if plan else None
        if stage is not None:
            return stage.label
    return station.stage


def station_tiles():
    """The active stations as the pick page shows them: each with its stage's label and the
    part numbers it runs."""
    stations = station_list().prefetch_related("parts__procedure")
    tiles = []
    for station in stations:
        parts = [part for part in station.parts.all() if part.archived_at is None]
        tiles.append(
            {
                "station": station,
                "stage_label": station_stage_label(station, parts),
                "part_nos": [part.part_no for part in parts],
            }
        )
    return tiles


def station_recent_events(*, station, limit=RECENT_SCANS):
    """The latest events written at ``station``, newest first, with what the screen shows of
    them (the screen draws them again after every scan)."""
    return (
        ScanEvent.objects.filter(station=station)
        .select_related("part", "defect", "user")
        .only(*RECENT_FIELDS)
        .order_by("-created_at", "-id")[:limit]
    )


def defect_reasons():
    """Every defect reason, offered ones first, by category and label."""
    return DefectReason.objects.order_by("-is_active", "category", "label")


def defect_reason_in_use(reason):
    """Whether a scan event names ``reason`` (its code is then part of the record)."""
    return ScanEvent.objects.filter(defect=reason).exists()


def operator_defect_reasons():
    """The active defect reasons an operator picks from (not those measurements or machines
    give)."""
    return DefectReason.objects.filter(is_active=True).exclude(code__in=NOT_PICKED_CODES)
