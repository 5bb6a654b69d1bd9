"""USIDs ignore letter case: every registered unit gets a case-free key, unique.

Units registered before this migration keep their USID as it was. When two of them differ
only by case (``PWR-0003`` and ``pwr-0003``), both are kept with their history: the older one
gets the case-free key (so ``Pwr-0003`` finds it), the younger ones are keyed by their exact
USID behind a mark no new key can start with, and stay reachable by their exact USID only.
The migration prints every such pair, so an engineer can decide what to do with them; it
never merges or drops a unit.
"""

from django.db import migrations, models

CASE_TWIN_MARK = "\u2260"
BATCH = 2000


def key_registered_units(apps, schema_editor):
    registrations = apps.get_model("stations", "UnitRegistration")
    owners = {}
    twins = []
    batch = []
    for registration in registrations.objects.order_by("created_at", "id").iterator(BATCH):
        key = registration.usid.lower()
        if key in owners:
            registration.usid_key = CASE_TWIN_MARK + registration.usid
            twins.append((owners[key], registration.usid))
        else:
            owners[key] = registration.usid
            registration.usid_key = key
        batch.append(registration)
        if len(batch) >= BATCH:
            registrations.objects.bulk_update(batch, ["usid_key"])
            batch = []
    if batch:
        registrations.objects.bulk_update(batch, ["usid_key"])
    for older, younger in twins:
        print(
            f"\n  USID {younger!r} differs only by case from the older unit {older!r}: both are "
            f"kept; {older!r} answers to every case, {younger!r} only to its exact USID."
        )


class Migration(migrations.Migration):
    dependencies = [("stations", "0003_apitoken_may_read")]

    operations = [
        migrations.AddField(
            model_name="unitregistration",
            name="usid_key",
            field=models.CharField(
                editable=False, max_length=65, null=True, verbose_name="USID key"
            ),
        ),
        migrations.RunPython(key_registered_units, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="unitregistration",
            name="usid_key",
            field=models.CharField(
                editable=False,
                help_text="The USID in lower case: a USID differing only by case is the same unit.",
                max_length=65,
                unique=True,
                verbose_name="USID key",
            ),
        ),
    ]
