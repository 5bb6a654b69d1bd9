"""A unit read, as JSON, through the part's current unit model.

Values are changed on the unit's page (``stations:unit-values``), where every change is an
event with who, when and the old and new value; nothing here writes."""

from django.contrib.auth.decorators import permission_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from parts.selectors import parts_visible
from parts.unit_tables.exceptions import NoUnitTable
from parts.unit_tables.selectors import unit_as_dict, unit_get


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
        return error(
            "not_found",
            404,
            message=_("%(part_no)s has no unit %(usid)s") % {"part_no": part.part_no, "usid": usid},
        )
    return JsonResponse(unit_as_dict(unit))
