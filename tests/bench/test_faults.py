"""Faults: a gunicorn worker killed mid-scan, PostgreSQL restarted during scanning, a full disk
for media uploads. Each must leave no half-written record, give clients a clear error, and
let the retry succeed.

Run on demand (a few minutes; needs root for the private PostgreSQL cluster and the tmpfs):

    DATABASE_URL=postgres://root@127.0.0.1:5432/test DATABASE_TEST_NAME=bench_sf_faults make faults

Scans come from clients that each take units through every stage (SMD, QC, Testing, Dispatch),
resending a scan after a dropped connection or a 503 until it is answered 201 (recorded) or
200 (already recorded: the lost answer's scan had been committed). Afterwards the database is
checked: every registered unit has its row and every row its registration; every stage flag
set has exactly one scan event and every event its flag; every unit a client finished has
all its stages. PostgreSQL is restarted in a throwaway cluster of our own, never the shared
server; the full disk is a 1 MB tmpfs holding ``MEDIA_ROOT``.
"""

import collections
import os
import random
import threading
import time

import psycopg
import pytest
from django.db import connection

from parts.models import ModelPart, PartChange
from procedures.services import procedure_apply
from shopfloor.scanning.services import api_token_issue
from tests.parts.media_files import image_bytes, noise_image, stored_files, video_bytes
from tests.support.full_disk import fill, small_filesystem
from tests.support.servers import (
    ApiConnection,
    Gunicorn,
    PrivatePostgres,
    SignedIn,
    database_url_of,
    manage,
)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the fault runs use gunicorn on PostgreSQL: set DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db(transaction=True),
]

STAGES = ("smd", "qc", "testing", "dispatch")
PROCEDURE = {
    "version": 1,
    "stages": [
        {"key": "smd", "label": "SMD", "result": "pass_fail"},
        {"key": "qc", "label": "QC", "result": "pass_fail"},
        {"key": "testing", "label": "Testing"},
        {"key": "dispatch", "label": "Dispatch"},
    ],
    "fields": [],
}
KILLS = int(os.environ.get("FAULT_KILLS", "5"))
FULL = "There is no room left on the server to store this file"


