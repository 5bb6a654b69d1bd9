"""A save that meets a unit table locked by scans says so, keeps the draft and changes nothing."""

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from procedures.models import PartProcedureDetail
from procedures.services import procedure_apply
from tests.procedures.editor_posts import editor_post, shown_keys, stage, text_of


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a second connection holding a lock; the SQLite test database is in-memory",
)
@pytest.mark.django_db(transaction=True)
def test_saving_while_scans_hold_the_table_asks_to_retry_and_keeps_the_draft(
    htmx_post, part, engineer, settings
):
    settings.UNIT_TABLE_LOCK_TIMEOUT = "200ms"
    smd = {"key": "smd", "label": "SMD"}
    procedure_apply(part=part, config={"version": 1, "stages": [smd]}, user=engineer)
    table = part.unit_model()._meta.db_table
    db = connection.settings_dict
    data = editor_post(
        [stage("smd", "SMD", origin="smd"), stage("testing")], base_version=1, action="save"
    )

    # A scan in progress on another connection: it holds the table until it commits.
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]
    ) as scan:
        scan.execute(f'SELECT * FROM "{table}" FOR UPDATE')
        html = htmx_post(reverse("procedures:edit", args=[part.pk]), data).content.decode()

    assert "Nothing was saved: The unit table is in use by scans right now" in text_of(html)
    assert shown_keys(html) == ["smd", "testing"]
    assert PartProcedureDetail.objects.get(model_part=part).version == 1
    assert "is_testing" not in [f.column for f in part.unit_model()._meta.concrete_fields]
