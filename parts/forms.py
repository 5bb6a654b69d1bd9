from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from parts import media
from parts.media import IMAGE_ACCEPT, VIDEO_ACCEPT
from parts.models import IMAGE_FIELDS, MEDIA_FIELDS, ModelPart
from parts.services import CLEAR, part_no_check_free, part_version
from shopfloor.characters import validate_printable

LIVE_FIELDS = ("model_no", "part_no")
"""Fields checked on the server as soon as they change, before the form is sent."""


def media_field(label, help_text, accept):
    """An optional, clearable file input; its content is checked in the form's clean methods."""
    return forms.FileField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": accept}),
    )


class PartForm(forms.ModelForm):
    """A part's numbers and media. Media are checked by content; ``cleaned_data`` then holds,
    per media field, a ``CheckedUpload``, ``CLEAR`` or ``None`` (unchanged): what the services
    take."""

    form_image = media_field(
        _("Form image"), _("The filled-in form as a JPEG, PNG or WebP picture."), IMAGE_ACCEPT
    )
    part_image = media_field(
        _("Part image"), _("A picture of the finished part (JPEG, PNG or WebP)."), IMAGE_ACCEPT
    )
    qc_video = media_field(
        _("QC video"), _("How to inspect the part, as MP4 or WebM."), VIDEO_ACCEPT
    )
    testing_video = media_field(
        _("Testing video"), _("How to test the part, as MP4 or WebM."), VIDEO_ACCEPT
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = ModelPart
        fields = ["model_no", "part_no"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name in MEDIA_FIELDS:
                self.initial[name] = getattr(self.instance, name) or None
            self.initial["version"] = part_version(self.instance)
        validate_url = (
            reverse("parts:edit", kwargs={"pk": self.instance.pk})
            if self.instance.pk is not None
            else reverse("parts:create")
        )
        for name in LIVE_FIELDS:
            self.fields[name].widget.attrs.update(
                {
                    "hx-post": validate_url,
                    "hx-trigger": "change",
                    "hx-target": f"#field-{name}",
                    "hx-swap": "outerHTML",
                    "hx-params": f"_validate,{','.join(LIVE_FIELDS)}",
                    "hx-vals": f'{{"_validate": "{name}"}}',
                    "autocomplete": "off",
                }
            )

    def clean_model_no(self):
        model_no = self.cleaned_data["model_no"].strip()
        validate_printable(model_no)
        return model_no

    def clean_part_no(self):
        part_no = self.cleaned_data["part_no"].strip()
        validate_printable(part_no)
        part_no_check_free(part_no=part_no, part=self.instance)
        return part_no

    def clean_form_image(self):
        return self._clean_media("form_image")

    def clean_part_image(self):
        return self._clean_media("part_image")

    def clean_qc_video(self):
        return self._clean_media("qc_video")

    def clean_testing_video(self):
        return self._clean_media("testing_video")

    def _clean_media(self, name):
        value = self.cleaned_data.get(name)
        if isinstance(value, UploadedFile):
            check = media.check_image if name in IMAGE_FIELDS else media.check_video
            return check(value)
        if value is False:
            return CLEAR
        return None

    def _post_clean(self):
        # The services build, validate and save the part from cleaned_data; the instance stays
        # as loaded (pages show its saved numbers), and the part no. check above, which names
        # the part holding it, replaces the model's generic constraint message.
        pass
