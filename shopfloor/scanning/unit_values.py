"""Changing a unit's values outside a scan: the fields without a stage, on the unit's page.

Every change is an event in the unit's history (who, when, the old and the new value), written
in the same transaction as the unit row, so a value never changes without a record of it.
Fields with a stage are entered with the scan of that stage and not changed here.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procedures.config import field_value_problem
from shopfloor.scanning.selectors import unit_find
from shopfloor.scanning.stage_data import (
    column_value,
    json_value,
    number_text_problem,
    unique_values_guard,
)
from shopfloor.stations.models import ScanEvent


def unit_values_edit(*, usid, values, user):
    """Set the fields without a stage of the unit ``usid`` from ``values`` (``{key: JSON
    value}``; "" or None clears). Returns the changes ``{key: {"old", "new"}}`` (empty when
    nothing changed). Raises ``LookupError`` for an unknown unit, ``ValidationError`` naming
    each bad field and ``ScanRefused`` (``duplicate_value``) for a unique value another unit
    holds; nothing is written then."""
    found = unit_find(usid=usid)
    if found is None or found[2] is None:
        raise LookupError(_("No unit %(usid)s is registered.") % {"usid": usid})
    registration, plan, _row = found
    entries = {entry.key: entry for entry in plan.fields}
    errors = {}
    cleaned = {}
    for key, value in values.items():
        entry = entries.get(key)
        if entry is None:
            errors[key] = _("%(key)s is not a field of %(part_no)s.") % {
                "key": key,
                "part_no": registration.part.part_no,
            }
        elif entry.stage:
            errors[key] = _("%(field)s is entered with the scan of %(stage)s.") % {
                "field": entry.label,
                "stage": entry.stage,
            }
        elif value in ("", None):
            cleaned[entry.column] = (entry, None)
        elif problem := number_text_problem(entry, value) or field_value_problem(
            entry.entry, value, name=entry.label
        ):
            errors[key] = problem
        else:
            cleaned[entry.column] = (entry, column_value(entry, value))
    if errors:
        raise ValidationError(errors)
    unique = {column: value for column, (entry, value) in cleaned.items() if entry.unique}
    with unique_values_guard(plan, registration.usid, unique), transaction.atomic():
        row = (
            plan.unit_model.objects.select_for_update()
            .filter(usid=registration.usid)
            .values(*cleaned)
            .first()
        )
        changes = {}
        for column, (entry, value) in cleaned.items():
            if row[column] != value:
                changes[entry.key] = {
                    "old": json_value(entry, row[column]),
                    "new": json_value(entry, value),
                }
        if not changes:
            return {}
        now = timezone.now()
        update = {entries[key].column: cleaned[entries[key].column][1] for key in changes}
        plan.unit_model.objects.filter(usid=registration.usid).update(updated_at=now, **update)
        ScanEvent.objects.create(
            created_at=now,
            usid=registration.usid,
            part=registration.part,
            action=ScanEvent.Action.EDIT,
            source=ScanEvent.Source.PAGE,
            user=user,
            data=changes,
        )
    return changes
