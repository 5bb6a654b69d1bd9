"""Scans keep being recorded while an engineer changes the part they belong to (PostgreSQL).

A scan updates its unit row, then inserts its event, whose foreign key to the part makes
PostgreSQL take a KEY SHARE lock on the part row. A change to the part or its procedure locks
that row too; it must not lock it in a way that blocks the event (FOR UPDATE does): a
procedure change then waits for the unit table the scan holds while the scan waits for the
part, and PostgreSQL breaks the deadlock by failing one of them.
"""

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from parts.media import check_video
from parts.services import part_update
from procedures.services import procedure_apply
from shopfloor.stations.models import ScanEvent
from tests.parts.media_files import video_bytes
from tests.stations.scan_support import PROCEDURE, part_with_procedure, scan, stage

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row and table locks between concurrent transactions are PostgreSQL's",
    ),
    pytest.mark.django_db(transaction=True),
]


def _waiting_for_lock(table, mode):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND mode = %s "
            "AND NOT granted",
            [table, mode],
        )
        return cursor.fetchone()[0] > 0


class ScanInTwoHalves(threading.Thread):
    """A scan of ``usid`` at Leaded, in its own transaction: the unit row first, then, once
    ``ready_for_event`` says so, the event."""

    def __init__(self, part, usid, ready_for_event):
        super().__init__()
        self.part, self.usid, self.ready_for_event = part, usid, ready_for_event
        self.row_updated = threading.Event()
        self.error = None

    def run(self):
        try:
            with transaction.atomic():
                model = self.part.unit_model()
                model.objects.filter(usid=self.usid).update(is_leaded=True)
                self.row_updated.set()
                deadline = time.monotonic() + 10
                while not self.ready_for_event() and time.monotonic() < deadline:
                    time.sleep(0.05)
                ScanEvent.objects.create(
                    usid=self.usid,
                    part=self.part,
                    stage="leaded",
                    action=ScanEvent.Action.SCAN,
                    result="pass",
                    source=ScanEvent.Source.API,
                )
        except Exception as error:
            self.error = error
        finally:
            self.row_updated.set()
            connection.close()


def test_a_procedure_change_waiting_for_a_scan_lets_the_scan_finish_and_then_applies(engineer):
    part = part_with_procedure(engineer)
    scan("U1", "smd", part_no=part.part_no)
    table = part.unit_model()._meta.db_table
    scanning = ScanInTwoHalves(part, "U1", lambda: _waiting_for_lock(table, "AccessExclusiveLock"))
    scanning.start()
    scanning.row_updated.wait(10)

    new_stage = {**PROCEDURE, "stages": [*PROCEDURE["stages"], stage("cleaning", optional=True)]}
    procedure = procedure_apply(part=part, config=new_stage, user=engineer, expected_version=1)
    scanning.join(20)

    assert scanning.error is None, scanning.error
    assert ScanEvent.objects.filter(usid="U1", stage="leaded").count() == 1
    assert procedure.version == 2
    unit = part.unit_model().objects.get(usid="U1")
    assert unit.is_leaded and unit.is_cleaning is False


class SlowVideo(SimpleUploadedFile):
    """A real video whose bytes arrive slowly, as from a network drive: the first chunk waits
    until the test lets it go."""

    def __init__(self, content, go_on):
        super().__init__("qc.webm", content, "video/webm")
        self.go_on = go_on
        self.started = threading.Event()

    def chunks(self, chunk_size=None):
        self.started.set()
        self.go_on.wait(20)
        yield from super().chunks(chunk_size)


def test_scans_of_a_part_are_recorded_while_a_video_for_it_is_being_stored(
    engineer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    part = part_with_procedure(engineer)
    scan("U1", "smd", part_no=part.part_no)
    go_on = threading.Event()
    video = SlowVideo(video_bytes("webm"), go_on)
    upload = check_video(video)
    saving = threading.Thread(
        target=lambda: (
            part_update(
                part=part,
                changed_by=engineer,
                model_no=part.model_no,
                part_no=part.part_no,
                qc_video=upload,
            ),
            connection.close(),
        )
    )
    saving.start()
    video.started.wait(10)

    started = time.monotonic()
    outcome = scan("U1", "qc")
    waited = time.monotonic() - started
    go_on.set()
    saving.join(20)

    assert outcome.status == "recorded", outcome
    assert waited < 5, f"the scan waited {waited:.1f} s for the upload"
    part.refresh_from_db()
    assert part.qc_video.name.endswith(".webm")
