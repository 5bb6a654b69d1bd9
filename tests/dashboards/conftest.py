"""A small line with hand-checked figures, scanned at fixed times through the scan service.

Part EICS112_Part: SMD (pass/fail), Leaded (optional), QC (pass/fail), Dispatch. "Today" is
2026-03-10 (UTC, the test time zone); ``NOW`` is 15:00 that day.

    U1  SMD pass, QC pass, Dispatch                      finished today
    U2  SMD pass, Leaded, QC pass, Dispatch              finished today
    U3  SMD fail                                         failed at SMD (held by the fail)
    U4  SMD fail, then SMD pass (rework)                 waiting at Leaded and QC
    U5  SMD pass, QC fail                                failed at QC (held by the fail)
    U6  SMD pass, QC fail, then QC pass (rework)         waiting at Dispatch
    U7  SMD pass, then held by a supervisor              waiting at Leaded and QC, on hold
    U8  SMD pass, Leaded                                 waiting at QC
    U9  SMD pass, QC pass                                waiting at Dispatch
    U10 SMD pass, QC pass, Dispatch, all yesterday       finished yesterday
"""

import datetime
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.cache import caches
from django.db import connection

from shopfloor.scanning.rules import StationSnapshot
from shopfloor.scanning.services import unit_hold
from shopfloor.stations.models import ScanEvent, Station
from tests.stations.scan_support import part_with_procedure, scan

UTC = datetime.UTC
TODAY = datetime.date(2026, 3, 10)
NOW = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def moment(day, hour, minute):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=UTC)


@contextmanager
def at(when):
    """Everything that asks for the time inside gets ``when``."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


@pytest.fixture(autouse=True)
def empty_figure_cache():
    """Counted figures are cached per process; part ids repeat between tests."""
    caches["dashboards"].clear()
    yield
    caches["dashboards"].clear()


@contextmanager
def counted_queries():
    """The SQL statements run inside, each as it reached the database."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield statements


def recorded(outcome):
    assert outcome.status == "recorded", outcome.message
    return outcome


@pytest.fixture
def line(engineer, operator, supervisor):
    part = part_with_procedure(engineer)
    smd = Station.objects.create(name="SMD-1", line="Line A", stage="smd")
    qc = Station.objects.create(name="QC-1", line="Line A", stage="qc")
    at_station = {"smd": StationSnapshot.of(smd), "qc": StationSnapshot.of(qc)}

    def run(when, usid, stage, result="pass", defect=None):
        station = at_station.get(stage)
        extra = {"station": station, "user": operator, "source": ScanEvent.Source.SCREEN}
        if station is None:
            extra = {"source": ScanEvent.Source.API}
        with at(when):
            recorded(scan(usid, stage, result=result, defect=defect, part_no=part.part_no, **extra))

    yesterday = TODAY - datetime.timedelta(days=1)
    run(moment(yesterday, 14, 0), "U10", "smd")
    run(moment(yesterday, 14, 30), "U10", "qc")
    run(moment(yesterday, 15, 0), "U10", "dispatch")
    for minute, usid in [
        (5, "U1"),
        (10, "U2"),
        (25, "U5"),
        (30, "U6"),
        (35, "U7"),
        (40, "U8"),
        (45, "U9"),
    ]:
        run(moment(TODAY, 9, minute), usid, "smd")
    run(moment(TODAY, 9, 15), "U3", "smd", "fail", "solder_bridge")
    run(moment(TODAY, 9, 20), "U4", "smd", "fail", "dry_joint")
    run(moment(TODAY, 10, 5), "U4", "smd")
    run(moment(TODAY, 10, 10), "U2", "leaded")
    run(moment(TODAY, 10, 15), "U8", "leaded")
    run(moment(TODAY, 10, 20), "U1", "qc")
    run(moment(TODAY, 10, 25), "U2", "qc")
    run(moment(TODAY, 10, 30), "U5", "qc", "fail", "solder_bridge")
    run(moment(TODAY, 10, 35), "U6", "qc", "fail", "missing_component")
    run(moment(TODAY, 10, 40), "U9", "qc")
    run(moment(TODAY, 11, 5), "U6", "qc")
    run(moment(TODAY, 11, 10), "U1", "dispatch")
    run(moment(TODAY, 11, 15), "U2", "dispatch")
    with at(moment(TODAY, 11, 20)):
        unit_hold(usid="U7", reason="Suspect capacitor batch", user=supervisor)
    return part
