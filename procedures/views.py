"""Procedure pages: read, edit (htmx), history and restore, import and export; and the JSON
endpoints that apply or preview a procedure for programs rather than people."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parts.selectors import parts_visible
from parts.unit_tables import UnitTableBusy, UnitTableError
from procedures import selectors
from procedures.catalogue import STAGE_CATALOGUE
from procedures.config_diff import config_changes
from procedures.editor import (
    EditorState,
    MalformedEditorPost,
    Problems,
    problems_of,
    table_preview,
)
from procedures.exceptions import ProcedureConflict
from procedures.forms import ProcedureImportForm, ProcedureRestoreForm
from procedures.models import PartProcedureDetail, ProcedureVersion
from procedures.services import procedure_apply, procedure_preview, procedure_restore
from shopfloor.json_input import DuplicateKey, json_loads

VIEW = "procedures.view_partproceduredetail"
CHANGE = "procedures.change_partproceduredetail"
EDIT_TEMPLATE = "procedures/procedure_edit.html"


@require_GET
@permission_required(VIEW, raise_exception=True)
def procedure_detail(request, part_pk):
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    procedure = selectors.procedure_of_part(part=part)
    return render(
        request,
        "procedures/procedure_detail.html",
        {"part": part, "procedure": procedure, **selectors.unit_table_columns(part=part)},
    )


@require_GET
@permission_required(VIEW, raise_exception=True)
def procedure_export(request, part_pk):
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    procedure = get_object_or_404(PartProcedureDetail, model_part=part)
    response = JsonResponse(procedure.procedure_config, json_dumps_params={"indent": 2})
    filename = f"{slugify(part.part_no)}-procedure-v{procedure.version}.json"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_http_methods(["GET", "POST"])
@permission_required(CHANGE, raise_exception=True)
def procedure_edit(request, part_pk):
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    procedure = selectors.procedure_of_part(part=part)
    if request.method == "GET":
        state = EditorState.saved(procedure)
        if "from_version" in request.GET:
            kept, _previous = _version_or_404(part, _int(request.GET["from_version"]))
            state.load(kept.procedure_config, procedure=procedure)
        return _render_editor(request, part, procedure, state)
    try:
        state = EditorState.from_post(request.POST)
    except MalformedEditorPost:
        return HttpResponseBadRequest(_("The editor's form was incomplete; reload the page."))
    action, _sep, argument = request.POST.get("action", "").partition(":")
    if action == "validate":
        return _render_editor(request, part, procedure, state, partial="checks", oob_errors=True)
    if action == "save_over":
        state.base_version = _int(argument)
        action = "save"
    if action == "save":
        return _save(request, part, procedure, state)
    if action == "copy":
        source = get_object_or_404(
            selectors.parts_to_copy_from(part=part), pk=_int(request.POST.get("copy_from"))
        )
        state.load(source.procedure.procedure_config, procedure=procedure)
    elif action == "add_stage":
        state.draft.apply(action, request.POST.get("catalogue_key", ""))
    else:
        state.draft.apply(action, argument)
    return _render_editor(request, part, procedure, state)


@require_http_methods(["GET", "POST"])
@permission_required(CHANGE, raise_exception=True)
def procedure_import(request, part_pk):
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    procedure = selectors.procedure_of_part(part=part)
    if request.method == "GET":
        form = ProcedureImportForm()
    else:
        form = ProcedureImportForm(request.POST, request.FILES)
    if form.is_bound and form.is_valid():
        config = form.cleaned_data["config"]
        try:
            procedure_preview(part=part, config=config)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            state = EditorState.saved(procedure)
            state.load(config, procedure=procedure)
            notice = _("Imported. Nothing is saved yet: check the changes, then save.")
            return _render_editor(request, part, procedure, state, notice=notice)
    return render(request, "procedures/procedure_import.html", {"part": part, "form": form})


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
    kept, _previous = _version_or_404(part, version)
    if kept.version == kept.procedure.version:
        messages.info(request, _("Version %(version)s is the current one.") % {"version": version})
        return redirect("procedures:history", part_pk=part.pk)
    form = ProcedureRestoreForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("The restore form was incomplete; reload the page."))
    try:
        plan = procedure_preview(part=part, config=kept.procedure_config)
    except ValidationError as error:
        return _render_version(request, part, version, restore_error=error)
    at_risk = {column for column, units in plan.units_holding_data.items() if units}
    if not at_risk <= set(form.cleaned_data["confirm_retire"].split(",")):
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


def _version_or_404(part, version):
    try:
        return selectors.procedure_version(part=part, version=version)
    except ProcedureVersion.DoesNotExist:
        raise Http404(_("This part's procedure has no such version.")) from None


def _render_version(request, part, version, **extra):
    kept, previous = _version_or_404(part, version)
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
            plan = table_preview(procedure_preview(part=part, config=kept.procedure_config))
        except ValidationError as error:
            plan, context["restore_problems"] = None, error.messages
        at_risk = (
            [entry["column"] for entry in plan["retired"] if entry["units_holding_data"]]
            if plan
            else []
        )
        context |= {"plan": plan, "at_risk": at_risk}
        context["restore_form"] = ProcedureRestoreForm(
            initial={"expected_version": current.version, "confirm_retire": ",".join(at_risk)}
        )
    return render(request, "procedures/procedure_version.html", context)


def _save(request, part, procedure, state):
    """Apply the draft: refuse a stale one, ask before retiring data, then migrate the table."""
    if procedure is not None and state.base_version != procedure.version:
        return _render_conflict(request, part, procedure, state)
    config = state.draft.to_config()
    try:
        plan = procedure_preview(part=part, config=config)
    except ValidationError:
        return _render_editor(request, part, procedure, state)
    at_risk = {column: units for column, units in plan.units_holding_data.items() if units}
    if not set(at_risk) <= set(state.confirm_retire.split(",")):
        return _render_editor(request, part, procedure, state, confirm_retire=at_risk)
    try:
        saved = procedure_apply(
            part=part, config=config, user=request.user, expected_version=state.base_version
        )
    except ProcedureConflict:
        return _render_conflict(request, part, selectors.procedure_of_part(part=part), state)
    except (ValidationError, UnitTableError) as error:
        return _render_editor(request, part, procedure, state, save_error=error)
    notice = _("Saved version %(version)s of the procedure.") % {"version": saved.version}
    if not request.htmx:
        messages.success(request, notice)
        return redirect("procedures:edit", part_pk=part.pk)
    return _render_editor(request, part, saved, EditorState.saved(saved), notice=notice)


def _render_conflict(request, part, theirs, state):
    return _render_editor(
        request,
        part,
        theirs,
        state,
        conflict=theirs,
        conflict_changes=config_changes(theirs.procedure_config, state.draft.to_config()),
    )


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def _saved_config(procedure):
    return procedure.procedure_config if procedure else {}


def _rows(kind, formset, rows, problems):
    return [
        {
            "index": index,
            "form": form,
            "row": row,
            "errors_id": f"{kind}-errors-{index}",
            "errors": problems.of_row(kind, index),
        }
        for index, (form, row) in enumerate(zip(formset, rows, strict=True))
    ]


def _check(part, config):
    """The validator's problems with ``config`` and, when it has none, the table preview."""
    try:
        return Problems(), table_preview(procedure_preview(part=part, config=config))
    except ValidationError as error:
        return problems_of(error), None