class Pipeline:
    """Clients taking units through every stage, resending each scan until it is answered."""

    def __init__(self, url, token, part_no, clients, prefix):
        self.url, self.token, self.part_no, self.prefix = url, token, part_no, prefix
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.scans = []  # (usid, stage, final status, [errors before it])
        self.unexpected = []
        self.usids = set()
        self.threads = [threading.Thread(target=self.client, args=(n,)) for n in range(clients)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(120)

    def client(self, number):
        api = ApiConnection(self.url, self.token)
        for unit in range(1_000_000):
            if self.stop.is_set():
                return
            usid = f"{self.prefix}{number:02d}-{unit:05d}"
            with self.lock:
                self.usids.add(usid)
            for stage in STAGES:
                body = {"usid": usid, "stage": stage}
                if stage == STAGES[0]:
                    body["part_no"] = self.part_no
                self.scan(api, body)

    def scan(self, api, body):
        errors = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status, answer, _seconds = api.send("POST", "/api/v1/scans", body)
            if status in (200, 201):
                if status == 200 and not errors:
                    self.note_unexpected(body, "200 for a scan sent once", answer)
                with self.lock:
                    self.scans.append((body["usid"], body["stage"], status, errors))
                return
            if status is None:
                errors.append(f"connection dropped ({answer.split(':')[0]})")
            elif status == 503 and answer.get("error", {}).get("code") == "database_unavailable":
                errors.append("503 database_unavailable")
            else:
                errors.append(f"{status} {answer}")
                self.note_unexpected(body, "not a clear, retryable error", (status, answer))
            time.sleep(0.25)
        self.note_unexpected(body, "never answered 200 or 201", errors[-3:])

    def note_unexpected(self, body, what, detail):
        with self.lock:
            self.unexpected.append((body["usid"], body["stage"], what, str(detail)[:300]))

    def summary(self):
        failed_first = [scan for scan in self.scans if scan[3]]
        kinds = collections.Counter(error for scan in failed_first for error in scan[3])
        return {
            "scans": len(self.scans),
            "units": len(self.usids),
            "scans that met an error": len(failed_first),
            "errors seen": dict(kinds),
            "retry answered 201 (the failed try wrote nothing)": sum(
                1 for scan in failed_first if scan[2] == 201
            ),
            "retry answered 200 (the failed try had been recorded)": sum(
                1 for scan in failed_first if scan[2] == 200
            ),
        }


def half_written_records(database_url, part_pk, usids):
    """Every record that is not whole: a unit without its row or registration, a stage flag
    without exactly one event or an event without its flag, a finished unit missing a stage."""
    problems = []
    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as db:
        flags = ", ".join(f'"is_{stage}"' for stage in STAGES)
        rows = {
            usid: dict(zip(STAGES, values, strict=True))
            for usid, *values in db.execute(f'SELECT usid, {flags} FROM "parts_unit_{part_pk}"')
        }
        registered = {
            usid
            for (usid,) in db.execute(
                "SELECT usid FROM stations_unitregistration WHERE part_id = %s", [part_pk]
            )
        }
        events = collections.Counter(
            {
                (usid, stage): count
                for usid, stage, count in db.execute(
                    "SELECT usid, stage, count(*) FROM stations_scanevent WHERE part_id = %s "
                    "GROUP BY usid, stage",
                    [part_pk],
                )
            }
        )
    if set(rows) != registered:
        problems.append(f"rows without registration or back: {set(rows) ^ registered}")
    if set(rows) != usids:
        problems.append(f"units sent but not registered, or back: {set(rows) ^ usids}")
    for usid, stages in rows.items():
        for stage, done in stages.items():
            expected = 1 if done else 0
            if events[(usid, stage)] != expected:
                problems.append(f"{usid} {stage}: flag {done}, {events[(usid, stage)]} events")
            if not done:
                problems.append(f"{usid}: {stage} missing though its client finished it")
    extra = set(events) - {(usid, stage) for usid in rows for stage in STAGES}
    if extra:
        problems.append(f"events of units or stages without a row: {sorted(extra)[:10]}")
    return problems


def print_result(title, figures, problems):
    print(f"\n{title}")
    for name, value in figures.items():
        print(f"  {name}: {value}")
    print(f"  half-written or missing records: {len(problems)}")


def test_a_worker_killed_mid_scan_leaves_no_half_written_record_and_the_retry_lands(
    engineer, tmp_path
):
    part = ModelPart.objects.create(model_no="FAULT", part_no="FAULT_Part")
    procedure_apply(part=part, config=PROCEDURE, user=engineer)
    token = api_token_issue(name="fault-rig")[1]
    database_url = database_url_of(connection.settings_dict)
    server = Gunicorn(database_url=database_url, log_dir=tmp_path, workers=3, name="kill")
    killed = []
    rng = random.Random(3)
    try:
        with Pipeline(server.url, token, part.part_no, clients=24, prefix="K") as pipeline:
            time.sleep(3)
            for _kill in range(KILLS):
                pid = rng.choice(server.worker_pids())
                server.kill_worker(pid)
                killed.append(pid)
                time.sleep(1.5)
            time.sleep(3)
        log = server.output()
        workers_after = len(server.worker_pids())
    finally:
        server.stop()

    problems = half_written_records(database_url, part.pk, pipeline.usids)
    figures = {"workers killed (SIGKILL)": len(killed), **pipeline.summary()}
    print_result("Fault: gunicorn worker killed mid-scan", figures, problems)

    assert not problems, problems[:20]
    assert not pipeline.unexpected, pipeline.unexpected[:10]
    assert figures["scans that met an error"] > 0, "no kill landed on a scan in flight"
    assert "Internal Server Error" not in log
    assert log.count("was sent SIGKILL") == len(killed)
    assert workers_after == 3  # gunicorn replaced each one


SETUP_SCRIPT = """
import json
from parts.models import ModelPart
from procedures.services import procedure_apply
from shopfloor.scanning.services import api_token_issue
part = ModelPart.objects.create(model_no="FAULT", part_no="FAULT_Part")
procedure_apply(part=part, config=json.loads({config!r}), user=None)
print(part.pk, api_token_issue(name="fault-rig")[1])
"""


def test_postgresql_restarted_during_scanning_loses_nothing_and_clients_are_told(tmp_path):
    if not PrivatePostgres.available():
        pytest.skip("needs root and PostgreSQL's initdb for a private, restartable cluster")
    import json

    cluster = PrivatePostgres()
    server = None
    try:
        migrated = manage("migrate", "--noinput", database_url=cluster.url)
        assert migrated.returncode == 0, migrated.stderr
        setup = manage(
            "shell",
            "-c",
            SETUP_SCRIPT.format(config=json.dumps(PROCEDURE)),
            database_url=cluster.url,
        )
        assert setup.returncode == 0, setup.stderr
        part_pk, token = setup.stdout.split()[-2:]
        server = Gunicorn(database_url=cluster.url, log_dir=tmp_path, workers=3, name="restart")
        with Pipeline(server.url, token, "FAULT_Part", clients=16, prefix="R") as pipeline:
            time.sleep(3)
            down = time.monotonic()
            cluster.stop()
            time.sleep(3)
            cluster.start()
            down = time.monotonic() - down
            time.sleep(4)
        log = server.output()
        problems = half_written_records(cluster.url, int(part_pk), pipeline.usids)
    finally:
        if server is not None:
            server.stop()
        cluster.close()

    figures = {"PostgreSQL down for": f"{down:.1f} s (stopped -m fast, started again)"}
    figures.update(pipeline.summary())
    print_result("Fault: PostgreSQL restarted during scanning", figures, problems)

    assert not problems, problems[:20]
    assert not pipeline.unexpected, pipeline.unexpected[:10]
    assert figures["errors seen"].get("503 database_unavailable", 0) > 0
    assert "Internal Server Error" not in log


def test_a_full_media_disk_refuses_uploads_clearly_keeps_nothing_and_the_retry_succeeds(
    engineer, tmp_path
):
    database_url = database_url_of(connection.settings_dict)
    browser = SignedIn(engineer)
    figures = {}
    with small_filesystem("1m") as media:
        server = Gunicorn(
            database_url=database_url,
            log_dir=tmp_path,
            workers=1,
            env={"MEDIA_ROOT": str(media)},
            name="disk",
            pages=True,
        )
        try:
            fields = {"model_no": "DISK", "part_no": "DISK_B"}
            status, body = browser.post_form(
                server,
                "/parts/new/",
                fields,
                {"part_image": ("old.png", image_bytes("PNG"), "image/png")},
            )
            assert status == 302, body[:3000]
            kept = ModelPart.objects.get(part_no="DISK_B")
            kept_files = sorted(stored_files(media))
            filler = fill(media, leave=16 * 1024)

            new_part = {"model_no": "DISK", "part_no": "DISK_A"}
            files = {
                "part_image": ("board.png", noise_image((200, 200)), "image/png"),
                "qc_video": ("qc.webm", video_bytes("webm"), "video/webm"),
            }
            replace = {"part_image": ("new.png", noise_image((200, 200), seed=2), "image/png")}
            attempts = [
                ("create a part with an image and a video", "/parts/new/", new_part, files),
                ("replace a part's image", f"/parts/{kept.pk}/edit/", fields, replace),
            ]
            for name, path, data, upload in attempts:
                status, body = browser.post_form(server, path, data, upload)
                clear = FULL in body.decode()
                figures[f"full disk, {name}"] = f"{status}, message shown: {clear}"
                assert status == 200 and clear, body[:2000]
            assert not ModelPart.objects.filter(part_no="DISK_A").exists()
            assert ModelPart.objects.get(pk=kept.pk).part_image.name == kept.part_image.name
            assert PartChange.objects.count() == 1
            assert sorted(stored_files(media)) == sorted([*kept_files, "filler.bin"])
            figures["files left by the refused uploads"] = 0

            filler.unlink()
            for name, path, data, upload in attempts:
                status, _body = browser.post_form(server, path, data, upload)
                figures[f"space freed, {name} again"] = status
                assert status == 302
            created = ModelPart.objects.get(part_no="DISK_A")
            replaced = ModelPart.objects.get(pk=kept.pk)
            assert created.qc_video and created.part_image_thumbnail
            assert replaced.part_image.name != kept.part_image.name
            expected = [
                created.part_image.name,
                created.part_image_thumbnail.name,
                created.qc_video.name,
                replaced.part_image.name,
                replaced.part_image_thumbnail.name,
            ]
            assert sorted(stored_files(media)) == sorted(expected)
            log = server.output()
        finally:
            server.stop()

    print_result("Fault: full disk for media uploads (1 MB tmpfs)", figures, [])
    assert "Internal Server Error" not in log
