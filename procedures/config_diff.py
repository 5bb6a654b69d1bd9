"""A readable account of what changed between two procedure configs.

Used by the version history ("what did this save change?") and by the editor, next to the
unit-table preview. It describes the procedure, not the database: the table-level view of a
change (columns added, retired, restored) comes from the unit-table engine's preview.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from procedures.forms import FIELD_TYPE_CHOICES, RESULT_CHOICES, media_choices

KIND_LABELS = {
    "added": pgettext_lazy("a change", "added"),
    "removed": pgettext_lazy("a change", "removed"),
    "changed": pgettext_lazy("a change", "changed"),
    "reordered": pgettext_lazy("a change", "reordered"),
}


@dataclass(frozen=True)
class ConfigChange:
    kind: str  # "added", "removed", "changed" or "reordered"
    subject: str
    details: tuple = ()

    @property
    def kind_label(self):
        """The kind as the page shows it, in the person's language."""
        return KIND_LABELS.get(self.kind, self.kind)


def _yes_no(value):
    return _("yes") if value else _("no")


def _quoted(value):
    return f"“{value}”" if value else _("(empty)")


def _media(names):
    labels = dict(media_choices())
    return ", ".join(str(labels.get(name, name)) for name in names or []) or _("none")


def _by_key(entries):
    """Entries by key; a draft's entries without a key yet are told apart by position."""
    return {
        entry.get("key") or ("new", index): entry
        for index, entry in enumerate(entries or [])
        if isinstance(entry, dict)
    }


def _stage_subject(entry):
    return _("Stage %(label)s (%(key)s)") % _named(entry)


def _field_subject(entry):
    return _("Field %(label)s (%(key)s)") % _named(entry)


def _named(entry):
    return {
        "label": entry.get("label") or entry.get("key") or _("untitled"),
        "key": entry.get("key") or _("no key yet"),
    }


def _components(entries):
    """A stage's components as one line: "psu (PSU_Part), paste (lot, optional)"."""
    shown = []
    for entry in entries or []:
        what = _("lot") if entry.get("kind") == "lot" else entry.get("part_no", "")
        if entry.get("required") is False:
            what = _("%(what)s, optional") % {"what": what}
        shown.append(f"{entry.get('key')} ({what})")
    return ", ".join(shown) or _("none")


STAGE_ATTRIBUTES = [
    ("label", _quoted),
    ("result", lambda value: str(dict(RESULT_CHOICES).get(value, value))),
    ("optional", _yes_no),
    ("media", _media),
    ("components", _components),
]
FIELD_ATTRIBUTES = [
    ("label", _quoted),
    ("type", lambda value: str(dict(FIELD_TYPE_CHOICES).get(value, value))),
    ("required", _yes_no),
    ("stage", lambda value: value or _("any stage")),
    ("choices", lambda value: ", ".join(map(str, value or [])) or _("none")),
    ("unit", lambda value: value or _("none")),
    ("min", lambda value: _("none") if value is None else str(value)),
    ("max", lambda value: _("none") if value is None else str(value)),
    ("default", lambda value: _("none") if value is None else _quoted(value)),
    ("unique", _yes_no),
]
NAMES = {
    "label": gettext_lazy("label"),
    "result": gettext_lazy("result"),
    "optional": gettext_lazy("optional"),
    "media": gettext_lazy("media"),
    "type": gettext_lazy("type"),
    "required": gettext_lazy("required"),
    "stage": gettext_lazy("stage"),
    "choices": gettext_lazy("choices"),
    "components": gettext_lazy("components"),
    "unit": gettext_lazy("unit"),
    "min": gettext_lazy("min"),
    "max": gettext_lazy("max"),
    "default": gettext_lazy("default"),
    "unique": gettext_lazy("unique"),
}


def _blank(value):
    """None for an attribute left out or empty; a limit of 0 is a value."""
    return None if value is None or value is False or value in ("", []) else value


def _attribute_changes(old, new, attributes):
    details = []
    for name, show in attributes:
        before, after = old.get(name), new.get(name)
        if _blank(before) != _blank(after):
            details.append(
                _("%(name)s: %(before)s → %(after)s")
                % {"name": NAMES[name], "before": show(before), "after": show(after)}
            )
    if (old.get("instructions") or "") != (new.get("instructions") or ""):
        details.append(_("instructions changed"))
    return tuple(details)


def _entry_changes(subject, old_entries, new_entries, attributes):
    old, new = _by_key(old_entries), _by_key(new_entries)
    changes = []
    for key, entry in old.items():
        if key not in new:
            changes.append(ConfigChange("removed", subject(entry)))
    previous = None
    for key, entry in new.items():
        if key not in old:
            where = (
                _("after %(label)s") % {"label": previous.get("label") or previous.get("key")}
                if previous
                else _("first")
            )
            changes.append(ConfigChange("added", subject(entry), (where,)))
        elif details := _attribute_changes(old[key], entry, attributes):
            changes.append(ConfigChange("changed", subject(entry), details))
        previous = entry
    return changes


def _order_change(old_stages, new_stages):
    old, new = _by_key(old_stages), _by_key(new_stages)
    old_order = [key for key in old if key in new]
    new_order = [key for key in new if key in old]
    if old_order == new_order:
        return []

    def names(order, entries):
        return " → ".join(str(entries[key].get("label") or key) for key in order)

    return [
        ConfigChange(
            "reordered",
            _("Stage order"),
            (
                _("was: %(order)s") % {"order": names(old_order, old)},
                _("now: %(order)s") % {"order": names(new_order, new)},
            ),
        )
    ]


def config_changes(old, new):
    """What changed from procedure config ``old`` to ``new``, as a list of ConfigChange.

    Either config may be empty (no procedure yet). Entries are matched by key; labels and
    the other attributes are compared one by one.
    """
    old, new = old or {}, new or {}
    return [
        *_entry_changes(_stage_subject, old.get("stages"), new.get("stages"), STAGE_ATTRIBUTES),
        *_order_change(old.get("stages"), new.get("stages")),
        *_entry_changes(_field_subject, old.get("fields"), new.get("fields"), FIELD_ATTRIBUTES),
    ]
