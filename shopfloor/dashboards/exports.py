"""Exports of a part's units (every column) and scan events, as CSV or Excel, in bounded memory.

Rows are read in primary-key order, a chunk at a time (``WHERE id > last ORDER BY id LIMIT
n``): each chunk is a short indexed query, so an export of a million units holds one chunk in
memory, keeps no transaction or server-side cursor open while the client downloads, and
behaves the same on SQLite and PostgreSQL. CSV is streamed as it is read. Excel files are
zip archives written at the end, so XlsxWriter builds the file in its constant-memory mode
(one row in memory; sheets spill to temporary files) and the finished file is then sent; a
sheet holds at most 1,048,575 rows, so larger exports continue on further sheets.

Text that a spreadsheet would run as a formula (starting with = + - @, also after spaces or
other white space, or with a tab or a carriage return) is written with a leading apostrophe in
CSV, and always as plain text in Excel.
"""

import csv
import datetime
import os
import re
import tempfile
from decimal import Decimal

import xlsxwriter
from django.utils import timezone

from shopfloor.stations.models import ScanEvent

CHUNK_SIZE = 5000
EXCEL_MAX_ROWS = 1_048_576
FORMULA_START = ("=", "+", "-", "@")
FORMULA_WHITESPACE_START = ("\t", "\r")

EVENT_COLUMNS = [
    ("id", "id"),
    ("created_at", "when"),
    ("usid", "usid"),
    ("part__part_no", "part_no"),
    ("stage", "stage"),
    ("action", "action"),
    ("result", "result"),
    ("defect__code", "defect"),
    ("defect__label", "defect_label"),
    ("source", "source"),
    ("station__name", "station"),
    ("station__line", "line"),
    ("user__email", "user"),
    ("token__name", "api_token"),
    ("tag_no", "tag_no"),
    ("reason", "reason"),
]


def unit_columns(model):
    """Every column of a unit table, in table order: (field name, header)."""
    return [(field.attname, field.column) for field in model._meta.concrete_fields]


def unit_rows(model, *, chunk_size=CHUNK_SIZE):
    """Every unit of ``model`` as a tuple of its columns, in id order, a chunk at a time."""
    names = [name for name, _header in unit_columns(model)]
    return _chunked(model.objects.all(), names, chunk_size)


def event_rows(*, part_id, chunk_size=CHUNK_SIZE):
    """Every scan event of the part, oldest first, as tuples of ``EVENT_COLUMNS``."""
    names = [name for name, _header in EVENT_COLUMNS]
    return _chunked(ScanEvent.objects.filter(part_id=part_id), names, chunk_size)


def _chunked(queryset, names, chunk_size):
    last = None
    while True:
        chunk = queryset.order_by("id")
        if last is not None:
            chunk = chunk.filter(id__gt=last)
        rows = list(chunk.values_list(*names)[:chunk_size])
        if not rows:
            return
        yield from rows
        if len(rows) < chunk_size:
            return
        last = rows[-1][0]


def _text(value, zone):
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if _may_run_as_formula(value) else value
    if isinstance(value, datetime.datetime):
        return value.astimezone(zone).isoformat() if value.tzinfo else value.isoformat()
    return str(value)


def _may_run_as_formula(text):
    """Spreadsheets skip leading white space before a formula: `` =1+1`` runs too."""
    return text.startswith(FORMULA_WHITESPACE_START) or text.lstrip().startswith(FORMULA_START)


class _Line:
    """A write-only buffer for csv.writer that hands back what it was given."""

    def write(self, value):
        return value


def csv_stream(headers, rows, *, lines_per_chunk=500):
    """CSV text of ``headers`` then ``rows``, yielded as encoded chunks of a few hundred lines."""
    writer = csv.writer(_Line())
    zone = timezone.get_current_timezone()
    yield ("\ufeff" + writer.writerow(headers)).encode()  # the BOM tells Excel it is UTF-8
    lines = []
    for row in rows:
        lines.append(writer.writerow([_text(value, zone) for value in row]))
        if len(lines) >= lines_per_chunk:
            yield "".join(lines).encode()
            lines = []
    if lines:
        yield "".join(lines).encode()


def xlsx_file(headers, rows, *, sheet_name):
    """Write ``headers`` and ``rows`` to a new Excel file in constant memory; returns its path.

    The caller deletes the file (``open_and_unlink``).
    """
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="shopfloor-export-")
    os.close(handle)
    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "tmpdir": tempfile.gettempdir(),
            "remove_timezone": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheets = 0
    sheet = None
    row_number = EXCEL_MAX_ROWS
    for row in rows:
        if row_number >= EXCEL_MAX_ROWS:
            sheets += 1
            sheet = workbook.add_worksheet(
                sheet_name if sheets == 1 else f"{sheet_name} ({sheets})"
            )
            sheet.write_row(0, 0, headers, bold)
            row_number = 1
        for column, value in enumerate(row):
            _write_cell(sheet, row_number, column, value, when)
        row_number += 1
    if sheet is None:
        workbook.add_worksheet(sheet_name).write_row(0, 0, headers, bold)
    workbook.close()
    return path


def _write_cell(sheet, row, column, value, when_format):
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, (int, float, Decimal)):
        sheet.write_number(row, column, float(value))
    elif isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        sheet.write_datetime(row, column, local.replace(tzinfo=None), when_format)
    elif isinstance(value, datetime.date):
        sheet.write_string(row, column, value.isoformat())
    else:
        sheet.write_string(row, column, str(value))


def open_and_unlink(path):
    """Open a finished export for reading and remove its name: the file goes when it closes."""
    handle = open(path, "rb")  # noqa: SIM115 - the response closes it
    os.unlink(path)
    return handle


def export_filename(part_no, what, extension, now=None):
    """A safe file name, e.g. EICS112_Part-units-20261122-1530.csv."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", part_no).strip("._") or "part"
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    return f"{safe}-{what}-{stamp}.{extension}"
