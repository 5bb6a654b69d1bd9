import pytest
from django.db import connection

from parts.models import ModelPart
from procedures.services import procedure_apply


def stage(key, label=None, **extra):
    return {"key": key, "label": label or key.upper(), **extra}


def config(*stages, fields=()):
    return {"version": 1, "stages": list(stages), "fields": list(fields)}


SMD_QC = config(stage("smd", result="pass_fail"), stage("qc"))


def columns_of(table):
    with connection.cursor() as cursor:
        return [row.name for row in connection.introspection.get_table_description(cursor, table)]


def table_exists(table):
    return table in connection.introspection.table_names()


@pytest.fixture
def make_part(db):
    def make(part_no="EICS112_Part", model_no="EICS112"):
        return ModelPart.objects.create(part_no=part_no, model_no=model_no)

    return make


@pytest.fixture
def part(make_part):
    return make_part()


@pytest.fixture
def apply(engineer):
    """Apply a procedure through the service, as the engineer."""

    def run(part, cfg, **kwargs):
        kwargs.setdefault("user", engineer)
        return procedure_apply(part=part, config=cfg, **kwargs)

    return run
