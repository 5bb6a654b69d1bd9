"""Dates typed and picked in the person's language, whatever the browser's own language.

Chromium draws ``<input type="date">`` in the language of the browser, not of the page, so a
station PC set up in English would show a Spanish-speaking operator an English calendar and
month/day order. Instead a date is a text input in the active language's date input format (the
first of its ``DATE_INPUT_FORMATS``: 31/12/2026 in Spanish, 31-12-2026 in Hindi, 2026-12-31 in
English) with a calendar drawn by ``static/js/date_picker.js`` in the page's language. The field
reads every input format of the language, and ISO yyyy-mm-dd always.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

# strftime directives a date input format may use, as the pattern shown in the empty input.
PATTERN_PARTS = {
    "%d": lambda: pgettext("date pattern: day", "dd"),
    "%m": lambda: pgettext("date pattern: month", "mm"),
    "%Y": lambda: pgettext("date pattern: year", "yyyy"),
    "%y": lambda: pgettext("date pattern: two-digit year", "yy"),
}


def date_input_format():
    """The format dates are typed in, in the active language."""
    return formats.get_format("DATE_INPUT_FORMATS")[0]


def date_pattern(input_format):
    """``%d/%m/%Y`` as the reader knows it: ``dd/mm/yyyy`` (``dd/mm/aaaa`` in Spanish)."""
    pattern = input_format
    for directive, word in PATTERN_PARTS.items():
        pattern = pattern.replace(directive, word())
    return pattern


class DatePickerInput(forms.DateInput):
    """A text input in the active language's date format, with a calendar (date_picker.js)."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "form-control", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        input_format = date_input_format()
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["data-date-picker"] = input_format
        widget_attrs["data-first-day-of-week"] = formats.get_format("FIRST_DAY_OF_WEEK")
        widget_attrs.setdefault("placeholder", date_pattern(input_format))
        widget_attrs.setdefault("autocomplete", "off")
        return context


class LocalizedDateField(forms.DateField):
    """A date in the active language's formats (or ISO), refused with a message that names the
    field and shows how to type it."""

    widget = DatePickerInput
    default_error_messages = {
        "invalid": _(
            "%(field)s: “%(value)s” is not a date. Type it like %(example)s, or pick it in the "
            "calendar."
        ),
    }

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as error:
            if error.code != "invalid":
                raise
            raise ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={
                    "field": self.label or _("Date"),
                    "value": str(value).strip(),
                    "example": formats.localize_input(timezone.localdate(), date_input_format()),
                },
            ) from None
