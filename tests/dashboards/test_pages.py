"""The dashboard pages: who may see them, what they show, and how the overview refreshes."""

import re

import pytest
from django.urls import reverse

from shopfloor.dashboards.selectors import line_version
from tests.dashboards.conftest import TODAY, at, counted_queries, moment
from tests.stations.scan_support import part_with_procedure, scan

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def figure(html, part_no, name):
    """The number shown for figure ``name`` in the card of ``part_no``."""
    card = html.split(f'data-part="{part_no}"', 1)[1]
    return int(re.search(rf'data-figure="{name}">(\d+)<', card).group(1))


@pytest.mark.parametrize("role", ["Supervisor", "Engineer"])
def test_supervisors_and_engineers_open_the_dashboards(client_for, make_user, line, role):
    client = client_for(make_user(role))

    overview = client.get(reverse("dashboards:overview"))
    part = client.get(reverse("dashboards:part", args=[line.pk]))
    unit = client.get(reverse("dashboards:unit", args=["U6"]))

    assert (overview.status_code, part.status_code, unit.status_code) == (200, 200, 200)
    assert "Dashboards" in [entry["label"] for entry in overview.context["nav_entries"]]
    assert 'id="header-usid"' in overview.content.decode()


def test_operators_are_refused_the_dashboards_and_exports(client_for, operator, line):
    client = client_for(operator)
    urls = [
        reverse("dashboards:overview"),
        reverse("dashboards:part", args=[line.pk]),
        reverse("dashboards:unit", args=["U6"]),
        reverse("dashboards:unit-lookup") + "?usid=U6",
    ]
    export = reverse("dashboards:export", args=[line.pk, "units", "csv"])

    assert [client.get(url).status_code for url in urls] == [403] * len(urls)
    assert client.post(export).status_code == 403
    home = client.get("/").content.decode()
    assert 'id="header-usid"' not in home
    assert "Dashboards" not in home


def test_signed_out_visitors_are_sent_to_sign_in(client, line):
    response = client.get(reverse("dashboards:overview"))

    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]


def test_the_overview_shows_each_part_with_figures_charts_and_stations(
    client_for, supervisor, line
):
    with at(moment(TODAY, 15, 0)):
        html = client_for(supervisor).get(reverse("dashboards:overview")).content.decode()

    assert figure(html, "EICS112_Part", "units") == 10
    assert figure(html, "EICS112_Part", "finished_today") == 2
    assert figure(html, "EICS112_Part", "on_hold") == 3
    assert figure(html, "EICS112_Part", "in_progress") == 7
    assert html.count('role="img"') == 2  # queue and yield charts of the one part
    assert "66.7 %" in html  # QC's first-pass yield
    assert 'data-station="QC-1"' in html and 'data-station="SMD-1"' in html
    assert 'hx-trigger="every 5s"' in html


def test_the_refresh_answers_nothing_while_nothing_changed(client_for, supervisor, line):
    client = client_for(supervisor)
    version = line_version()
    url = reverse("dashboards:overview") + f"?version={version}&parts={line.pk}"

    response = client.get(url, headers=HTMX)

    assert response.status_code == 204
    assert response.content == b""


