"""Applying a procedure over HTTP (JSON): the procedure editor saves through these."""

import json

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from parts.models import ModelPart
from parts.unit_tables import UnitTableBusy
from procedures.exceptions import ProcedureConflict
from procedures.services import procedure_apply, procedure_preview


def error(code, status, **details):
    return JsonResponse({"error": {"code": code, **details}}, status=status)


def _payload(request):
    body = json.loads(request.body)
    if not isinstance(body, dict) or "config" not in body:
        raise ValueError
    version = body.get("expected_version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise ValueError
    return body["config"], version


BAD_BODY = 'send {"config": <procedure_config v1>, "expected_version": <int or null>}'


@require_POST
@permission_required("procedures.change_partproceduredetail", raise_exception=True)
def procedure_apply_view(request, part_pk):
    part = get_object_or_404(ModelPart, pk=part_pk)
    try:
        config, expected_version = _payload(request)
    except ValueError:
        return error("invalid", 400, messages=[BAD_BODY])
    try:
        procedure = procedure_apply(
            part=part, config=config, user=request.user, expected_version=expected_version
        )
    except ValidationError as invalid:
        return error("invalid", 400, messages=invalid.messages)
    except ProcedureConflict as conflict:
        return error(
            "conflict",
            409,
            message=str(conflict),
            changed_by=conflict.changed_by_name,
            changed_at=conflict.changed_at,
            version=conflict.current_version,
        )
    except UnitTableBusy as busy:
        return error("busy", 503, message=str(busy))
    return JsonResponse({"version": procedure.version, "plan": procedure.last_plan.as_dict()})


@require_POST
@permission_required("procedures.change_partproceduredetail", raise_exception=True)
def procedure_preview_view(request, part_pk):
    part = get_object_or_404(ModelPart, pk=part_pk)
    try:
        config, _version = _payload(request)
    except ValueError:
        return error("invalid", 400, messages=[BAD_BODY])
    try:
        plan = procedure_preview(part=part, config=config)
    except ValidationError as invalid:
        return error("invalid", 400, messages=invalid.messages)
    return JsonResponse({"plan": plan.as_dict()})
