"""The line TV: opened by a display link with no sign-in, and only the TV view; the links
made and revoked by supervisors and engineers; andon limits set by engineers."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from shopfloor.dashboards.displays import display_token_issue
from shopfloor.dashboards.models import AndonThreshold, DisplayToken
from tests.dashboards.conftest import NOW, at

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def tv_url(raw):
    return reverse("dashboards:tv", args=[raw])


def stage_row(html, stage_key):
    return re.search(rf'<tr data-stage="{stage_key}" data-andon="(\w+)">(.*?)</tr>', html, re.S)


@pytest.fixture
def display(supervisor):
    return display_token_issue(name="Line A TV", page_seconds=15, user=supervisor)


def test_a_display_link_opens_the_tv_without_sign_in_and_without_navigation(client, line, display):
    _token, raw = display

    with at(NOW):
        response = client.get(tv_url(raw))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-part="EICS112_Part"' in html
    assert "Main navigation" not in html and "Sign out" not in html
    assert re.search(r'data-figure="finished_today">2<', html)
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_display_link_opens_nothing_but_the_tv(client, line, display):
    _token, raw = display
    client.get(tv_url(raw))

    for url in [reverse("dashboards:overview"), reverse("dashboards:part", args=[line.pk]), "/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/sign-in/" in response["Location"]
    assert client.get(reverse("dashboards:overview") + f"?token={raw}").status_code == 302


@pytest.mark.parametrize("raw", ["tv_wrong", "nonsense", "tv_" + "x" * 200])
def test_a_wrong_link_is_refused_and_shows_no_figures(client, line, display, raw):
    response = client.get(tv_url(raw))

    assert response.status_code == 403
    assert "not valid" in response.content.decode()
    assert "EICS112_Part" not in response.content.decode()


def test_a_revoked_link_is_refused_on_its_next_refresh(client_for, line, display, supervisor):
    token, raw = display
    assert (
        client_for(supervisor)
        .post(reverse("dashboards:tv-display-revoke", args=[token.pk]))
        .status_code
        == 302
    )

    response = Client().get(tv_url(raw), headers=HTMX)

    assert response.status_code == 403
    token.refresh_from_db()
    assert token.revoked_by == supervisor and token.revoked_at is not None


def test_only_the_hash_of_a_link_is_stored(display):
    token, raw = display

    stored = DisplayToken.objects.filter(pk=token.pk).values().get()
    assert raw not in str(stored)
    assert len(stored["key_hash"]) == 64


def test_a_refresh_answers_only_the_grid(client, line, display):
    _token, raw = display

    response = client.get(tv_url(raw), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'data-testid="tv-part"' in html


def test_a_stage_past_its_limit_shows_red_and_one_within_it_does_not(
    client_for, client, engineer, line, display
):
    _token, raw = display
    save = reverse("dashboards:tv-andon-save", args=[line.pk])
    prefix = f"part{line.pk}"
    # QC: 3 units wait there (U4, U7, U8); SMD: 2 of its 10 tested units failed first (20 %).
    response = client_for(engineer).post(
        save, {f"{prefix}-waiting-qc": "2", f"{prefix}-fail-smd": "25"}
    )
    assert response.status_code == 302

    with at(NOW):
        html = client.get(tv_url(raw)).content.decode()

    qc = stage_row(html, "qc")
    smd = stage_row(html, "smd")
    assert qc.group(1) == "alarm" and "tv-red" in qc.group(2)
    assert smd.group(1) == "ok" and "tv-red" not in smd.group(2)
    assert ">20%<" in smd.group(2)
    assert stage_row(html, "dispatch").group(1) == "none"
    assert "tv-alarm" in html


def test_bad_limits_are_refused_with_a_message_and_write_nothing(client_for, engineer, line):
    save = reverse("dashboards:tv-andon-save", args=[line.pk])
    prefix = f"part{line.pk}"

    response = client_for(engineer).post(
        save, {f"{prefix}-waiting-qc": "-3", f"{prefix}-fail-smd": "250"}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was saved" in html
    assert "less than or equal to 100" in html and "greater than or equal to 0" in html
    assert not AndonThreshold.objects.exists()


def test_clearing_a_limit_removes_it(client_for, engineer, line):
    save = reverse("dashboards:tv-andon-save", args=[line.pk])
    prefix = f"part{line.pk}"
    client = client_for(engineer)
    client.post(save, {f"{prefix}-waiting-qc": "5"})

    client.post(save, {f"{prefix}-waiting-qc": ""})

    assert not AndonThreshold.objects.exists()


@pytest.mark.parametrize("role", ["Supervisor", "Engineer"])
def test_supervisors_and_engineers_make_a_link_shown_once(client_for, make_user, role):
    client = client_for(make_user(role))

    response = client.post(
        reverse("dashboards:tv-display-create"), {"name": "Line B TV", "page_seconds": "20"}
    )

    html = response.content.decode()
    link = re.search(r"http://testserver/dashboards/tv/show/(tv_[\w-]+)/", html).group(1)
    assert DisplayToken.objects.get().name == "Line B TV"
    assert link not in client.get(reverse("dashboards:tv-displays")).content.decode()


def test_a_link_without_a_name_is_refused_with_a_message(client_for, supervisor):
    response = client_for(supervisor).post(
        reverse("dashboards:tv-display-create"), {"name": "", "page_seconds": "2"}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "This field is required" in html and "between 5 and 600 seconds" in html
    assert not DisplayToken.objects.exists()


def test_operators_may_not_make_links_nor_set_limits(client_for, operator, line, display):
    client = client_for(operator)
    token, _raw = display

    refused = [
        client.get(reverse("dashboards:tv-displays")),
        client.post(reverse("dashboards:tv-display-create"), {"name": "X", "page_seconds": 15}),
        client.post(reverse("dashboards:tv-display-revoke", args=[token.pk])),
        client.get(reverse("dashboards:tv-andon")),
        client.post(reverse("dashboards:tv-andon-save", args=[line.pk]), {}),
    ]

    assert [response.status_code for response in refused] == [403] * 5
    token.refresh_from_db()
    assert token.is_active and DisplayToken.objects.count() == 1


def test_only_engineers_open_and_change_the_limits(client_for, supervisor, line):
    client = client_for(supervisor)
    save = reverse("dashboards:tv-andon-save", args=[line.pk])

    page = client.get(reverse("dashboards:tv-andon"))
    refused = client.post(save, {f"part{line.pk}-waiting-qc": "2"})

    assert page.status_code == 403
    assert refused.status_code == 403
    assert not AndonThreshold.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in_from_the_settings(client):
    for url in [reverse("dashboards:tv-displays"), reverse("dashboards:tv-andon")]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]
