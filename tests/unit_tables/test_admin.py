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


def test_the_admin_shows_a_unit_and_changes_none_of_it(admin_client_for, part, units):
    unit = units.objects.get(usid="U-100")
    url = reverse("unit_admin:change", args=[part.pk, unit.pk])

    shown = admin_client_for.get(url)
    posted = admin_client_for.post(
        url, {"usid": "U-999", "tag_no": "T-9", "is_qc": "on", "on_hold": "on"}
    )

    page = shown.content.decode()
    assert shown.status_code == 200
    assert "T-1" in page
    assert 'name="usid"' not in page and 'name="is_qc"' not in page
    assert reverse("dashboards:unit", args=["U-100"]) in page
    assert posted.status_code == 403
    unit.refresh_from_db()
    assert (unit.usid, unit.tag_no, unit.is_qc, unit.on_hold) == ("U-100", "T-1", False, False)
    assert not LogEntry.objects.exists()


def test_units_are_neither_added_nor_deleted_in_the_admin(admin_client_for, part, units):
    """A unit comes from a scan or an import, which register its USID; a traced unit stays."""
    unit = units.objects.get(usid="U-300")
    add = reverse("unit_admin:add", args=[part.pk])
    delete = reverse("unit_admin:delete", args=[part.pk, unit.pk])

    answers = [
        admin_client_for.get(add).status_code,
        admin_client_for.post(add, {"usid": "U-400"}).status_code,
        admin_client_for.get(delete).status_code,
        admin_client_for.post(delete, {"post": "yes"}).status_code,
        admin_client_for.post(
            changelist(part), {"action": "delete_selected", "_selected_action": [unit.pk]}
        ).status_code,
    ]
    listing = admin_client_for.get(changelist(part)).content.decode()

    assert answers[:4] == [403, 403, 403, 403]
    assert answers[4] in (200, 302)
    assert sorted(units.objects.values_list("usid", flat=True)) == ["U-100", "U-200", "U-300"]
    assert reverse("unit_admin:add", args=[part.pk]) not in listing
    assert 'name="action"' not in listing


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
