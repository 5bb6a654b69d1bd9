"""Exports of a part's units (every column) and scan events, as CSV or Excel, in bounded memory.

Rows are read in primary-key order, a chunk at a time (``WHERE id > last ORDER BY id LIMIT
n``): each chunk is a short indexed query, so an export of a million units holds one chunk in
memory, keeps no transaction or server-side cursor open for long, and behaves the same on
SQLite and PostgreSQL. Exports are written to a file by a worker, never in a request (see
``export_jobs``). XlsxWriter builds Excel files in its constant-memory mode (one row in
memory; sheets spill to temporary files); a sheet holds at most 1,048,575 rows, so larger
exports continue on further sheets.

Text that a spreadsheet would run as a formula (starting with = + - @, also after spaces or
other white space, or with a tab or a carriage return) is written with a leading apostrophe in
CSV, and always as plain text in Excel.
"""

import csv
import datetime
import re
from decimal import Decimal

import xlsxwriter
from django.utils import timezone

from shopfloor.dashboards.export_fields import event_data_text, field_headers
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
    ("data", "data"),
]


def unit_columns(model):
    """Every column of a unit table, in table order: (field name, header); a field's column
    is headed by its label and unit."""
    headers = field_headers(model)
    return [
        (field.attname, headers.get(field.column, field.column))
        for field in model._meta.concrete_fields
    ]


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
    if isinstance(value, dict | list):
        value = event_data_text(value)
    if isinstance(value, str):
        return "'" + value if _may_run_as_formula(value) else value
    if isinstance(value, datetime.datetime):
        # Aware times are stored values (raw exports); naive ones are already local (for people).
        return value.astimezone(zone).isoformat() if value.tzinfo else value.isoformat(sep=" ")
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


def xlsx_write(path, headers, rows, *, sheet_name, tmpdir):
    """Write ``headers`` and ``rows`` to the Excel file ``path`` in constant memory.

    XlsxWriter keeps its temporary files in ``tmpdir`` (the job's own folder, removed with it).
    """
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "tmpdir": str(tmpdir),
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
        _write_row(sheet, row_number, row, when)
        row_number += 1
    if sheet is None:
        workbook.add_worksheet(sheet_name).write_row(0, 0, headers, bold)
    workbook.close()


def _write_row(sheet, row_number, row, when_format):
    """One row in one ``write_row`` call; only date-times need a call of their own, for their
    format (most cells of a unit row are flags, numbers, text or empty)."""
    values = list(row)
    moments = []
    for column, value in enumerate(values):
        if isinstance(value, datetime.datetime):
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            moments.append((column, local.replace(tzinfo=None)))
            values[column] = None
        elif isinstance(value, Decimal):
            values[column] = float(value)
        elif isinstance(value, datetime.date):
            values[column] = value.isoformat()
        elif isinstance(value, dict | list):
            values[column] = event_data_text(value)
    sheet.write_row(row_number, 0, values)
    for column, moment in moments:
        sheet.write_datetime(row_number, column, moment, when_format)


def export_filename(part_no, what, extension, now=None):
    """A safe file name, e.g. EICS112_Part-units-20261122-1530.csv."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", part_no).strip("._") or "part"
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    return f"{safe}-{what}-{stamp}.{extension}"
