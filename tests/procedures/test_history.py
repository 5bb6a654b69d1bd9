"""Every saved version is kept with who, when and what changed; an earlier one can be restored."""

import pytest
from django.urls import reverse

from procedures.models import PartProcedureDetail, ProcedureVersion
from procedures.services import procedure_apply
from tests.procedures.editor_posts import shown_keys, text_of

pytestmark = pytest.mark.django_db

V1 = {
    "version": 1,
    "stages": [
        {"key": "smd", "label": "SMD"},
        {"key": "qc", "label": "QC", "result": "pass_fail"},
    ],
    "fields": [],
}
V2 = {"version": 1, "stages": [{"key": "smd", "label": "SMD line"}], "fields": []}


@pytest.fixture
def two_versions(part, make_user):
    first = make_user("Engineer", full_name="Grace Hopper")
    second = make_user("Engineer", full_name="Ada Lovelace")
    procedure_apply(part=part, config=V1, user=first)
    part.unit_model().objects.create(usid="U1", is_smd=True, is_qc=True, qc_result="fail")
    procedure_apply(part=part, config=V2, user=second, expected_version=1)
    return part


def test_each_save_keeps_a_version_with_who_and_when(two_versions):
    versions = ProcedureVersion.objects.filter(procedure__model_part=two_versions)

    assert [
        (kept.version, kept.saved_by.get_full_name(), kept.procedure_config["stages"][0]["label"])
        for kept in versions
    ] == [(2, "Ada Lovelace", "SMD line"), (1, "Grace Hopper", "SMD")]


def test_saving_an_unchanged_procedure_adds_no_version(two_versions, engineer):
    procedure_apply(part=two_versions, config=V2, user=engineer, expected_version=2)

    assert ProcedureVersion.objects.filter(procedure__model_part=two_versions).count() == 2


def test_the_history_page_shows_each_version_with_a_readable_diff(
    client_for, operator, two_versions
):
    response = client_for(operator).get(reverse("procedures:history", args=[two_versions.pk]))

    text = text_of(response.content.decode())
    assert "Version 2 current saved by Ada Lovelace" in text
    assert "removed Stage QC (qc)" in text
    assert "changed Stage SMD line (smd): label: “SMD” → “SMD line”" in text
    assert "Version 1 saved by Grace Hopper" in text
    assert "added Stage QC (qc): after SMD" in text


def test_a_version_page_shows_that_version_and_what_restoring_it_does(
    client_for, engineer, two_versions
):
    response = client_for(engineer).get(reverse("procedures:version", args=[two_versions.pk, 1]))

    text = text_of(response.content.decode())
    assert "Version 1 of the procedure of EICS112_Part" in text
    assert "Restoring saves it as version 3" in text
    assert "added Stage QC (qc)" in text
    assert "restored is_qc comes back with its data" in text


def test_restoring_an_earlier_version_migrates_the_table_and_brings_data_back(
    client_for, engineer, two_versions
):
    part = two_versions
    url = reverse("procedures:restore", args=[part.pk, 1])

    response = client_for(engineer).post(url, {"expected_version": 2, "confirm_retire": ""})

    assert response.status_code == 302
    procedure = PartProcedureDetail.objects.get(model_part=part)
    assert procedure.version == 3
    assert procedure.procedure_config["stages"][0]["label"] == "SMD"
    unit = part.unit_model().objects.get(usid="U1")
    assert (unit.is_qc, unit.qc_result) == (True, "fail")
    newest = ProcedureVersion.objects.get(procedure=procedure, version=3)
    assert (newest.restored_from, newest.saved_by) == (1, engineer)
    history = client_for(engineer).get(response["Location"]).content.decode()
    assert "Version 1 is restored as version 3." in history
    assert "restores version 1" in history


def test_restoring_over_a_newer_save_is_refused_naming_who(client_for, engineer, two_versions):
    url = reverse("procedures:restore", args=[two_versions.pk, 1])

    response = client_for(engineer).post(url, {"expected_version": 1, "confirm_retire": ""})

    assert response.status_code == 200
    assert "was changed by Ada Lovelace" in text_of(response.content.decode())
    assert PartProcedureDetail.objects.get(model_part=two_versions).version == 2


def test_restoring_a_version_that_retires_data_needs_the_confirmation(
    client_for, engineer, two_versions
):
    part = two_versions
    client = client_for(engineer)
    client.post(reverse("procedures:restore", args=[part.pk, 1]), {"expected_version": 2})
    page = client.get(reverse("procedures:version", args=[part.pk, 2])).content.decode()
    assert "Retire these columns and restore version 2" in page

    refused = client.post(reverse("procedures:restore", args=[part.pk, 2]), {"expected_version": 3})

    assert "The unit table changed since you looked" in refused.content.decode()
    assert PartProcedureDetail.objects.get(model_part=part).version == 3
    confirmed = client.post(
        reverse("procedures:restore", args=[part.pk, 2]),
        {"expected_version": 3, "confirm_retire": "is_qc,qc_at,qc_by_id,qc_result"},
    )
    assert confirmed.status_code == 302
    assert PartProcedureDetail.objects.get(model_part=part).version == 4


def test_an_earlier_version_opens_in_the_editor_as_a_draft(client_for, engineer, two_versions):
    url = reverse("procedures:edit", args=[two_versions.pk]) + "?from_version=1"

    html = client_for(engineer).get(url).content.decode()

    assert shown_keys(html) == ["smd", "qc"]
    assert 'name="base_version" value="2"' in html
    assert PartProcedureDetail.objects.get(model_part=two_versions).version == 2


def test_operators_cannot_restore(client_for, operator, two_versions):
    url = reverse("procedures:restore", args=[two_versions.pk, 1])

    response = client_for(operator).post(url, {"expected_version": 2})

    assert response.status_code == 403
    assert PartProcedureDetail.objects.get(model_part=two_versions).version == 2


def test_admins_read_the_history_in_the_admin_but_cannot_change_it(
    client_for, admin_user, two_versions
):
    client = client_for(admin_user)
    kept = ProcedureVersion.objects.get(procedure__model_part=two_versions, version=1)

    listing = client.get(reverse("admin:procedures_procedureversion_changelist"))
    deleted = client.post(reverse("admin:procedures_procedureversion_delete", args=[kept.pk]))

    assert listing.status_code == 200
    assert "Grace Hopper" in listing.content.decode()
    assert deleted.status_code == 403
    assert ProcedureVersion.objects.filter(pk=kept.pk).exists()
