"""Helpers for tests that make procedures and look at unit tables."""

from django.db import connection


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
