from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from parts import media, upload_drafts
from parts.media import IMAGE_ACCEPT, VIDEO_ACCEPT
from parts.models import IMAGE_FIELDS, MEDIA_FIELDS, ModelPart
from parts.selectors import part_media_names
from parts.services import CLEAR, part_no_check_free, part_version
from shopfloor.characters import validate_printable

LIVE_FIELDS = ("model_no", "part_no")
"""Fields checked on the server as soon as they change, before the form is sent."""


class ShownFile:
    """A stored file as the form shows it: by the name it was uploaded with, not the name it
    is stored under (``parts/131c4c….mp4``), linking to the file."""

    def __init__(self, field_file, name):
        self.url = field_file.url
        self.name = name or field_file.name.rsplit("/", 1)[-1]

    def __str__(self):
        return self.name


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

    def __init__(self, *args, user_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id = user_id
        self.kept = {}  # media field -> (token, original name): files kept from a try
        if self.instance.pk is not None:
            names = part_media_names(part=self.instance)
            for name in MEDIA_FIELDS:
                stored = getattr(self.instance, name)
                self.initial[name] = ShownFile(stored, names.get(name)) if stored else None
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
        check = media.check_image if name in IMAGE_FIELDS else media.check_video
        if isinstance(value, UploadedFile):
            return check(value)
        if value is False:
            return CLEAR
        token = self.data.get(name + upload_drafts.KEPT_SUFFIX)
        if token and self.user_id is not None:
            kept = upload_drafts.draft_open(token=token, field=name, user_id=self.user_id)
            if kept is not None:
                self._kept_files = [*getattr(self, "_kept_files", []), kept]
                return check(kept)
        return None

    def keep_checked_files(self):
        """After a failed try: keep each file that passed its checks for the next one (see
        ``upload_drafts``) and say so on its field; the files to choose again are the others
        sent with an error. Returns the labels of the kept and of the refused files."""
        kept, again = [], []
        for name in MEDIA_FIELDS:
            field = self.fields[name]
            if name in self.errors:
                if isinstance(self.files.get(name), UploadedFile):
                    again.append(field.label)
                continue
            checked = self.cleaned_data.get(name)
            if not isinstance(checked, media.CheckedUpload) or self.user_id is None:
                continue
            token = upload_drafts.draft_keep(checked=checked, field=name, user_id=self.user_id)
            self.kept[name] = (token, checked.original_name)
            field.help_text = _(
                "Kept from your last try: %(name)s. Leave this empty to use it, or choose "
                "another file."
            ) % {"name": checked.original_name}
            kept.append(f"{field.label} ({checked.original_name})")
        self.discard_kept_files()  # those of the try before, now kept again as new copies
        return kept, again

    def discard_kept_files(self):
        """The part is saved: remove the kept files it used."""
        for kept in getattr(self, "_kept_files", []):
            upload_drafts.draft_discard(kept)

    def _post_clean(self):
        # The services build, validate and save the part from cleaned_data; the instance stays
        # as loaded (pages show its saved numbers), and the part no. check above, which names
        # the part holding it, replaces the model's generic constraint message.
        pass
