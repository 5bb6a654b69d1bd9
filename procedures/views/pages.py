"""Procedure pages: read, export, history, one version and its restore."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parts.selectors import parts_visible
from parts.unit_tables import UnitTableError
from procedures import selectors
from procedures.config_diff import config_changes
from procedures.editor import table_preview
from procedures.exceptions import ProcedureConflict
from procedures.forms import ProcedureRestoreForm
from procedures.models import PartProcedureDetail, ProcedureVersion
from procedures.rebuild_jobs import rebuild_reclaimable, rebuild_start
from procedures.services import (
    procedure_preview,
    procedure_restore,
    procedure_retirements_to_confirm,
)

VIEW = "procedures.view_partproceduredetail"
CHANGE = "procedures.change_partproceduredetail"


@require_GET
@permission_required(VIEW, raise_exception=True)
def procedure_detail(request, part_pk):
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    procedure = selectors.procedure_of_part(part=part)
    return render(
        request,
        "procedures/procedure_detail.html",
        {
            "part": part,
            "procedure": procedure,
            "reclaimable": rebuild_reclaimable(part) if procedure else 0,
            "postgresql": connection.vendor == "postgresql",
            **selectors.unit_table_columns(part=part),
        },
    )


@require_POST
@permission_required(CHANGE, raise_exception=True)
def procedure_rebuild(request, part_pk):
    """Start a rebuild of the part's unit table as a job; its page shows the progress."""
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    get_object_or_404(PartProcedureDetail, model_part=part)
    if not rebuild_reclaimable(part):
        messages.info(
            request,
            _("The unit table of %(part)s has no dropped column slots to give back.")
            % {"part": part.part_no},
        )
        return redirect("procedures:detail", part_pk=part.pk)
    job = rebuild_start(part=part, user=request.user)
    return redirect("jobs:detail", job_id=job.pk)


@require_GET
@permission_required(VIEW, raise_exception=True)
def procedure_export(request, part_pk):
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    procedure = get_object_or_404(PartProcedureDetail, model_part=part)
    response = JsonResponse(procedure.procedure_config, json_dumps_params={"indent": 2})
    filename = f"{slugify(part.part_no)}-procedure-v{procedure.version}.json"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_GET
@permission_required(VIEW, raise_exception=True)
def procedure_history(request, part_pk):
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    procedure = get_object_or_404(PartProcedureDetail, model_part=part)
    return render(
        request,
        "procedures/procedure_history.html",
        {
            "part": part,
            "procedure": procedure,
            "history": selectors.procedure_history(procedure=procedure),
        },
    )


@require_GET
@permission_required(VIEW, raise_exception=True)
def procedure_version(request, part_pk, version):
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    return _render_version(request, part, version)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def procedure_version_restore(request, part_pk, version):
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    kept, _previous = version_or_404(part, version)
    if kept.version == kept.procedure.version:
        messages.info(request, _("Version %(version)s is the current one.") % {"version": version})
        return redirect("procedures:history", part_pk=part.pk)
    form = ProcedureRestoreForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("The restore form was incomplete; reload the page."))
    try:
        to_confirm = procedure_retirements_to_confirm(
            part=part, config=kept.procedure_config, confirmed=form.cleaned_data["confirm_retire"]
        )
    except ValidationError as error:
        return _render_version(request, part, version, restore_error=error)
    if to_confirm:
        return _render_version(request, part, version, retire_changed=True)
    try:
        restored = procedure_restore(
            part=part,
            version=version,
            user=request.user,
            expected_version=form.cleaned_data["expected_version"],
        )
    except ProcedureConflict as conflict:
        return _render_version(request, part, version, conflict=conflict)
    except (ValidationError, UnitTableError) as error:
        return _render_version(request, part, version, restore_error=error)
    messages.success(
        request,
        _("Version %(old)s is restored as version %(new)s.")
        % {"old": version, "new": restored.version},
    )
    return redirect("procedures:history", part_pk=part.pk)


def version_or_404(part, version):
    try:
        return selectors.procedure_version(part=part, version=version)
    except ProcedureVersion.DoesNotExist:
        raise Http404(_("This part's procedure has no such version.")) from None


def _render_version(request, part, version, **extra):
    kept, previous = version_or_404(part, version)
    current = kept.procedure
    context = {
        "part": part,
        "kept": kept,
        "previous": previous,
        "current": current,
        "changes": config_changes(
            previous.procedure_config if previous else {}, kept.procedure_config
        ),
        **extra,
    }
    if kept.version != current.version:
        context["restore_changes"] = config_changes(current.procedure_config, kept.procedure_config)
        try:
            preview = procedure_preview(part=part, config=kept.procedure_config)
        except ValidationError as error:
            plan, at_risk, context["restore_problems"] = None, [], error.messages
        else:
            plan, at_risk = table_preview(preview), list(preview.retired_holding_data())
        context |= {"plan": plan, "at_risk": at_risk}
        context["restore_form"] = ProcedureRestoreForm(
            initial={"expected_version": current.version, "confirm_retire": ",".join(at_risk)}
        )
    return render(request, "procedures/procedure_version.html", context)
