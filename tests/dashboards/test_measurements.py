"""The part dashboard per measurement: histogram with the limits drawn, run chart, mean,
standard deviation, Cpk, share outside the limits, and a required field's missing count."""

import statistics

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from shopfloor.dashboards import measurements
from shopfloor.dashboards.measurements import cpk, measurement_figures
from shopfloor.dashboards.windows import days_window
from shopfloor.scanning.plans import FieldPlan, plan_of_part
from tests.stations.scan_support import part_with_procedure, scan
from tests.stations.stage_data_support import TESTED_PROCEDURE

pytestmark = pytest.mark.django_db

VALUES = [4.9, 5.0, 5.0, 5.1, 5.05, 4.95, 5.4]  # the last one outside 4.75 to 5.25


@pytest.fixture
def part(engineer, defect_reasons):
    part = part_with_procedure(engineer, "PSU_Part", TESTED_PROCEDURE)
    for number, value in enumerate(VALUES):
        scan(f"U{number}", "smd", part_no=part.part_no)
        scan(f"U{number}", "testing", data={"v_out": value})
    scan("UX", "smd", part_no=part.part_no)
    scan("UX", "testing", result="fail", defect="damaged")  # its voltage never measured
    return part


def figure(html, key):
    start = html.index(f'data-figure="{key}">') + len(f'data-figure="{key}">')
    return html[start : html.index("</dd>", start)]


def test_each_measurement_shows_its_figures_and_charts(client_for, supervisor, part):
    html = client_for(supervisor).get(reverse("dashboards:part", args=[part.pk])).content.decode()

    assert 'data-field="v_out"' in html
    assert figure(html, "count") == "7"
    assert float(figure(html, "mean")) == pytest.approx(statistics.mean(VALUES), abs=1e-4)
    assert float(figure(html, "std_dev")) == pytest.approx(statistics.stdev(VALUES), abs=1e-4)
    assert figure(html, "outside") == "14.3 % (1)"
    assert figure(html, "missing") == "1"
    assert "Output voltage, last values" in html
    assert "max 5.25" in html and "min 4.75" in html  # the limits drawn on both charts
    assert "last 7 values: 4.9, 5, 5, 5.1, 5.05, 4.95, 5.4" in html


def test_in_spanish_the_figures_use_a_decimal_comma_and_the_charts_spanish_words(
    client_for, supervisor, part
):
    html = (
        client_for(supervisor)
        .get(reverse("dashboards:part", args=[part.pk]), headers={"Accept-Language": "es"})
        .content.decode()
    )

    assert figure(html, "outside") == "14,3 % (1)"
    assert figure(html, "mean") == "5,0571"  # 35.4 / 7, four decimals
    assert "Output voltage, últimos valores" in html  # the run chart's title
    # The run chart's axis caption, and the limits drawn as the values are written in Spanish.
    assert "últimos 7 valores, los más antiguos primero</text>" in html
    assert "máx. 5,25" in html and "mín. 4,75" in html
    assert "last 7 values" not in html and "max 5.25" not in html


def test_cpk_is_the_distance_to_the_nearer_limit_in_three_standard_deviations():
    entry = FieldPlan("v", "V", "measurement", "t", False, False, {"min": 4.0, "max": 6.0})
    one_sided = FieldPlan("v", "V", "measurement", "t", False, False, {"max": 6.0})

    assert cpk(entry, 5.5, 0.1) == pytest.approx(0.5 / 0.3)
    assert cpk(one_sided, 5.0, 0.5) == pytest.approx(1 / 1.5)
    assert cpk(entry, 5.0, 0) is None


def test_the_histogram_counts_every_value_and_puts_the_outlier_past_the_max(part):
    plan = plan_of_part(part)
    today = timezone.localdate()

    (voltage,) = [
        f
        for f in measurement_figures(plan=plan, window=days_window(today, today))
        if f.field.key == "v_out"
    ]

    assert sum(voltage.bins) == len(VALUES)
    starts = voltage.edges[:-1]
    above_max = [n for n, start in zip(voltage.bins, starts, strict=True) if start >= 5.25]
    assert sum(above_max) == 1  # 5.4 V, drawn beyond the max line
    assert voltage.edges[0] == pytest.approx(4.5) and voltage.edges[-1] == pytest.approx(5.5)


@pytest.fixture
def edge_part(engineer, defect_reasons):
    part = part_with_procedure(engineer, "Edge_Part", TESTED_PROCEDURE)
    # Limits 4.75 to 5.25: the histogram spans 4.5 to 5.5 in bins 0.05 V wide.
    for number, value in enumerate([4.5, 4.75, 4.8, 4.85, 5.25, 5.3, 5.5, 5.45, 1.0, 9.0]):
        scan(f"E{number}", "smd", part_no=part.part_no)
        scan(f"E{number}", "testing", data={"v_out": value})
    return part


def test_a_value_on_a_bin_edge_lands_in_the_bin_that_starts_there(edge_part):
    today = timezone.localdate()
    figures = measurement_figures(plan=plan_of_part(edge_part), window=days_window(today, today))
    (voltage,) = [f for f in figures if f.field.key == "v_out"]

    counted = {index: n for index, n in enumerate(voltage.bins) if n}
    # 4.5 and 1.0 in the first bin; 4.75, 4.8 and 4.85 each open their own; 5.25 (the max,
    # inside) opens bin 15 with 5.3 in bin 16; 5.45, 5.5 (the top edge) and 9.0 in the last.
    assert counted == {0: 2, 5: 1, 6: 1, 7: 1, 15: 1, 16: 1, 19: 3}
    assert voltage.edges[5] == 4.75 and voltage.edges[15] == 5.25
    assert voltage.edges[6] == 4.8
    assert voltage.outside == 6  # 4.5, 1.0, 5.3, 5.45, 5.5 and 9.0; 4.75 and 5.25 are inside


def test_a_period_too_long_to_read_whole_is_read_from_a_sample_and_says_so(
    part, client_for, supervisor, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("samples are read on PostgreSQL (TABLESAMPLE); SQLite reads every unit")
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{part.unit_model()._meta.db_table}"')
    today = timezone.localdate()
    window = days_window(today, today)
    whole = {f.field.key: f for f in measurement_figures(plan=plan_of_part(part), window=window)}
    # Every page of this small table is in the sample: the figures are the whole's.
    monkeypatch.setattr(measurements, "SAMPLE_ABOVE", 3)
    monkeypatch.setattr(measurements, "SAMPLE_SIZE", 1_000)

    sampled = {f.field.key: f for f in measurement_figures(plan=plan_of_part(part), window=window)}
    html = client_for(supervisor).get(reverse("dashboards:part", args=[part.pk])).content.decode()

    voltage = sampled["v_out"]
    assert voltage.sample_percent == 100.0
    assert (voltage.bins, voltage.count, voltage.outside, voltage.missing) == (
        whole["v_out"].bins,
        len(VALUES),
        1,
        1,
    )
    assert voltage.mean == pytest.approx(statistics.mean(VALUES))
    assert "from a random 100.0 % of the period" in html
