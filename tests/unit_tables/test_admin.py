"""Each part's unit table in the Django admin: listed, searchable, filterable, current."""

import json

import psycopg
import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.urls import reverse

from procedures.models import PartProcedureDetail
from tests.unit_tables.support import SMD_QC, columns_of, config, stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for(client_for, admin_user):
    return client_for(admin_user)


@pytest.fixture
def units(part, apply):
    apply(part, SMD_QC)
    Unit = part.unit_model()
    Unit.objects.create(usid="U-100", tag_no="T-1", is_smd=True)
    Unit.objects.create(usid="U-200", is_smd=True, is_qc=True)
    Unit.objects.create(usid="U-300")
    return Unit


def changelist(part):
    return reverse("unit_admin:changelist", args=[part.pk])


def listed_usids(response):
    return sorted(unit.usid for unit in response.context["cl"].result_list)


def test_the_admin_lists_a_parts_units_with_its_stages(admin_client_for, part, units):
    response = admin_client_for.get(changelist(part))

    assert response.status_code == 200
    assert listed_usids(response) == ["U-100", "U-200", "U-300"]
    body = response.content.decode()
    assert "SMD" in body and "QC" in body
    assert reverse("unit_admin:change", args=[part.pk, units.objects.get(usid="U-100").pk]) in body


def test_units_are_found_by_usid(admin_client_for, part, units):
    exact = admin_client_for.get(changelist(part), {"q": "U-200"})
    partial = admin_client_for.get(changelist(part), {"q": "00"})
    by_tag = admin_client_for.get(changelist(part), {"q": "T-1"})

    assert listed_usids(exact) == ["U-200"]
    assert listed_usids(partial) == ["U-100", "U-200", "U-300"]
    assert listed_usids(by_tag) == ["U-100"]


def test_units_are_filtered_by_stage(admin_client_for, part, units):
    done_qc = admin_client_for.get(changelist(part), {"is_qc__exact": "1"})
    not_smd = admin_client_for.get(changelist(part), {"is_smd__exact": "0"})

    assert listed_usids(done_qc) == ["U-200"]
    assert listed_usids(not_smd) == ["U-300"]


def test_the_admin_follows_a_schema_change_without_restart(admin_client_for, part, units, apply):
    admin_client_for.get(changelist(part))

    apply(
        part,
        config(stage("smd", result="pass_fail"), stage("qc"), stage("testing", "Burn-in test")),
    )
    response = admin_client_for.get(changelist(part), {"is_testing__exact": "0"})

    assert response.status_code == 200
    assert "Burn-in test" in response.content.decode()
    assert len(listed_usids(response)) == 3


def test_a_unit_can_be_changed_in_the_admin_and_is_logged_on_its_part(
    admin_client_for, part, units, admin_user
):
    unit = units.objects.get(usid="U-300")
    url = reverse("unit_admin:change", args=[part.pk, unit.pk])

    form = admin_client_for.get(url)
    response = admin_client_for.post(url, {"usid": "U-300", "tag_no": "T-9", "is_qc": "on"})

    assert form.status_code == 200
    assert response.status_code == 302
    assert response.url == changelist(part)
    unit.refresh_from_db()
    assert (unit.tag_no, unit.is_qc, unit.is_smd) == ("T-9", True, False)
    entry = LogEntry.objects.get()
    assert entry.user == admin_user
    assert entry.object_id == str(part.pk)
    assert entry.get_change_message() == "Unit U-300 changed in the admin."


def test_the_admin_shows_a_units_values_but_does_not_change_them_unrecorded(
    admin_client_for, part, apply
):
    apply(part, config(stage("smd"), fields=[{"key": "mac", "label": "MAC", "type": "text"}]))
    unit = part.unit_model().objects.create(usid="U-500", f_mac="AA:BB")
    url = reverse("unit_admin:change", args=[part.pk, unit.pk])

    form = admin_client_for.get(url)
    saved = admin_client_for.post(url, {"usid": "U-500", "f_mac": "CC:DD"})
    added = admin_client_for.post(
        reverse("unit_admin:add", args=[part.pk]), {"usid": "U-501", "f_mac": "EE:FF"}
    )

    assert 'name="f_mac"' not in form.content.decode()
    assert "AA:BB" in form.content.decode()
    assert saved.status_code == added.status_code == 302
    values = dict(part.unit_model().objects.values_list("usid", "f_mac"))
    assert values == {"U-500": "AA:BB", "U-501": None}


