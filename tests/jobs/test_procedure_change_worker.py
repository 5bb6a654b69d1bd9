"""A procedure change that converts many units' values is applied by a real worker process:
the engineer's save answers with the job, the job's page counts the values converted, scans
of that part are refused with ``procedure_changing`` while it runs, other parts scan as usual;
a change that cannot be applied fails the job with the reason and changes nothing."""

import json

import pytest
from django.db import connection
from django.urls import reverse

from procedures.change_jobs import procedure_change_start
from procedures.models import PartProcedureDetail
from shopfloor.jobs.models import Job
from tests.jobs.support import add_units, finished, wait_for
from tests.procedures.editor_posts import editor_post, field, stage
from tests.stations.scan_support import PROCEDURE, part_with_procedure, scan, unit_of

pytestmark = pytest.mark.django_db(transaction=True)

UNITS = 60_000  # above PROCEDURE_JOB_UNITS (50,000): the change runs as a job
FEWER = 12_000  # enough when the threshold is set to 10,000
WITH_LOT = {**PROCEDURE, "fields": [{"key": "lot", "label": "Lot", "type": "text"}]}
LOT_AS_NUMBER = {**PROCEDURE, "fields": [{"key": "lot", "label": "Lot", "type": "integer"}]}


def big_part(engineer, lot="7", units=UNITS):
    part = part_with_procedure(engineer, config=WITH_LOT)
    add_units(part, units)
    part.unit_model().objects.update(f_lot=lot)
    return part


def version_of(part):
    return PartProcedureDetail.objects.get(model_part=part).version


def changing(part):
    return PartProcedureDetail.objects.get(model_part=part).changing_since is not None


def apply(client, part, config, expected_version):
    return client.post(
        reverse("procedures:apply", args=[part.pk]),
        data=json.dumps({"config": config, "expected_version": expected_version}),
        content_type="application/json",
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's one writer: other parts' scans wait for the change there",
)
def test_a_large_type_change_is_applied_by_a_worker_refusing_scans_of_that_part_only(
    shared_database, job_worker, client_for, engineer
):
    part = big_part(engineer)
    other = part_with_procedure(engineer, part_no="OTHER_Part")
    scan("U1", "smd", part_no=part.part_no)
    client = client_for(engineer)
    before = version_of(part)
    worker = job_worker()

    answer = apply(client, part, LOT_AS_NUMBER, before)
    job = wait_for(
        Job.objects.get(kind="procedure_change"), lambda job: changing(part), worker=worker
    )
    refused = scan("U1", "leaded")
    refused_new = scan("N1", "smd", part_no=part.part_no)
    elsewhere = scan("V1", "smd", part_no=other.part_no)
    job = wait_for(job, finished, worker=worker, timeout=300)
    page = client.get(answer.json()["url"]).content.decode()

    assert answer.status_code == 202 and answer.json()["url"] == reverse(
        "jobs:detail", args=[job.pk]
    )
    assert (refused.code, refused_new.code) == ("procedure_changing", "procedure_changing")
    assert unit_of(part, "N1") is None
    assert elsewhere.status == "recorded"
    assert job.state == "done", job.message + worker.output()[-3000:]
    assert (job.rows_done, job.rows_total) == (UNITS + 1, UNITS + 1)
    assert f"Saved version {before + 1} of the procedure; 60,001 unit values converted." in page
    assert version_of(part) == before + 1 and not changing(part)
    assert set(part.unit_model().objects.values_list("f_lot", flat=True)) == {7, None}
    assert scan("U1", "leaded").status == "recorded"


def test_a_large_change_that_meets_values_that_do_not_convert_fails_and_changes_nothing(
    shared_database, job_worker, client_for, engineer, settings
):
    settings.PROCEDURE_JOB_UNITS = 10_000
    part = big_part(engineer, lot="A7", units=FEWER)
    client = client_for(engineer)
    before = version_of(part)
    worker = job_worker()

    answer = apply(client, part, LOT_AS_NUMBER, before)
    job = wait_for(Job.objects.get(kind="procedure_change"), finished, worker=worker, timeout=300)
    page = client.get(answer.json()["url"]).content.decode()

    assert answer.status_code == 202
    assert job.state == "failed"
    assert 'cannot change "lot" from text to integer: 12000 units hold values' in job.message
    assert "cannot change &quot;lot&quot; from text to integer" in page
    assert version_of(part) == before and not changing(part)
    assert part.unit_model().objects.filter(f_lot="A7").count() == FEWER
    assert scan("U1", "smd", part_no=part.part_no).status == "recorded"


def test_a_second_change_while_one_is_applied_is_refused_and_the_same_one_is_not_doubled(
    client_for, engineer, settings
):
    settings.PROCEDURE_JOB_UNITS = 10_000
    part = big_part(engineer, units=FEWER)
    client = client_for(engineer)
    before = version_of(part)
    first = procedure_change_start(
        part=part, config=LOT_AS_NUMBER, user=engineer, expected_version=before
    )

    again = apply(client, part, LOT_AS_NUMBER, before)
    other = apply(client, part, {**LOT_AS_NUMBER, "fields": []}, before)

    assert again.status_code == 202 and again.json()["url"] == reverse(
        "jobs:detail", args=[first.pk]
    )
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "changing"
    assert (
        "An earlier change of this procedure is still being applied"
        in (other.json()["error"]["message"])
    )
    assert Job.objects.filter(kind="procedure_change").count() == 1
    assert version_of(part) == before


def test_a_small_type_change_is_saved_at_once(client_for, engineer):
    part = part_with_procedure(engineer, config=WITH_LOT)
    add_units(part, 10)
    part.unit_model().objects.update(f_lot="7")
    before = version_of(part)

    answer = apply(client_for(engineer), part, LOT_AS_NUMBER, before)

    assert answer.status_code == 200 and answer.json()["version"] == before + 1
    assert not Job.objects.filter(kind="procedure_change").exists()
    assert set(part.unit_model().objects.values_list("f_lot", flat=True)) == {7}


def test_the_editor_sends_the_engineer_to_the_job_of_a_large_change(client_for, engineer, settings):
    settings.PROCEDURE_JOB_UNITS = 10_000
    smd = {"key": "smd", "label": "SMD"}
    config = {"version": 1, "stages": [smd], "fields": WITH_LOT["fields"]}
    part = part_with_procedure(engineer, config=config)
    add_units(part, FEWER)
    data = editor_post(
        [stage("smd", "SMD", origin="smd")],
        [field("lot", "Lot", origin="lot", type="integer")],
        base_version=version_of(part),
        action="save",
    )

    answer = client_for(engineer).post(
        reverse("procedures:edit", args=[part.pk]), data, headers={"HX-Request": "true"}
    )

    job = Job.objects.get(kind="procedure_change")
    assert answer["HX-Redirect"] == reverse("jobs:detail", args=[job.pk])
    assert job.params["config"]["fields"][0]["type"] == "integer"
    assert version_of(part) == 1  # the worker saves it