def _render_editor(request, part, procedure, state, *, partial="editor", **extra):
    template_name = EDIT_TEMPLATE
    if request.htmx:
        template_name += f"#{partial}"
    forms = state.forms()
    config = state.draft.to_config()
    problems, plan = _check(part, config)
    context = {
        "part": part,
        "procedure": procedure,
        **forms,
        "stage_rows": _rows("stages", forms["stage_formset"], state.draft.stages, problems),
        "field_rows": _rows("fields", forms["field_formset"], state.draft.fields, problems),
        "general_errors": problems.general,
        "has_problems": bool(problems),
        "plan": plan,
        "catalogue_left": [
            (key, STAGE_CATALOGUE[key]["label"]) for key in state.draft.catalogue_left()
        ],
        "copy_sources": selectors.parts_to_copy_from(part=part),
        "changes": config_changes(_saved_config(procedure), config),
        **selectors.unit_table_columns(part=part),
        **extra,
    }
    return render(request, template_name, context)


# JSON endpoints: apply or preview a procedure_config v1 over HTTP.


def error(code, status, **details):
    return JsonResponse({"error": {"code": code, **details}}, status=status)


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


BAD_BODY = 'send {"config": <procedure_config v1>, "expected_version": <int or null>}'


@require_POST
@permission_required("procedures.change_partproceduredetail", raise_exception=True)
def procedure_apply_view(request, part_pk):
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    try:
        config, expected_version = _payload(request)
    except DuplicateKey as duplicate:
        return error("invalid", 400, messages=[str(duplicate)])
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
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    try:
        config, _version = _payload(request)
    except ValueError:
        return error("invalid", 400, messages=[BAD_BODY])
    try:
        plan = procedure_preview(part=part, config=config)
    except ValidationError as invalid:
        return error("invalid", 400, messages=invalid.messages)
    return JsonResponse({"plan": plan.as_dict()})
