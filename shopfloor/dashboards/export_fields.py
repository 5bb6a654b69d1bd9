"""The unit fields' columns in exports: each named for people by its label and unit, and the
values an event recorded, as one JSON text."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from parts.unit_tables.naming import field_columns


def field_headers(model):
    """``{column: header}`` of a unit model's field columns, e.g. ``f_v_out`` →
    ``"Output voltage (V)"``; a header taken twice keeps its key beside it."""
    headers = {}
    for entry in getattr(model, "unit_fields", ()):
        unit = entry.get("unit")
        header = f"{entry['label']} ({unit})" if unit else entry["label"]
        if header in headers.values():
            header = f"{header} [{entry['key']}]"
        headers[field_columns(entry["key"])] = header
    return headers


def event_data_text(data):
    """An event's recorded values as one cell: JSON with keys sorted, or empty."""
    if not data:
        return ""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
