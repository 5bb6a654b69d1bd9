"""Printing a unit's label when a station registers it, without touching the scan.

The scan service sends ``unit_registered`` once the registering scan has committed; the
label is printed on a thread of its own, so a slow or dead printer never delays the
operator's answer nor undoes the scan. The outcome is kept as a label event.
"""

import threading

from django.db import connections

from shopfloor.labels.models import StationPrinting
from shopfloor.labels.services import label_print_at_registration
from shopfloor.stations.models import Station
from shopfloor.stations.signals import unit_registered

_running = set()
_running_lock = threading.Lock()


def _print_in_background(usid, station_id):
    try:
        station = Station.objects.select_related("label_printing__printer").get(pk=station_id)
        label_print_at_registration(usid=usid, station=station)
    finally:
        # The thread ends here: its connection would otherwise stay open until collected.
        connections.close_all()
        with _running_lock:
            _running.discard(threading.current_thread())


def _on_unit_registered(sender, *, usid, station_id, **kwargs):
    if station_id is None:
        return
    wanted = StationPrinting.objects.filter(station_id=station_id, print_at_registration=True)
    if not wanted.exists():
        return
    thread = threading.Thread(
        target=_print_in_background, args=(usid, station_id), name=f"label-{usid}", daemon=True
    )
    with _running_lock:
        _running.add(thread)
    thread.start()


def wait_for_label_printing(timeout=10.0):
    """Wait until the labels being printed in the background are done (tests, shutdown)."""
    with _running_lock:
        threads = list(_running)
    for thread in threads:
        thread.join(timeout)


def connect():
    unit_registered.connect(_on_unit_registered, dispatch_uid="labels.print_at_registration")
