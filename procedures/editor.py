"""The editor's page state: the draft and the version it started from, read from a post and
turned back into forms for rendering."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from procedures.drafts import Draft
from procedures.forms import EditorForm, FieldFormSet, StageFormSet


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
            return cls(draft=Draft())
        config = procedure.procedure_config
        return cls(
            draft=Draft.from_config(config, saved_config=config),
            base_version=getattr(procedure, "version", None),
        )

    @classmethod
    def from_post(cls, data):
        """The state the editor's form posted; raises MalformedEditorPost."""
        editor_form = EditorForm(data)
        stages = StageFormSet(data, prefix="stages")
        fields = FieldFormSet(data, prefix="fields")
        if not (editor_form.is_valid() and stages.is_valid() and fields.is_valid()):
            raise MalformedEditorPost
        return cls(
            draft=Draft(
                stages=[form.cleaned_data for form in stages],
                fields=[form.cleaned_data for form in fields],
            ),
            base_version=editor_form.cleaned_data["base_version"],
            confirm_retire=editor_form.cleaned_data["confirm_retire"],
        )

    def forms(self):
        """Unbound forms showing this state, for the editor template."""
        stage_choices = [
            (key, f"{row['label'] or _('Untitled')} ({key})")
            for key, row in zip(self.draft.stage_keys(), self.draft.stages, strict=True)
            if key
        ]
        return {
            "editor_form": EditorForm(initial={"base_version": self.base_version}),
            "stage_formset": StageFormSet(initial=self.draft.stages, prefix="stages"),
            "field_formset": FieldFormSet(
                initial=[
                    {**row, "choices": "\n".join(row["choices"])} for row in self.draft.fields
                ],
                prefix="fields",
                form_kwargs={"stage_choices": stage_choices},
            ),
        }
