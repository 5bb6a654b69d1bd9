"""Template filters for showing procedure configs to people."""

from django import template

from procedures.forms import FIELD_TYPE_CHOICES, media_choices

register = template.Library()


@register.filter
def media_labels(names):
    """A stage's media list as the part's page names them: "Part image, QC video"."""
    labels = dict(media_choices())
    return ", ".join(str(labels.get(name, name)) for name in names or [])


@register.filter
def field_type_label(kind):
    """A field's type as the editor names it ("Yes / no" for ``boolean``); an unknown type as
    it is written."""
    return dict(FIELD_TYPE_CHOICES).get(kind, kind)
