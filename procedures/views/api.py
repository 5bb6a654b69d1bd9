"""JSON endpoints that apply or preview a procedure_config v1 for programs rather than people.

Errors answer as the scan API does, ``{"error": {"code": ..., "message": ...}}``; a refused
config also lists each problem in ``error.messages``.
"""

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parts.selectors import parts_visible
from parts.unit_tables import UnitTableBusy
from procedures.change_jobs import ProcedureChangePending, procedure_change_as_job
from procedures.exceptions import ProcedureConflict
from procedures.services import procedure_apply, procedure_preview
from procedures.views.pages import CHANGE
from shopfloor.errors import json_error
from shopfloor.json_input import DuplicateKey, json_loads


def _invalid(messages):
    """400 with every problem: ``message`` in the scan API's way, ``messages`` one by one."""
    return json_error("invalid", " ".join(messages), 400, messages=messages)


def _payload(request):
    try:
        body = json_loads(request.body)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if not isinstance(body, dict) or "config" not in body:
        raise ValueError
    version = body.get("expected_version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise ValueError
    return body["config"], version


def _bad_body():
    return _('send {"config": <procedure_config v1>, "expected_version": <int or null>}')


@require_POST
@permission_required(CHANGE, raise_exception=True)
def procedure_apply_view(request, part_pk):
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    try:
        config, expected_version = _payload(request)
    except DuplicateKey as duplicate:
        return _invalid([str(duplicate)])
    except ValueError:
        return _invalid([_bad_body()])
    try:
        job = procedure_change_as_job(
            part=part, config=config, user=request.user, expected_version=expected_version
        )
        if job is not None:
            return JsonResponse(
                {
                    "job": str(job.pk),
                    "state": job.state,
                    "url": reverse("jobs:detail", args=[job.pk]),
                },
                status=202,
            )
        procedure = procedure_apply(
            part=part, config=config, user=request.user, expected_version=expected_version
        )
    except ValidationError as invalid:
        return _invalid(invalid.messages)
    except ProcedureChangePending as pending:
        return json_error("changing", str(pending), 409)
    except ProcedureConflict as conflict:
        return json_error(
            "conflict",
            str(conflict),
            409,
            changed_by=conflict.changed_by_name,
            changed_at=conflict.changed_at,
            version=conflict.current_version,
        )
    except UnitTableBusy as busy:
        return json_error("busy", str(busy), 503)
    return JsonResponse({"version": procedure.version, "plan": procedure.last_plan.as_dict()})


@require_POST
@permission_required(CHANGE, raise_exception=True)
def procedure_preview_view(request, part_pk):
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    try:
        config, _version = _payload(request)
    except DuplicateKey as duplicate:
        return _invalid([str(duplicate)])
    except ValueError:
        return _invalid([_bad_body()])
    try:
        plan = procedure_preview(part=part, config=config)
    except ValidationError as invalid:
        return _invalid(invalid.messages)
    return JsonResponse({"plan": plan.as_dict()})
