"""Exports of a part's units (every column) and scan events, as CSV or Excel, in bounded memory.

Rows are read in primary-key order, a chunk at a time (``WHERE id > last ORDER BY id LIMIT
n``): each chunk is a short indexed query, so an export of a million units holds one chunk in
memory, keeps no transaction or server-side cursor open for long, and behaves the same on
SQLite and PostgreSQL. Exports are written to a file by a worker, never in a request (see
``export_jobs``). Excel files are written by rustpy-xlsxwriter (rust_xlsxwriter, the Rust
port of XlsxWriter, behind a Python binding) in its constant-memory mode, pulling rows from
the reader as it goes: XlsxWriter itself spends about 11 microseconds of Python per cell, so a
million units of 20 columns took minutes; the Rust writer takes seconds. A sheet holds at
most 1,048,575 rows, so larger exports continue on further sheets.

Text that a spreadsheet would run as a formula (starting with = + - @, also after spaces or
other white space, or with a tab or a carriage return) is written with a leading apostrophe in
CSV, and always as plain text in Excel.
"""

import csv
import datetime
import itertools
import re
from collections import Counter
from decimal import Decimal

import rustpy_xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from shopfloor.dashboards.charts import localized
from shopfloor.dashboards.export_fields import event_data_text, field_headers
from shopfloor.stations.models import ScanEvent

CHUNK_SIZE = 5000
EXCEL_MAX_ROWS = 1_048_576
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
EXCEL_MAX_TEXT = 32_767  # characters in one cell
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


def xlsx_write(path, headers, rows, *, sheet_name, rows_total):
    """Write ``headers`` and ``rows`` to the Excel file ``path``, streaming, in bounded memory.

    ``rows_total`` (the rows counted before reading) fixes how many sheets the file has: the
    writer is handed every sheet before it reads their rows. Rows added after the count fill
    the last sheet up to its limit; should they overflow it, ``ExportOverflow`` is raised
    rather than leaving any out.
    """
    names = _unique(headers)
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        sheets = [(sheet_name, [dict.fromkeys(names)])]  # the header row alone
    else:
        rows = itertools.chain([first], rows)
        per_sheet = EXCEL_MAX_ROWS - 1
        count = max(1, -(-max(rows_total, 1) // per_sheet))
        sheets = [
            (
                sheet_name if number == 1 else f"{sheet_name} ({number})",
                _records(names, itertools.islice(rows, per_sheet)),
            )
            for number in range(1, count + 1)
        ]
    rustpy_xlsxwriter.write_worksheets(
        sheets, str(path), datetime_format=DATETIME_FORMAT, bold_headers=True
    )
    if next(rows, None) is not None:
        path.unlink(missing_ok=True)
        raise ExportOverflow(
            _("More than %(rows)s rows were found while writing, past the last sheet.")
            % {"rows": localized(rows_total)}
        )


class ExportOverflow(Exception):
    """Rows were added during an Excel export past the sheets it had planned."""


def _unique(headers):
    """Headers as distinct names (the writer keys cells by header): a repeated one gets (2)..."""
    seen = Counter()
    names = []
    for header in headers:
        seen[header] += 1
        names.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return names


def _records(names, rows):
    """Rows as the writer takes them: dicts of cell values Excel stores natively. Date-times in
    local time (Excel has no time zones), dates as ISO text, decimals as numbers, text cut at
    the 32,767 characters a cell holds."""
    zone = timezone.get_current_timezone()

    def local(moment):
        return moment.astimezone(zone).replace(tzinfo=None) if moment.tzinfo else moment

    def text(value):
        return value if len(value) <= EXCEL_MAX_TEXT else value[:EXCEL_MAX_TEXT]

    # One lookup by exact type per cell: most cells are flags, numbers, text or empty; a type
    # not foreseen is written as its text.
    convert = {
        str: text,
        datetime.datetime: local,
        Decimal: float,
        datetime.date: datetime.date.isoformat,
        dict: event_data_text,
        list: event_data_text,
    }
    plain = frozenset((bool, int, float, type(None)))
    for row in rows:
        yield {
            name: value if type(value) in plain else convert.get(type(value), str)(value)
            for name, value in zip(names, row, strict=True)
        }


def export_filename(part_no, what, extension, now=None):
    """A safe file name, e.g. EICS112_Part-units-20261122-1530.csv."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", part_no).strip("._") or "part"
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    return f"{safe}-{what}-{stamp}.{extension}"
