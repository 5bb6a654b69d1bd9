"""Scan receipts: the first answer to a scan sent with a scan_id, given again to a replay."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("stations", "0004_unit_registration_usid_key")]

    operations = [
        migrations.CreateModel(
            name="ScanReceipt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "scope",
                    models.CharField(
                        help_text="token:<id> for the scan API, user:<id>:station:<id> for the scan screen.",
                        max_length=60,
                        verbose_name="sent by",
                    ),
                ),
                ("scan_id", models.CharField(max_length=64, verbose_name="scan id")),
                ("outcome", models.JSONField(verbose_name="answer")),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="answered at"
                    ),
                ),
            ],
            options={
                "verbose_name": "scan receipt",
                "verbose_name_plural": "scan receipts",
                "ordering": ["-created_at"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("scope", "scan_id"), name="stations_receipt_once"
                    )
                ],
            },
        ),
    ]
