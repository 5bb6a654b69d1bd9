"""A unit read and a field write, as JSON, through the part's current unit model."""

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET, require_POST

from parts.selectors import parts_visible
from parts.unit_tables.exceptions import NoUnitTable
from parts.unit_tables.selectors import unit_as_dict, unit_get
from parts.unit_tables.services import unit_fields_set
from shopfloor.json_input import DuplicateKey, json_loads


def error(code, status, **details):
    return JsonResponse({"error": {"code": code, **details}}, status=status)


@require_GET
@permission_required("parts.view_modelpart", raise_exception=True)
def unit_detail(request, part_pk, usid):
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    try:
        unit = unit_get(part=part, usid=usid)
    except NoUnitTable as no_table:
        return error("no_unit_table", 404, message=str(no_table))
    if unit is None:
        return error("not_found", 404, message=f"{part.part_no} has no unit {usid}")
    return JsonResponse(unit_as_dict(unit))


@require_POST
@permission_required("parts.change_modelpart", raise_exception=True)
def unit_fields(request, part_pk, usid):
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    try:
        values = json_loads(request.body)["fields"]
        if not isinstance(values, dict):
            raise TypeError
    except DuplicateKey as duplicate:
        return error("invalid", 400, message=str(duplicate))
    except (ValueError, KeyError, TypeError):
        return error("invalid", 400, message='send {"fields": {"<key>": value, ...}}')
    try:
        unit = unit_fields_set(part=part, usid=usid, values=values)
    except NoUnitTable as no_table:
        return error("no_unit_table", 404, message=str(no_table))
    except LookupError as unknown:
        return error("not_found", 404, message=str(unknown))
    except ValidationError as invalid:
        return error("invalid", 400, fields=invalid.message_dict)
    return JsonResponse(unit_as_dict(unit))
