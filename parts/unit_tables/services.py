"""Writes to unit rows that are not scans (scans have their own rules and event log)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from parts.unit_tables.cache import unit_model_for
from parts.unit_tables.naming import field_columns


def unit_fields_set(*, part, usid, values):
    """Set extra field values (``{key: value}``) of the unit ``usid`` of ``part``.

    Raises ``LookupError`` for an unknown unit and ``ValidationError`` naming each bad field
    (unknown key, or a value its type refuses); nothing is written then.
    """
    model = unit_model_for(part)
    keys = {entry["key"] for entry in model.unit_fields}
    errors = {}
    with transaction.atomic():
        unit = model.objects.select_for_update().filter(usid=usid).first()
        if unit is None:
            raise LookupError(f"{part.part_no} has no unit {usid}")
        for key, value in values.items():
            if key not in keys:
                errors[key] = [f'"{key}" is not a field of {part.part_no}']
                continue
            field = model._meta.get_field(field_columns(key))
            try:
                setattr(unit, field.attname, field.clean(value, unit))
            except ValidationError as error:
                errors[key] = error.messages
        if errors:
            raise ValidationError(errors)
        unit.save(update_fields=[field_columns(key) for key in values] + ["updated_at"])
    return unit
