"""The editor's page state: the draft and the version it started from, read from a post and
turned back into forms for rendering."""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from parts.unit_tables.naming import BASE_COLUMNS
from parts.unit_tables.schema import schema_columns
from procedures.drafts import Draft
from procedures.forms import EditorForm, FieldForm, FieldFormSet, StageForm, StageFormSet
from shopfloor.genealogy.editor_forms import ComponentFormSet, component_formset


class MalformedEditorPost(Exception):
    """The post is not one the editor's form can send (a tampered or truncated request)."""


@dataclass
class EditorState:
    draft: Draft
    base_version: int | None = None
    confirm_retire: str = ""

    @classmethod
    def saved(cls, procedure):
        """The state of an editor opened on the saved procedure (or on none yet)."""
        if procedure is None:
            # Version 0: "no procedure yet", so a procedure someone else creates meanwhile
            # is a conflict rather than silently overwritten.
            return cls(draft=Draft(), base_version=0)
        config = procedure.procedure_config
        return cls(
            draft=Draft.from_config(config, saved_config=config),
            base_version=procedure.version,
        )

    def load(self, config, *, procedure):
        """Replace the draft with ``config`` (copied, imported or an earlier version)."""
        saved_config = procedure.procedure_config if procedure else None
        self.draft = Draft.from_config(config, saved_config=saved_config)

    @classmethod
    def from_post(cls, data):
        """The state the editor's form posted; raises MalformedEditorPost."""
        editor_form = EditorForm(data)
        stages = StageFormSet(data, prefix="stages")
        fields = FieldFormSet(data, prefix="fields")
        # An editor page from before component rows existed posts none: no rows, not an error.
        components = (
            ComponentFormSet(data, prefix="components")
            if ("components-TOTAL_FORMS" in data)
            else None
        )
        if not (editor_form.is_valid() and stages.is_valid() and fields.is_valid()):
            raise MalformedEditorPost
        if components is not None and not components.is_valid():
            raise MalformedEditorPost
        return cls(
            draft=Draft(
                stages=[form.cleaned_data for form in stages],
                fields=[form.cleaned_data for form in fields],
                components=[form.cleaned_data for form in components or []],
                usid_pattern=editor_form.cleaned_data["usid_pattern"],
                usid_example=editor_form.cleaned_data["usid_example"],
            ),
            base_version=editor_form.cleaned_data["base_version"],
            confirm_retire=editor_form.cleaned_data["confirm_retire"],
        )

    def forms(self):
        """Unbound forms showing this state, for the editor template."""
        stage_choices = [
            (key, _("%(label)s (%(key)s)") % {"label": row["label"] or _("Untitled"), "key": key})
            for key, row in zip(self.draft.stage_keys(), self.draft.stages, strict=True)
            if key
        ]
        return {
            "editor_form": EditorForm(
                initial={
                    "base_version": self.base_version,
                    "usid_pattern": self.draft.usid_pattern,
                    "usid_example": self.draft.usid_example,
                }
            ),
            "stage_formset": StageFormSet(initial=self.draft.stages, prefix="stages"),
            "field_formset": FieldFormSet(
                initial=[
                    {**row, "choices": "\n".join(row["choices"])} for row in self.draft.fields
                ],
                prefix="fields",
                form_kwargs={"stage_choices": stage_choices},
            ),
            "component_formset": component_formset(self.draft.components, stage_choices),
        }


PROBLEM = re.compile(
    r"(?P<list>stages|fields)\[(?P<index>\d+)\](?:\.(?P<attribute>[a-z_]+))?"
    r"(?:\[(?P<item>\d+)\])?(?:\.(?P<part>[a-z_]+))?: (?P<message>.*)",
    re.DOTALL,
)
ROW_FORMS = {"stages": StageForm, "fields": FieldForm}


@dataclass
class Problems:
    """The validator's messages, sorted to the editor rows they are about."""

    rows: dict = field(default_factory=dict)  # ("stages" or "fields", index) -> [messages]
    general: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.rows or self.general)

    def of_row(self, kind, index):
        return self.rows.get((kind, index), [])


