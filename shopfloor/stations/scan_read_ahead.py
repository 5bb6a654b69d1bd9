"""The scan screen's station, read in the statement that reads the session.

A scan sent by the scan screen (a POST to ``stations:submit``) reads its station, and the
session is read before the view runs (the language and sign-in checks need it). So the station
is asked for alongside the session (``shopfloor.accounts.sessions.SessionStore.read_alongside``):
one database round trip instead of two. It is read in the request itself, like the session, so
a station taken out of use or given other parts holds from the very next scan.
"""

import functools

from django.urls import reverse

from shopfloor.scanning.rules import StationSnapshot
from shopfloor.scanning.sql import STATION_COLUMNS, station_of_rows, station_sql

SAMPLE_PK = 987654321  # stands for the station's id in the address of its scans
LARGEST_PK = 2**63 - 1  # a larger number is no station (and no database integer)


@functools.cache
def _submit_path_around():
    """The address of a station's scans before and after the station's id."""
    before, after = reverse("stations:submit", kwargs={"pk": SAMPLE_PK}).split(str(SAMPLE_PK))
    return before, after


def _submitted_station_id(path):
    before, after = _submit_path_around()
    if path.startswith(before) and path.endswith(after):
        middle = path[len(before) : len(path) - len(after)]
        if middle.isdigit() and int(middle) <= LARGEST_PK:
            return int(middle)
    return None


def _key(pk):
    return ("station", pk)


def station_snapshot_of(request, pk):
    """The ``StationSnapshot`` of station ``pk`` for ``request``'s scan, or None when there is
    no such station: as read with the session, else read now."""
    rows_alongside = getattr(request.session, "rows_alongside", None)
    rows = rows_alongside(_key(pk)) if rows_alongside is not None else None
    if rows is None:
        return StationSnapshot.read(pk)
    return StationSnapshot.of_row(station_of_rows(rows))


class StationReadAheadMiddleware:
    """Asks for the station of a scan screen's scan to be read with the session. Placed right
    after ``SessionMiddleware``, before anything reads the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        read_alongside = getattr(request.session, "read_alongside", None)
        if request.method == "POST" and read_alongside is not None:
            pk = _submitted_station_id(request.path_info)
            if pk is not None:
                read_alongside(_key(pk), station_sql(), [pk], STATION_COLUMNS)
        return self.get_response(request)
