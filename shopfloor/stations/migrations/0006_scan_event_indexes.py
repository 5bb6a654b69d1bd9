"""The scan log keeps the indexes that something reads, and no more.

Every scan writes an event, and every index of the table is written with it. The single-column
indexes Django makes for each reference are dropped: the part's and the station's lead the
indexes by part (stage, time) and by station (time); the person's, the token's and the defect's
become partial indexes over the events that have one (an API scan has no person, a screen scan
no token, a pass no defect), so that a scan does not write an index entry for an empty
reference, while deleting a person, token or defect reason still finds its events at once. The
index by station becomes partial the same way. The columns and constraints are unchanged, so
the single-column indexes are dropped by name, with no table rebuilt on SQLite.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

REFERENCES = ("part", "station", "defect", "user", "token")


def _reference_indexes(schema_editor, model):
    for name in REFERENCES:
        column = model._meta.get_field(name).column
        yield from schema_editor._constraint_names(
            model, [column], index=True, primary_key=False, unique=False
        )


def drop_reference_indexes(apps, schema_editor):
    model = apps.get_model("stations", "ScanEvent")
    for index in list(_reference_indexes(schema_editor, model)):
        schema_editor.execute(schema_editor._delete_index_sql(model, index))


def create_reference_indexes(apps, schema_editor):
    model = apps.get_model("stations", "ScanEvent")
    for name in REFERENCES:
        field = model._meta.get_field(name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("parts", "0003_part_change_permissions"),
        ("stations", "0005_scan_receipts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="scanevent",
            name="stations_event_station",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="scanevent",
                    name="defect",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="stations.defectreason",
                        verbose_name="defect",
                    ),
                ),
                migrations.AlterField(
                    model_name="scanevent",
                    name="part",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="scan_events",
                        to="parts.modelpart",
                        verbose_name="part",
                    ),
                ),
                migrations.AlterField(
                    model_name="scanevent",
                    name="station",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="scan_events",
                        to="stations.station",
                        verbose_name="station",
                    ),
                ),
                migrations.AlterField(
                    model_name="scanevent",
                    name="token",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="stations.apitoken",
                        verbose_name="API token",
                    ),
                ),
                migrations.AlterField(
                    model_name="scanevent",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="who",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_reference_indexes, create_reference_indexes),
            ],
        ),
        migrations.AddIndex(
            model_name="scanevent",
            index=models.Index(
                condition=models.Q(("station__isnull", False)),
                fields=["station", "-created_at"],
                name="stations_event_station",
            ),
        ),
        migrations.AddIndex(
            model_name="scanevent",
            index=models.Index(
                condition=models.Q(("user__isnull", False)),
                fields=["user"],
                name="stations_event_user",
            ),
        ),
        migrations.AddIndex(
            model_name="scanevent",
            index=models.Index(
                condition=models.Q(("token__isnull", False)),
                fields=["token"],
                name="stations_event_token",
            ),
        ),
        migrations.AddIndex(
            model_name="scanevent",
            index=models.Index(
                condition=models.Q(("defect__isnull", False)),
                fields=["defect"],
                name="stations_event_defect",
            ),
        ),
    ]
