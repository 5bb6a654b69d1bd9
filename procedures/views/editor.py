"""The procedure editor (htmx): the draft travels in the form, each action answers the part of
the page it changed; a JSON file can be imported into it."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from parts.selectors import parts_visible
from parts.unit_tables import UnitTableError
from procedures import selectors
from procedures.catalogue import STAGE_CATALOGUE
from procedures.change_jobs import ProcedureChangePending, procedure_change_as_job
from procedures.config_diff import config_changes
from procedures.editor import (
    EditorState,
    MalformedEditorPost,
    Problems,
    focus_after,
    problems_of,
    table_preview,
)
from procedures.exceptions import ProcedureConflict
from procedures.forms import ProcedureImportForm
from procedures.services import (
    procedure_apply,
    procedure_preview,
    procedure_retirements_to_confirm,
)
from procedures.views.pages import CHANGE, version_or_404
from shopfloor.genealogy.editor_forms import component_row_problems

EDIT_TEMPLATE = "procedures/procedure_edit.html"


@require_http_methods(["GET", "POST"])
@permission_required(CHANGE, raise_exception=True)
def procedure_edit(request, part_pk):
    part = get_object_or_404(parts_visible(user=request.user), pk=part_pk)
    procedure = selectors.procedure_of_part(part=part)
    if request.method == "GET":
        state = EditorState.saved(procedure)
        if "from_version" in request.GET:
            kept, _previous = version_or_404(part, _int(request.GET["from_version"]))
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
    focus = focus_after(action, argument, state.draft)
    return _render_editor(request, part, procedure, state, focus=focus)


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


def _save(request, part, procedure, state):
    """Apply the draft: refuse a stale one, ask before retiring data, then migrate the table."""
    if procedure is not None and state.base_version != procedure.version:
        return _render_conflict(request, part, procedure, state)
    config = state.draft.to_config()
    if component_row_problems(state.draft.components, state.draft.stage_keys()):
        return _render_editor(request, part, procedure, state)  # each row says what is wrong
    try:
        to_confirm = procedure_retirements_to_confirm(
            part=part, config=config, confirmed=state.confirm_retire
        )
    except ValidationError:
        return _render_editor(request, part, procedure, state)
    if to_confirm:
        return _render_editor(request, part, procedure, state, confirm_retire=to_confirm)
    try:
        job = procedure_change_as_job(
            part=part, config=config, user=request.user, expected_version=state.base_version
        )
    except ProcedureChangePending as pending:
        return _render_editor(request, part, procedure, state, save_error=pending)
    if job is not None:
        return _following_the_job(request, part, job)
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


def _following_the_job(request, part, job):
    """A change that converts many units' values is applied by a worker: its page follows."""
    messages.info(
        request,
        _(
            "This change converts the values of many units: a worker applies it now. Scans "
            "of %(part_no)s answer that its procedure is being changed until it is done."
        )
        % {"part_no": part.part_no},
    )
    target = reverse("jobs:detail", args=[job.pk])
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


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
    for index, said in component_row_problems(
        state.draft.components, state.draft.stage_keys()
    ).items():
        problems.rows.setdefault(("components", index), []).extend(said)
    changes = config_changes(_saved_config(procedure), config)
    context = {
        "part": part,
        "procedure": procedure,
        **forms,
        "stage_rows": _rows("stages", forms["stage_formset"], state.draft.stages, problems),
        "field_rows": _rows("fields", forms["field_formset"], state.draft.fields, problems),
        "component_rows": _rows(
            "components", forms["component_formset"], state.draft.components, problems
        ),
        "general_errors": problems.general,
        "has_problems": bool(problems),
        "plan": plan,
        "catalogue_left": [
            (key, STAGE_CATALOGUE[key]["label"]) for key in state.draft.catalogue_left()
        ],
        "copy_sources": selectors.parts_to_copy_from(part=part),
        "changes": changes,
        # The page asks before it is left with a draft that differs from the saved procedure.
        "draft_changed": bool(changes) or (procedure is None and bool(state.draft.stages)),
        # A procedure with nothing in it yet is a start, not a mistake: the editor guides.
        "draft_empty": not state.draft.stages and not state.draft.fields,
        **selectors.unit_table_columns(part=part),
        **extra,
    }
    return render(request, template_name, context)