def test_a_unit_can_be_added_and_deleted_in_the_admin(admin_client_for, part, units):
    added = admin_client_for.post(reverse("unit_admin:add", args=[part.pk]), {"usid": "U-400"})
    unit = units.objects.get(usid="U-400")
    confirm = admin_client_for.get(reverse("unit_admin:delete", args=[part.pk, unit.pk]))
    deleted = admin_client_for.post(
        reverse("unit_admin:delete", args=[part.pk, unit.pk]), {"post": "yes"}
    )

    assert added.status_code == 302
    assert confirm.status_code == 200
    assert deleted.status_code == 302
    assert not units.objects.filter(usid="U-400").exists()


def test_the_admin_index_links_every_unit_table(admin_client_for, part, units):
    index = admin_client_for.get(reverse("admin:index"))
    tables = admin_client_for.get(reverse("unit_admin:index"))

    assert reverse("unit_admin:index") in index.content.decode()
    assert changelist(part) in tables.content.decode()


def test_staff_without_the_view_permission_cannot_see_units(client_for, make_user, part, units):
    staff = make_user(is_staff=True)

    response = client_for(staff).get(changelist(part))

    assert response.status_code == 403


def test_non_staff_are_sent_to_the_admin_sign_in(client_for, engineer, part, units):
    response = client_for(engineer).get(changelist(part))

    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_a_part_without_procedure_has_no_unit_admin(admin_client_for, part):
    assert admin_client_for.get(changelist(part)).status_code == 404


def test_saving_a_procedure_in_the_admin_creates_its_unit_table(admin_client_for, part, admin_user):
    response = admin_client_for.post(
        reverse("admin:procedures_partproceduredetail_add"),
        {
            "model_part": part.pk,
            "procedure_config": '{"version": 1, "stages": [{"key": "smd", "label": "SMD"}]}',
            "version": 0,
        },
    )

    assert response.status_code == 302, response.content.decode()
    assert "is_smd" in columns_of(f"parts_unit_{part.pk}")
    assert PartProcedureDetail.objects.get().updated_by == admin_user


def test_the_admin_names_the_entry_of_a_bad_procedure_and_creates_nothing(admin_client_for, part):
    response = admin_client_for.post(
        reverse("admin:procedures_partproceduredetail_add"),
        {
            "model_part": part.pk,
            "procedure_config": '{"version": 1, "stages": [{"key": "Q C", "label": "QC"}]}',
            "version": 0,
        },
    )

    assert response.status_code == 200
    assert "stages[0].key: &quot;Q C&quot; cannot be a key" in response.content.decode()
    assert not PartProcedureDetail.objects.exists()


def test_the_admin_refuses_a_procedure_edit_overtaken_by_another(
    admin_client_for, part, apply, make_user
):
    other = make_user("Engineer", full_name="Other Engineer")
    procedure = apply(part, SMD_QC)
    apply(part, config(stage("smd", result="pass_fail"), stage("qc"), stage("testing")), user=other)

    response = admin_client_for.post(
        reverse("admin:procedures_partproceduredetail_change", args=[procedure.pk]),
        {
            "procedure_config": '{"version": 1, "stages": [{"key": "smd", "label": "SMD"}]}',
            "version": 1,
        },
    )

    assert response.status_code == 200
    assert "was changed by Other Engineer" in response.content.decode()
    assert "is_testing" in [f.name for f in part.unit_model()._meta.fields]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a second connection holding a lock; the SQLite test database is in-memory",
)
@pytest.mark.django_db(transaction=True)
def test_an_admin_save_that_meets_scans_holding_the_table_says_so_and_changes_nothing(
    admin_client_for, part, apply, settings
):
    settings.UNIT_TABLE_LOCK_TIMEOUT = "200ms"
    procedure = apply(part, SMD_QC)
    table = part.unit_model()._meta.db_table
    db = connection.settings_dict
    change_url = reverse("admin:procedures_partproceduredetail_change", args=[procedure.pk])
    three_stages = config(stage("smd", result="pass_fail"), stage("qc"), stage("testing"))

    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]
    ) as scan:
        scan.execute(f'SELECT * FROM "{table}" FOR UPDATE')
        response = admin_client_for.post(
            change_url,
            {"procedure_config": json.dumps(three_stages), "version": procedure.version},
        )

    assert response.status_code == 302
    assert response.url == change_url
    page = admin_client_for.get(change_url).content.decode()
    assert "Nothing was saved: " in page
    assert PartProcedureDetail.objects.get().version == procedure.version
    assert "is_testing" not in columns_of(table)
