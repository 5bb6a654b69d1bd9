from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from parts.models import ModelPart


class ModelPartForm(forms.ModelForm):
    class Meta:
        model = ModelPart
        fields = ["model_no", "part_no", "form_image", "part_image", "qc_video", "testing_video"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save part"))
