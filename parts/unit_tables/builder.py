"""Builds the Django model class of a unit table from its applied schema.

Every class gets its own throwaway app registry (``IsolatedApps``), the way Baserow keeps
its generated table models out of Django's global one: building a part's model again (after
every schema change, in every process) registers nothing globally, warns about nothing and
leaves nothing behind once the old class is no longer used.
"""

from django.apps.registry import Apps
from django.db import connection, models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parts.unit_tables.naming import (
    USID_MAX_LENGTH,
    column_index_name,
    model_class_name,
    table_name,
    unique_index_name,
)
from parts.unit_tables.tag_index import tag_model_indexes

APP_LABEL = "parts"
TEXT_MAX_LENGTH = 255
DECIMAL_DIGITS, DECIMAL_PLACES = 20, 6


class IsolatedApps(Apps):
    """An app registry holding one generated model and nothing else.

    Django's ``Apps.get_models`` caches its answers on the function, shared by every
    registry; the ORM calls it on a model's registry to look for reverse relations. A unit
    model has no relations, so its registry answers from its own dict, uncached, and an old
    class is freed as soon as nothing uses it.
    """

    def __init__(self):
        super().__init__(installed_apps=())

    def get_models(self, include_auto_created=False, include_swapped=False):
        return [model for app in self.all_models.values() for model in app.values()]

    def clear_cache(self):
        for model in self.get_models():
            model._meta._expire_cache()


def column_field(name, spec, label=""):
    """The Django field of one column of the applied schema."""
    column_type = spec["type"]
    if column_type == "flag":
        field = models.BooleanField(label, default=False, db_default=False)
    elif column_type == "when":
        field = models.DateTimeField(
            format_lazy(_("{label} at"), label=label), null=True, blank=True
        )
    elif column_type == "who":
        field = models.BigIntegerField(
            format_lazy(_("{label} by (user id)"), label=label), null=True, blank=True
        )
    elif column_type == "result":
        field = models.CharField(
            format_lazy(_("{label} result"), label=label),
            max_length=4,
            null=True,
            blank=True,
            choices=[("pass", _("pass")), ("fail", _("fail"))],
        )
    elif column_type == "text":
        field = models.CharField(label, max_length=TEXT_MAX_LENGTH, null=True, blank=True)
    elif column_type == "choice":
        field = models.CharField(
            label,
            max_length=TEXT_MAX_LENGTH,
            null=True,
            blank=True,
            choices=[(choice, choice) for choice in spec.get("choices", [])],
        )
    elif column_type == "integer":
        field = models.BigIntegerField(label, null=True, blank=True)
    elif column_type in ("decimal", "measurement"):
        field = models.DecimalField(
            label,
            max_digits=DECIMAL_DIGITS,
            decimal_places=DECIMAL_PLACES,
            null=True,
            blank=True,
        )
    elif column_type == "boolean":
        field = models.BooleanField(label, null=True, blank=True)
    elif column_type == "date":
        field = models.DateField(label, null=True, blank=True)
    else:
        raise ValueError(f"Unknown unit column type {column_type!r} for column {name!r}.")
    field.set_attributes_from_name(name)
    return field


def base_fields():
    return {
        "id": models.BigAutoField(primary_key=True),
        "usid": models.CharField("USID", max_length=USID_MAX_LENGTH, unique=True),
        # Indexed as written and in lower case (``tag_index``), in the model's ``Meta.indexes``.
        "tag_no": models.CharField(_("tag no."), max_length=USID_MAX_LENGTH, null=True, blank=True),
        "on_hold": models.BooleanField(_("on hold"), default=False, db_default=False),
        "created_at": models.DateTimeField(_("created at"), auto_now_add=True),
        "updated_at": models.DateTimeField(_("updated at"), auto_now=True),
    }


def _labels(config):
    labels = {}
    for stage in (config or {}).get("stages", []):
        labels[f"stage:{stage['key']}"] = stage["label"]
    for entry in (config or {}).get("fields", []):
        labels[f"field:{entry['key']}"] = entry["label"]
    return labels


def _unit_str(self):
    return self.usid


def column_indexes(part_pk, columns):
    """The indexes the applied schema asks for on field and stage columns, declared on the
    model so that a table Django rebuilds (SQLite copies a table to change a column) gets them
    back under the same names: ``(indexes, unique constraints)``."""
    indexes, constraints = [], []
    for name, spec in columns.items():
        if spec.get("indexed"):
            indexes.append(models.Index(fields=[name], name=column_index_name(part_pk, name)))
        if spec.get("unique"):
            # Partial, so both databases build it as a unique index that can be dropped by name.
            constraints.append(
                models.UniqueConstraint(
                    fields=[name],
                    name=unique_index_name(part_pk, name),
                    condition=models.Q(**{f"{name}__isnull": False}),
                )
            )
    return indexes, constraints


def build_model(*, part, columns, config=None, version=0):
    """A model class for ``part``'s unit table with the base columns and ``columns``.

    ``columns`` maps column names to applied-schema specs; the caller chooses which (the
    public model shows the active ones; schema changes need retired ones too).
    """
    labels = _labels(config)
    indexes, constraints = column_indexes(part.pk, columns)
    meta = type(
        "Meta",
        (),
        {
            "apps": IsolatedApps(),
            "app_label": APP_LABEL,
            "db_table": table_name(part.pk),
            "managed": False,
            "ordering": ["-id"],
            "indexes": [*tag_model_indexes(connection, part.pk), *indexes],
            "constraints": constraints,
            "verbose_name": format_lazy(_("unit of {part_no}"), part_no=part.part_no),
            "verbose_name_plural": format_lazy(_("units of {part_no}"), part_no=part.part_no),
        },
    )
    attrs = {
        "__module__": __name__,
        "__str__": _unit_str,
        "Meta": meta,
        "unit_part_id": part.pk,
        "unit_version": version,
        "unit_stages": tuple((config or {}).get("stages", [])),
        "unit_fields": tuple((config or {}).get("fields", [])),
        **base_fields(),
    }
    for name, spec in columns.items():
        attrs[name] = column_field(name, spec, labels.get(spec["owner"], name))
    return type(model_class_name(part.part_no, part.pk), (models.Model,), attrs)
