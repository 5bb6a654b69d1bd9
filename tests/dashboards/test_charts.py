"""The server-drawn SVG charts: values, proportions, accessibility, escaping."""

import re
from xml.etree import ElementTree

import pytest
from django.utils import translation

from shopfloor.dashboards.charts import (
    BarRow,
    Segment,
    Series,
    bar_chart,
    funnel_chart,
    line_chart,
    nice_ticks,
    number,
    percent,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    return ElementTree.fromstring(str(svg))


def texts(root):
    return [element.text for element in root.iter(f"{SVG}text")]


def bars(root):
    return [
        element for element in root.iter(f"{SVG}rect") if element.find(f"{SVG}title") is not None
    ]


@pytest.mark.parametrize(
    "code, count, share", [("en", "1,234,567", "97.5 %"), ("es", "1\xa0234\xa0567", "97,5 %")]
)
def test_figures_are_written_as_the_language_writes_numbers(code, count, share):
    rows = [BarRow("SMD", (Segment("done", 1234567),)), BarRow("QC", (Segment("done", 3),))]
    with translation.override(code):
        svg = str(bar_chart(title="Units", rows=rows))

        assert (number(1234567), percent(97.5)) == (count, share)
    assert count in texts(parse(svg))  # the value written after the bar
    # The drawing's own numbers stay machine numbers, whatever the language.
    widths = re.findall(r'<rect [^>]*width="([^"]+)"', svg)
    assert len(widths) == 2 and all(re.fullmatch(r"\d+\.\d", width) for width in widths)


def test_a_bar_chart_is_an_image_named_and_described_for_screen_readers():
    root = parse(
        bar_chart(title="Fails by reason", rows=[BarRow("Dry joint", (Segment("fails", 3),))])
    )

    labelled_by = root.get("aria-labelledby").split()
    assert root.get("role") == "img"
    assert [root.find(f"{SVG}title").get("id"), root.find(f"{SVG}desc").get("id")] == labelled_by
    assert root.find(f"{SVG}title").text == "Fails by reason"
    assert texts(root)[0] == "Fails by reason"  # written on top for those who see it too
    assert root.find(f"{SVG}desc").text == "Dry joint: fails 3."


def test_bar_lengths_follow_their_values_and_the_values_are_written():
    rows = [
        BarRow("Solder bridge", (Segment("fails", 40),)),
        BarRow("Dry joint", (Segment("fails", 10),)),
    ]
    root = parse(bar_chart(title="Fails", rows=rows))

    widths = [float(rect.get("width")) for rect in bars(root)]
    assert widths[0] == pytest.approx(4 * widths[1], abs=0.3)  # drawn to 0.1 unit
    assert [t for t in texts(root) if t.isdigit()] == ["40", "10"]
    assert {"Solder bridge", "Dry joint"} <= set(texts(root))


def test_stacked_segments_get_a_legend_and_a_zero_stays_invisible():
    rows = [BarRow("QC", (Segment("waiting", 5, "waiting"), Segment("failed", 0, "failed")))]
    root = parse(bar_chart(title="Queues", rows=rows))

    assert {"waiting", "failed"} <= set(texts(root))
    assert [float(rect.get("width")) for rect in bars(root)][1] == 0
    assert root.find(f"{SVG}desc").text == "QC: waiting 5, failed 0."


def test_a_tiny_value_beside_a_huge_one_is_still_drawn():
    rows = [BarRow("A", (Segment("n", 1_000_000),)), BarRow("B", (Segment("n", 1),))]
    root = parse(bar_chart(title="Mixed", rows=rows))

    assert float(bars(root)[1].get("width")) >= 2
    assert "1,000,000" in texts(root)


def test_percent_bars_use_a_fixed_scale_and_their_note():
    rows = [BarRow("QC", (Segment("yield", 50.0),), note="50.0 % of 6")]
    root = parse(bar_chart(title="Yield", rows=rows, scale_max=100, value_format=percent))

    assert "50.0 % of 6" in texts(root)
    full = 800 - float(bars(root)[0].get("x")) - 190
    assert float(bars(root)[0].get("width")) == pytest.approx(full / 2, abs=0.2)


def test_labels_and_titles_are_escaped():
    root = parse(bar_chart(title="<b>&", rows=[BarRow("<script>", (Segment("n", 1),))]))

    assert root.find(f"{SVG}title").text == "<b>&"
    assert "<script>" in texts(root)


def test_an_empty_chart_says_so():
    root = parse(bar_chart(title="Fails", rows=[], empty="No fails in this period."))

    assert texts(root) == ["Fails", "No fails in this period."]


def test_the_funnel_shows_each_step_with_its_share_of_the_first():
    root = parse(
        funnel_chart(title="Funnel", steps=[("Registered", 200), ("SMD", 150), ("QC", 50)])
    )

    widths = [float(rect.get("width")) for rect in bars(root)]
    assert widths[0] == pytest.approx(4 * widths[2], abs=0.3)
    assert [t for t in texts(root) if t.endswith("%")] == ["100 %", "75 %", "25 %"]
    assert "SMD: 150 (75.0 %)" in root.find(f"{SVG}desc").text


def test_the_line_chart_plots_each_point_and_thins_its_labels():
    hours = [f"{h:02d}:00" for h in range(24)]
    values = tuple(range(24))
    root = parse(line_chart(title="Per hour", x_labels=hours, series=[Series("SMD", values)]))

    points = list(root.iter(f"{SVG}circle"))
    assert len(points) == 24
    heights = [float(point.get("cy")) for point in points]
    assert heights == sorted(heights, reverse=True)  # rising values are drawn higher
    shown_hours = [t for t in texts(root) if t in hours]
    assert 1 < len(shown_hours) <= 12
    assert "SMD, 05:00: 5" in [p.find(f"{SVG}title").text for p in points]


def test_a_line_chart_without_any_value_says_nothing_was_recorded():
    root = parse(line_chart(title="Per hour", x_labels=["08:00"], series=[Series("SMD", (0,))]))

    assert texts(root) == ["Per hour", "Nothing recorded in this period."]


def test_text_is_large_enough_for_a_tv():
    root = parse(bar_chart(title="T", rows=[BarRow("A", (Segment("n", 1),))]))
    width = float(root.get("viewBox").split()[2])

    assert min(float(t.get("font-size")) for t in root.iter(f"{SVG}text")) / width >= 18 / 800


def test_axis_ticks_are_round_and_cover_the_maximum():
    assert nice_ticks(17) == [0, 5, 10, 15, 20]
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(1234)[-1] >= 1234
    assert nice_ticks(0) == [0, 1]


def test_a_title_too_long_for_the_chart_is_written_smaller_to_fit_but_stays_readable():
    short = parse(bar_chart(title="Fails by reason", rows=[]))
    spanish = "Fallas por motivo, todas las partes, 2026-03-03 a 2026-03-10"
    long = parse(bar_chart(title=spanish, rows=[]))

    def title_size(root):
        return float(next(root.iter(f"{SVG}text")).get("font-size"))

    assert title_size(short) == 26
    # About 0.54 of its size per bold letter: 60 letters fit 800 units at 23, not at 26.
    assert 18 <= title_size(long) <= 800 / (0.54 * len(spanish))