def _where(kind, attribute, item):
    form_field = ROW_FORMS[kind].base_fields.get(attribute)
    if form_field:
        where = str(form_field.label)
    elif attribute == "components":
        where = _("components")
    else:
        where = attribute
    if item is not None:
        where = _("%(where)s, line %(line)s") % {"where": where, "line": int(item) + 1}
    return where


ENTRY_IN_TEXT = re.compile(r"\b(stage|field)s\[(\d+)\]")
# A message about the whole procedure is a sentence that names what it is about: the editor
# shows it without the path the API keeps in front of it.
GENERAL_PATH = re.compile(r"(?:procedure|version|stages|fields|usid_pattern|usid_example): ")


def _row_name(match):
    number = int(match[2]) + 1
    if match[1] == "stage":
        return _("stage %(number)s") % {"number": number}
    return _("field %(number)s") % {"number": number}


def _as_row_numbers(text):
    """ "the key of stages[0]" reads "the key of stage 1", as the editor numbers its rows."""
    return ENTRY_IN_TEXT.sub(_row_name, text)


def problems_of(error):
    """Sort a procedure ValidationError's messages ("stages[2].key: ...") to the editor rows.

    The message is the validator's own; its entry path is replaced by the name of the input
    it is about, since the row already shows which entry it is, and entries it mentions are
    named by their row numbers.
    """
    problems = Problems()
    for message in error.messages:
        match = PROBLEM.fullmatch(message)
        if match is None:
            path = GENERAL_PATH.match(message)
            problems.general.append(_as_row_numbers(message[path.end() if path else 0 :]))
            continue
        kind, attribute = match["list"], match["attribute"]
        text = _as_row_numbers(match["message"])
        if attribute:
            where = _where(kind, attribute, match["item"])
            if match["part"]:  # an attribute of a list item: a stage's component's key
                where = f"{where}, {match['part']}"
            # Translators: an input of an editor row ("Label") and what is wrong with it.
            text = _("%(input)s: %(problem)s") % {"input": where, "problem": text}
        problems.rows.setdefault((kind, int(match["index"])), []).append(text)
    return problems


def table_preview(plan):
    """The unit-table engine's plan as the editor shows it (see ``SchemaPlan.as_dict``)."""
    preview = plan.as_dict()
    preview["changes_schema"] = plan.changes_schema
    if plan.create_table:
        preview["created"] = [*BASE_COLUMNS, *schema_columns(plan.schema)]
    return preview


@dataclass(frozen=True)
class Focus:
    """Where the keyboard focus goes once the editor is drawn again after an action: the row
    (its ``data-testid``) and a control in it (a CSS selector; empty for the row itself).
    With no row, ``control`` is looked up in the whole editor."""

    row: str = ""
    control: str = ""


LABEL_INPUT = "input[name$='-label']"


def focus_after(action, argument, draft):
    """The row an add, move or remove left the person on, so that focus does not drop to the
    page: the added row's label, the moved row's same move button (or the row once at
    an end), the row that took a removed one's place (or the add button when none is left)."""
    stages, fields = len(draft.stages), len(draft.fields)
    if action in ("add_stage", "add_custom_stage") and stages:
        return Focus(f"stage-{stages - 1}", LABEL_INPUT)
    if action == "add_field" and fields:
        return Focus(f"field-{fields - 1}", LABEL_INPUT)
    if action in ("stage_up", "stage_down"):
        index = _index(argument) + (-1 if action == "stage_up" else 1)
        if 0 <= index < stages:
            return Focus(f"stage-{index}", f'[value="{action}:{index}"]')
    if action == "stage_move":
        index = _index(argument.partition("-")[2])
        if 0 <= index < stages:
            return Focus(f"stage-{index}")
    if action == "remove_stage":
        if stages:
            return Focus(f"stage-{min(_index(argument), stages - 1)}")
        return Focus(control='[value="add_custom_stage"]')
    if action == "remove_field":
        if fields:
            return Focus(f"field-{min(_index(argument), fields - 1)}")
        return Focus(control='[value="add_field"]')
    return None


def _index(text):
    try:
        return max(int(text), 0)
    except (TypeError, ValueError):
        return 0
