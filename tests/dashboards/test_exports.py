"""Exports of a part's units and scan events, as CSV and Excel.

The files are written by the export job's task, run here in the test process; the same task
in a real worker process is tested in tests/jobs/.
"""

import csv
import io
import re
import zipfile
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from shopfloor.dashboards import exports
from shopfloor.dashboards.export_jobs import export_task
from shopfloor.jobs.models import Job

pytestmark = pytest.mark.django_db

SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"


def exported(client, part, what, extension, *, raw=True, language="en"):
    """Ask for an export as the client's user, run its job, download it: the response.
    ``raw`` asks for the stored columns (the checkbox of the page), else the labelled ones;
    ``language`` is the one the browser asks for."""
    url = reverse("dashboards:export", args=[part.pk, what, extension])
    asked = client.post(
        url, {"columns": "raw"} if raw else {}, headers={"Accept-Language": language}
    )
    assert asked.status_code == 302
    job = Job.objects.get(owner_id=client.session["_auth_user_id"], state="queued")
    assert asked["Location"] == reverse("jobs:detail", args=[job.pk])
    export_task.call(str(job.pk))
    return client.get(reverse("jobs:download", args=[job.pk]))


def csv_rows(response):
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def xlsx_rows(content):
    """Each sheet's rows as lists of cell texts, read straight from the file's XML."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    shared = []
    if "xl/sharedStrings.xml" in archive.namelist():
        root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{SHEET}t")) for si in root]
    sheets = sorted(
        (name for name in archive.namelist() if name.startswith("xl/worksheets/sheet")),
        key=lambda name: int(re.search(r"(\d+)", name.rsplit("/", 1)[1]).group(1)),
    )
    result = []
    for name in sheets:
        rows = []
        for row in ElementTree.fromstring(archive.read(name)).iter(f"{SHEET}row"):
            cells = []
            for cell in row.iter(f"{SHEET}c"):
                kind = cell.get("t")
                if kind == "s":
                    cells.append(shared[int(cell.find(f"{SHEET}v").text)])
                elif kind == "inlineStr":
                    cells.append("".join(t.text or "" for t in cell.iter(f"{SHEET}t")))
                else:
                    value = cell.find(f"{SHEET}v")
                    cells.append(value.text if value is not None else "")
            rows.append(cells)
        result.append(rows)
    return result


def test_units_csv_has_every_column_and_every_unit(client_for, supervisor, line):
    response = exported(client_for(supervisor), line, "units", "csv")

    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    assert re.match(
        r'attachment; filename="EICS112_Part-units-\d{8}-\d{4}\.csv"',
        response["Content-Disposition"],
    )
    header, *rows = csv_rows(response)
    columns = [field.column for field in line.unit_model()._meta.concrete_fields]
    assert header == columns
    assert {"usid", "tag_no", "on_hold", "is_qc", "qc_at", "qc_by_id", "qc_result"} <= set(header)
    by_usid = {row[header.index("usid")]: dict(zip(header, row, strict=True)) for row in rows}
    assert sorted(by_usid) == sorted(f"U{n}" for n in range(1, 11))
    assert by_usid["U5"]["qc_result"] == "fail" and by_usid["U5"]["is_qc"] == "false"
    assert by_usid["U5"]["on_hold"] == "true"
    assert by_usid["U1"]["dispatch_at"].startswith("2026-03-10T11:10:00")


def test_events_csv_lists_each_scan_with_who_where_and_why(client_for, supervisor, operator, line):
    header, *rows = csv_rows(exported(client_for(supervisor), line, "events", "csv"))

    assert header[:8] == ["id", "when", "usid", "part_no", "stage", "action", "result", "defect"]
    events = [dict(zip(header, row, strict=True)) for row in rows]
    assert len(events) == 24  # 23 scans and one hold
    fail = next(e for e in events if e["usid"] == "U5" and e["result"] == "fail")
    assert (fail["stage"], fail["defect"], fail["defect_label"]) == (
        "qc",
        "solder_bridge",
        "Solder bridge",
    )
    assert (fail["station"], fail["line"], fail["user"]) == ("QC-1", "Line A", operator.email)
    hold = next(e for e in events if e["action"] == "hold")
    assert (hold["usid"], hold["reason"], hold["user"]) == (
        "U7",
        "Suspect capacitor batch",
        supervisor.email,
    )
    assert [int(e["id"]) for e in events] == sorted(int(e["id"]) for e in events)


def test_units_csv_for_people_has_labels_names_local_times_and_words(
    client_for, supervisor, operator, line, settings
):
    settings.TIME_ZONE = "Europe/Berlin"  # the plant's time zone: UTC+1 in March
    operator.full_name = "Ada Kowalski"
    operator.save()

    header, *rows = csv_rows(exported(client_for(supervisor), line, "units", "csv", raw=False))

    assert {"USID", "Tag", "On hold", "SMD done", "SMD by", "SMD at", "QC result"} <= set(header)
    assert not {"is_smd", "smd_by_id", "qc_result"} & set(header)
    by_usid = {row[header.index("USID")]: dict(zip(header, row, strict=True)) for row in rows}
    u5 = by_usid["U5"]
    assert (u5["QC result"], u5["QC done"], u5["On hold"]) == ("Fail", "No", "Yes")
    assert by_usid["U1"]["QC result"] == "Pass"
    assert by_usid["U1"]["QC by"] == "Ada Kowalski"
    assert by_usid["U1"]["DISPATCH at"] == "2026-03-10 12:10:00"  # 11:10 UTC, no microseconds


def test_events_excel_for_people_names_people_stages_and_results(
    client_for, supervisor, operator, line
):
    operator.full_name = "Ada Kowalski"
    operator.save()
    response = exported(client_for(supervisor), line, "events", "xlsx", raw=False)

    ((header, *rows),) = xlsx_rows(b"".join(response.streaming_content))

    assert header[:8] == ["No.", "When", "USID", "Part", "Stage", "Action", "Result", "Defect code"]
    events = [dict(zip(header, row, strict=False)) for row in rows]
    fail = next(e for e in events if e["USID"] == "U5" and e["Result"] == "Fail")
    assert (fail["Stage"], fail["Action"], fail["Defect"], fail["By"]) == (
        "QC",
        "Scan",
        "Solder bridge",
        "Ada Kowalski",
    )


def test_events_excel_asked_for_in_hindi_names_its_sheet_columns_and_words_in_hindi(
    client_for, supervisor, line
):
    client = client_for(supervisor)
    people = exported(client, line, "events", "xlsx", raw=False, language="hi")
    raw = exported(client, line, "events", "xlsx", raw=True, language="hi")

    content = b"".join(people.streaming_content)
    workbook = zipfile.ZipFile(io.BytesIO(content)).read("xl/workbook.xml").decode()
    ((header, *_rows),) = xlsx_rows(content)
    ((raw_header, *_raw_rows),) = xlsx_rows(b"".join(raw.streaming_content))
    assert 'name="इवेंट"' in workbook
    assert header[:5] == ["क्रमांक", "कब", "USID", "पार्ट", "स्टेज"]
    assert raw_header == [header for _name, header in exports.EVENT_COLUMNS]


def test_the_raw_choice_is_kept_on_the_job(client_for, supervisor, line):
    url = reverse("dashboards:export", args=[line.pk, "units", "csv"])
    client = client_for(supervisor)

    client.post(url, {"columns": "raw"})
    client.post(url)

    assert sorted(job.params["raw"] for job in Job.objects.all()) == [False, True]
    assert "(raw columns)" in Job.objects.get(params__raw=True).label


def test_text_a_spreadsheet_would_run_is_exported_as_text(client_for, supervisor, line):
    line.unit_model().objects.filter(usid="U8").update(tag_no="=HYPERLINK(1)")
    header, *rows = csv_rows(exported(client_for(supervisor), line, "units", "csv"))

    tag = next(row[header.index("tag_no")] for row in rows if row[header.index("usid")] == "U8")
    assert tag == "'=HYPERLINK(1)"


@pytest.mark.parametrize(
    "tag", ["  =HYPERLINK(1)", " +1+1", "\u00a0-2+3", "\n@SUM(1)", "\t=1", "\r=1", "=1"]
)
def test_a_formula_behind_white_space_is_exported_as_text(client_for, supervisor, line, tag):
    line.unit_model().objects.filter(usid="U8").update(tag_no=tag)

    header, *rows = csv_rows(exported(client_for(supervisor), line, "units", "csv"))

    cell = next(row[header.index("tag_no")] for row in rows if row[header.index("usid")] == "U8")
    assert cell == "'" + tag


def test_text_with_a_sign_inside_is_exported_as_it_is(client_for, supervisor, line):
    line.unit_model().objects.filter(usid="U8").update(tag_no="T-1 =ok")

    header, *rows = csv_rows(exported(client_for(supervisor), line, "units", "csv"))

    cell = next(row[header.index("tag_no")] for row in rows if row[header.index("usid")] == "U8")
    assert cell == "T-1 =ok"


def test_units_excel_opens_with_every_unit(client_for, supervisor, line):
    line.unit_model().objects.filter(usid="U8").update(tag_no="=HYPERLINK(1)")
    response = exported(client_for(supervisor), line, "units", "xlsx")

    content = b"".join(response.streaming_content)
    assert response["Content-Disposition"].startswith('attachment; filename="EICS112_Part-units-')
    (sheet,) = xlsx_rows(content)
    header, *rows = sheet
    assert header[:3] == ["id", "usid", "tag_no"]
    assert sorted(row[1] for row in rows) == sorted(f"U{n}" for n in range(1, 11))
    assert ["U8", "=HYPERLINK(1)"] in [row[1:3] for row in rows]  # text, not a formula
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")


def test_excel_continues_on_a_new_sheet_past_the_row_limit(monkeypatch, tmp_path):
    monkeypatch.setattr(exports, "EXCEL_MAX_ROWS", 4)
    path = tmp_path / "n.xlsx"
    exports.xlsx_write(path, ["n"], ((n,) for n in range(7)), sheet_name="units", rows_total=7)

    sheets = xlsx_rows(path.read_bytes())

    # Excel stores every number as a double: "2.0" is the cell showing 2.
    assert [
        [row[0] for row in sheet[:1]] + [float(row[0]) for row in sheet[1:]] for sheet in sheets
    ] == [
        ["n", 0, 1, 2],
        ["n", 3, 4, 5],
        ["n", 6],
    ]


def test_exports_read_in_chunks_and_miss_nothing(line):
    rows = list(exports.unit_rows(line.unit_model(), chunk_size=3))

    assert sorted(row[1] for row in rows) == sorted(f"U{n}" for n in range(1, 11))
    assert len(rows) == 10


def test_engineers_export_and_operators_cannot(client_for, engineer, operator, line):
    url = reverse("dashboards:export", args=[line.pk, "units", "csv"])

    assert client_for(engineer).post(url).status_code == 302
    assert client_for(operator).post(url).status_code == 403
    assert Job.objects.count() == 1


def test_excel_of_no_rows_still_names_its_columns(tmp_path):
    path = tmp_path / "empty.xlsx"
    exports.xlsx_write(path, ["id", "usid"], iter(()), sheet_name="units", rows_total=0)

    (sheet,) = xlsx_rows(path.read_bytes())

    assert sheet[0] == ["id", "usid"]
    assert all(cells == [] for cells in sheet[1:])


def test_excel_keeps_two_columns_of_the_same_name_apart(tmp_path):
    path = tmp_path / "same.xlsx"
    rows = [(1, "a", "b")]
    exports.xlsx_write(path, ["id", "note", "note"], rows, sheet_name="units", rows_total=1)

    (sheet,) = xlsx_rows(path.read_bytes())

    assert sheet == [["id", "note", "note (2)"], ["1.0", "a", "b"]]


def test_excel_refuses_rows_added_past_its_last_sheet_and_keeps_no_file(monkeypatch, tmp_path):
    monkeypatch.setattr(exports, "EXCEL_MAX_ROWS", 4)
    path = tmp_path / "n.xlsx"

    with pytest.raises(exports.ExportOverflow, match="More than 3 rows"):
        exports.xlsx_write(path, ["n"], ((n,) for n in range(5)), sheet_name="u", rows_total=3)

    assert not path.exists()


def test_excel_cuts_a_text_longer_than_a_cell_holds_instead_of_failing(tmp_path):
    path = tmp_path / "long.xlsx"
    rows = [(1, "r" * 40_000)]
    exports.xlsx_write(path, ["id", "reason"], rows, sheet_name="events", rows_total=1)

    (sheet,) = xlsx_rows(path.read_bytes())

    assert sheet[1][1] == "r" * 32_767