def test_after_a_scan_the_refresh_swaps_only_the_figures(client_for, supervisor, line):
    client = client_for(supervisor)
    version = line_version()
    scan("U11", "smd", part_no=line.part_no)
    url = reverse("dashboards:overview") + f"?version={version}&parts={line.pk}"

    response = client.get(url, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<details" not in html  # what the reader opened stays
    assert f'id="part-{line.pk}-live" hx-swap-oob="innerHTML"' in html
    assert f'id="part-{line.pk}-table" hx-swap-oob="innerHTML"' in html
    assert 'id="station-activity" hx-swap-oob="innerHTML"' in html
    assert re.search(r'data-figure="units">11<', html)
    assert line_version() != version
    assert f'data-version="{line_version()}"' in html


def test_a_new_part_redraws_the_part_cards(client_for, supervisor, line, engineer):
    client = client_for(supervisor)
    version = line_version()
    part_with_procedure(engineer, part_no="EICS300_Part")

    response = client.get(
        reverse("dashboards:overview") + f"?version={version}&parts={line.pk}", headers=HTMX
    )

    html = response.content.decode()
    assert 'id="overview-parts" hx-swap-oob="innerHTML"' in html
    assert 'data-part="EICS300_Part"' in html


def test_the_overview_runs_the_same_queries_for_one_part_or_many(client_for, supervisor, engineer):
    client = client_for(supervisor)
    first = part_with_procedure(engineer, part_no="P0_Part")
    scan("A0", "smd", part_no=first.part_no)
    client.get(reverse("dashboards:overview"))  # plans cached, as on a running server
    with counted_queries() as one:
        client.get(reverse("dashboards:overview"))
    for number in range(1, 6):
        part = part_with_procedure(engineer, part_no=f"P{number}_Part")
        scan(f"A{number}", "smd", part_no=part.part_no, result="fail", defect="damaged")
    client.get(reverse("dashboards:overview"))
    with counted_queries() as six:
        html = client.get(reverse("dashboards:overview")).content.decode()

    assert html.count('data-testid="part-card"') == 6
    assert len(six) == len(one) > 0


def test_the_part_page_draws_its_charts_and_lists_its_units(client_for, supervisor, line):
    url = reverse("dashboards:part", args=[line.pk])
    with at(moment(TODAY, 15, 0)):
        response = client_for(supervisor).get(url + "?start=2026-03-10&end=2026-03-10")

    html = response.content.decode()
    titles = re.findall(r'<title id="chart-[0-9a-f]+-title">([^<]+)</title>', html)
    assert titles == [
        "Units done per stage, EICS112_Part",
        "Units waiting and failed per stage",
        "Units passed per hour, 2026-03-10",
        "Fails by reason, 2026-03-10",
        "First-pass yield per stage",
    ]
    assert "Solder bridge: fails 2" in html  # the defect chart reads its values out
    assert "SMD: 09:00 0" not in html and "SMD: 00:00 0" in html
    assert html.count('<tr data-usid="') == 10


def test_the_part_page_charts_the_current_shift_by_default(client_for, supervisor, line, settings):
    settings.SHIFT_STARTS = ["06:00", "14:00", "22:00"]
    with at(moment(TODAY, 11, 30)):
        response = client_for(supervisor).get(reverse("dashboards:part", args=[line.pk]))

    assert response.context["window"].label == "Shift 06:00 to 14:00"
    assert "Units passed per hour, Shift 06:00 to 14:00" in response.content.decode()


def test_a_reversed_range_is_explained_and_the_shift_shown(client_for, supervisor, line):
    url = reverse("dashboards:part", args=[line.pk]) + "?start=2026-03-10&end=2026-03-01"

    response = client_for(supervisor).get(url)

    assert (
        "The last day (2026-03-01) is before the first (2026-03-10)." in response.content.decode()
    )
    assert response.context["window"].is_shift


def test_the_unit_list_filters_by_stage_state_as_an_htmx_partial(client_for, supervisor, line):
    url = reverse("dashboards:part", args=[line.pk]) + "?section=units&stage=qc&state=waiting"

    response = client_for(supervisor).get(url, headers=HTMX)

    html = response.content.decode()
    assert "<html" not in html
    assert set(re.findall(r'<tr data-usid="([^"]+)"', html)) == {"U4", "U7", "U8"}


def test_a_state_without_its_stage_is_refused_with_a_message(client_for, supervisor, line):
    url = reverse("dashboards:part", args=[line.pk]) + "?section=units&state=waiting"

    response = client_for(supervisor).get(url, headers=HTMX)

    assert "Choose a stage and its state together." in response.content.decode()
    assert '<tr data-usid="' not in response.content.decode()


def test_the_header_lookup_opens_the_unit_page(client_for, supervisor, line):
    response = client_for(supervisor).get(reverse("dashboards:unit-lookup") + "?usid=U6%0D%0A")

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:unit", args=["U6"])


def test_an_unknown_usid_is_named_in_the_answer(client_for, supervisor, line):
    response = client_for(supervisor).get(reverse("dashboards:unit-lookup") + "?usid=NOPE-1")

    assert response.status_code == 404
    assert "No unit NOPE-1 is registered." in response.content.decode()


def test_the_unit_page_tells_the_units_story(client_for, supervisor, operator, line):
    response = client_for(supervisor).get(reverse("dashboards:unit", args=["U6"]))

    html = response.content.decode()
    kinds = re.findall(r'data-kind="([a-z_]+)"', html)
    assert kinds == ["pass", "fail", "rework"]
    assert "Missing component" in html
    assert "QC-1 (Line A)" in html and operator.email in html
    states = dict(re.findall(r'<tr data-stage="([a-z]+)">.*?data-state="([a-z]*)"', html, re.S))
    assert states == {"smd": "done", "leaded": "", "qc": "done", "dispatch": "waiting"}
    assert reverse("dashboards:part", args=[line.pk]) in html


def test_the_unit_page_shows_holds_with_who_and_why(client_for, supervisor, line):
    html = client_for(supervisor).get(reverse("dashboards:unit", args=["U7"])).content.decode()

    assert re.findall(r'data-kind="([a-z_]+)"', html) == ["pass", "hold"]
    assert "Suspect capacitor batch" in html
    assert supervisor.email in html and "Supervisor" in html
    assert 'data-testid="on-hold"' in html


def test_the_migration_grants_the_dashboards_to_supervisors_and_engineers_only():
    from django.contrib.auth.models import Group

    def codenames(name):
        group = Group.objects.get(name=name)
        return set(
            group.permissions.filter(content_type__app_label="dashboards").values_list(
                "codename", flat=True
            )
        )

    assert codenames("Supervisor") == {"view_dashboard", "export_data", "manage_displays"}
    assert codenames("Engineer") == {
        "view_dashboard",
        "export_data",
        "manage_displays",
        "view_andonthreshold",
        "change_andonthreshold",
    }
    assert codenames("Operator") == set()


def test_a_refresh_redraws_only_the_parts_whose_figures_moved(
    client_for, supervisor, line, engineer, monkeypatch
):
    from shopfloor.dashboards import panels

    other = part_with_procedure(engineer, part_no="EICS200_Part")
    client = client_for(supervisor)
    client.get(reverse("dashboards:overview"))
    drawn = []
    real = panels.render_to_string
    monkeypatch.setattr(
        panels, "render_to_string", lambda name, context: drawn.append(name) or real(name, context)
    )
    version = line_version()
    scan("V1", "smd", part_no=other.part_no)

    response = client.get(
        reverse("dashboards:overview") + f"?version={version}&parts={line.pk}.{other.pk}",
        headers=HTMX,
    )

    assert drawn == ["dashboards/_part_live.html", "dashboards/_stage_table.html"]  # one part
    html = response.content.decode()
    assert f'id="part-{line.pk}-live" hx-swap-oob="innerHTML"' in html  # sent as it was
    assert re.search(rf'id="part-{other.pk}-live"[^>]*>.*?data-figure="units">1<', html, re.S)
