from django.contrib.auth.decorators import permission_required
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from parts.models import ModelPart
from procedures import selectors
from procedures.catalogue import STAGE_CATALOGUE
from procedures.config_diff import config_changes
from procedures.drafts import Draft
from procedures.editor import EditorState, MalformedEditorPost
from procedures.models import PartProcedureDetail

VIEW = "procedures.view_partproceduredetail"
CHANGE = "procedures.change_partproceduredetail"
EDIT_TEMPLATE = "procedures/procedure_edit.html"


@require_GET
@permission_required(VIEW, raise_exception=True)
def procedure_detail(request, part_pk):
    part = get_object_or_404(ModelPart, pk=part_pk)
    procedure = selectors.procedure_of_part(part=part)
    return render(
        request, "procedures/procedure_detail.html", {"part": part, "procedure": procedure}
    )


@require_GET
@permission_required(VIEW, raise_exception=True)
def procedure_export(request, part_pk):
    part = get_object_or_404(ModelPart, pk=part_pk)
    procedure = get_object_or_404(PartProcedureDetail, model_part=part)
    response = JsonResponse(procedure.procedure_config, json_dumps_params={"indent": 2})
    filename = f"{slugify(part.part_no)}-procedure.json"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_http_methods(["GET", "POST"])
@permission_required(CHANGE, raise_exception=True)
def procedure_edit(request, part_pk):
    part = get_object_or_404(ModelPart, pk=part_pk)
    procedure = selectors.procedure_of_part(part=part)
    if request.method == "GET":
        return _render_editor(request, part, procedure, EditorState.saved(procedure))
    try:
        state = EditorState.from_post(request.POST)
    except MalformedEditorPost:
        return HttpResponseBadRequest(_("The editor's form was incomplete; reload the page."))
    action, _sep, argument = request.POST.get("action", "").partition(":")
    if action == "validate":
        return _render_editor(request, part, procedure, state, partial="checks", oob_errors=True)
    if action == "copy":
        source = get_object_or_404(
            selectors.parts_to_copy_from(part=part), pk=_int(request.POST.get("copy_from"))
        )
        state.draft = Draft.from_config(
            source.procedure.procedure_config, saved_config=_saved_config(procedure)
        )
    elif action == "add_stage":
        state.draft.apply(action, request.POST.get("catalogue_key", ""))
    else:
        state.draft.apply(action, argument)
    return _render_editor(request, part, procedure, state)


def _saved_config(procedure):
    return procedure.procedure_config if procedure else {}


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def _rows(kind, formset, rows):
    return [
        {"index": index, "form": form, "row": row, "errors_id": f"{kind}-errors-{index}"}
        for index, (form, row) in enumerate(zip(formset, rows, strict=True))
    ]


def _render_editor(request, part, procedure, state, *, partial="editor", **extra):
    template_name = EDIT_TEMPLATE
    if request.htmx:
        template_name += f"#{partial}"
    forms = state.forms()
    config = state.draft.to_config()
    context = {
        "part": part,
        "procedure": procedure,
        **forms,
        "stage_rows": _rows("stage", forms["stage_formset"], state.draft.stages),
        "field_rows": _rows("field", forms["field_formset"], state.draft.fields),
        "catalogue_left": [
            (key, STAGE_CATALOGUE[key]["label"]) for key in state.draft.catalogue_left()
        ],
        "copy_sources": selectors.parts_to_copy_from(part=part),
        "changes": config_changes(_saved_config(procedure), config),
        **extra,
    }
    return render(request, template_name, context)
