"""A supervisor overrides stages and holds or releases units, always with a reason."""

import pytest
from django.urls import reverse

from shopfloor.scanning.rules import ScanRefused
from shopfloor.scanning.services import (
    Earlier,
    EarlierPending,
    unit_hold,
    unit_override,
    unit_release,
)
from shopfloor.stations.models import ScanEvent
from tests.stations.scan_support import part_with_procedure, scan, unit_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def part(engineer):
    part = part_with_procedure(engineer)
    scan("U1", "smd", part_no=part.part_no)
    return part


def last_event():
    return ScanEvent.objects.order_by("-id").values("action", "stage", "reason", "source").first()


def test_a_held_unit_is_refused_everywhere_until_released(part, supervisor):
    unit_hold(usid="U1", reason="Suspect batch of capacitors", user=supervisor)

    refused = scan("U1", "qc")
    assert refused.code == "on_hold"
    assert "on hold: Suspect batch of capacitors" in refused.message
    assert unit_of(part, "U1")["on_hold"]

    unit_release(usid="U1", reason="Capacitors checked", user=supervisor)

    assert scan("U1", "qc").status == "recorded"
    actions = list(ScanEvent.objects.order_by("id").values_list("action", "source", "reason"))
    assert actions[1:3] == [
        ("hold", "override", "Suspect batch of capacitors"),
        ("release", "override", "Capacitors checked"),
    ]


def test_a_failed_unit_stays_held_after_a_release_until_it_passes(part, supervisor):
    scan("U1", "qc", result="fail", defect="dry_joint")
    unit_hold(usid="U1", reason="Look at it", user=supervisor)

    unit_release(usid="U1", reason="Seen", user=supervisor)

    assert unit_of(part, "U1")["on_hold"]
    assert scan("U1", "dispatch").code == "on_hold"


def test_a_held_failed_unit_cannot_be_passed_by_a_rework_scan(part, supervisor):
    scan("U1", "qc", result="fail", defect="dry_joint")
    unit_hold(usid="U1", reason="Scrap review", user=supervisor)

    assert scan("U1", "qc").code == "on_hold"
    assert unit_of(part, "U1")["qc_result"] == "fail"


def test_a_supervisor_marks_a_stage_done_out_of_order_with_a_reason(part, supervisor):
    unit_override(
        usid="U1", stage="qc", action="mark_done", reason="QC done offline", user=supervisor
    )

    row = unit_of(part, "U1")
    assert row["is_qc"] and row["qc_result"] == "pass" and row["qc_by_id"] == supervisor.pk
    assert last_event() == {
        "action": "mark_done",
        "stage": "qc",
        "reason": "QC done offline",
        "source": "override",
    }
    assert scan("U1", "dispatch").status == "recorded"


def test_undoing_a_failed_stage_releases_its_hold(part, supervisor):
    scan("U1", "qc", result="fail", defect="dry_joint")

    unit_override(
        usid="U1", stage="qc", action="undo", reason="Wrong unit scanned", user=supervisor
    )

    row = unit_of(part, "U1")
    assert not row["on_hold"] and row["qc_result"] is None and not row["is_qc"]
    assert scan("U1", "qc").status == "recorded"


@pytest.mark.parametrize("reason", ["", "   "])
def test_every_supervisor_action_needs_a_reason_and_writes_nothing_without(
    part, supervisor, reason
):
    before = ScanEvent.objects.count()
    for action in (
        lambda: unit_hold(usid="U1", reason=reason, user=supervisor),
        lambda: unit_override(
            usid="U1", stage="qc", action="mark_done", reason=reason, user=supervisor
        ),
    ):
        with pytest.raises(ScanRefused, match="Give a reason"):
            action()

    assert ScanEvent.objects.count() == before
    assert not unit_of(part, "U1")["on_hold"]


def test_the_supervisor_holds_and_overrides_from_the_unit_page(part, client_for, supervisor):
    client = client_for(supervisor)
    url = reverse("dashboards:unit", args=["U1"])

    client.post(reverse("stations:unit-action", args=["U1", "hold"]), {"reason": "Check me"})
    page = client.get(url).content.decode()
    missing_reason = client.post(
        reverse("stations:unit-action", args=["U1", "override"]),
        {"stage": "qc", "action": "mark_done", "reason": ""},
    )

    assert 'data-testid="on-hold"' in page and "Check me" in page
    assert "This field is required" in missing_reason.content.decode()
    assert ScanEvent.objects.filter(action="mark_done").count() == 0


def test_an_operator_cannot_override_or_hold(part, client_for, operator):
    client = client_for(operator)

    response = client.post(reverse("stations:unit-action", args=["U1", "hold"]), {"reason": "x"})

    assert response.status_code == 403
    assert not unit_of(part, "U1")["on_hold"]


@pytest.mark.parametrize("usid", ["2024/000123", "50%-A", "A?B#C"])
def test_a_unit_whose_usid_holds_a_slash_or_percent_has_its_page_and_actions(
    client_for, supervisor, engineer, usid
):
    part = part_with_procedure(engineer)
    scan(usid, "smd", part_no=part.part_no)
    client = client_for(supervisor)

    found = client.get(reverse("dashboards:unit-lookup"), {"usid": usid}, follow=True)
    held = client.post(
        reverse("stations:unit-action", args=[usid, "hold"]), {"reason": "Check"}, follow=True
    )

    assert found.status_code == 200 and found.context["registration"].usid == usid
    assert held.status_code == 200 and held.context["registration"].usid == usid
    assert ScanEvent.objects.filter(usid=usid, action="hold").count() == 1


def test_a_unit_whose_usid_holds_a_slash_has_its_dashboard_page(client_for, supervisor, engineer):
    part = part_with_procedure(engineer)
    scan("2024/000123", "smd", part_no=part.part_no)
    client = client_for(supervisor)

    found = client.get(reverse("dashboards:unit-lookup"), {"usid": "2024/000123"}, follow=True)
    listed = client.get(reverse("dashboards:part", args=[part.pk]))

    assert found.status_code == 200 and "2024/000123" in found.content.decode()
    assert listed.status_code == 200 and "2024/000123" in listed.content.decode()


def test_the_unit_page_shows_the_supervisor_panel_only_to_those_who_may_act(
    part, client_for, supervisor, engineer
):
    url = reverse("dashboards:unit", args=["U1"])

    for_supervisor = client_for(supervisor).get(url).content.decode()
    for_engineer = client_for(engineer).get(url).content.decode()

    assert 'data-testid="supervisor-panel"' in for_supervisor
    assert 'data-testid="supervisor-panel"' not in for_engineer
    assert "U1" in for_engineer


def test_the_unit_page_and_the_part_dashboard_name_stage_states_with_the_same_words(
    part, client_for, supervisor
):
    page = client_for(supervisor).get(reverse("dashboards:unit", args=["U1"])).content.decode()
    dashboard = client_for(supervisor).get(reverse("dashboards:part", args=[part.pk]))

    for words in (page, dashboard.content.decode()):
        assert ">done</span>" in words
        for other_word in ("passed", "pass", "fail", "pending", "\N{EN DASH}"):
            assert f">{other_word}</span>" not in words


BIDI_AND_CONTROLS = ["Scrap \u202eevil", "ok\u200b", "line\nbreak", "\u2066isolate", "bell\x07"]


@pytest.mark.parametrize("reason", BIDI_AND_CONTROLS)
@pytest.mark.parametrize("act", ["hold", "release", "override"])
def test_a_reason_with_a_bidi_or_control_character_is_refused_and_writes_nothing(
    part, supervisor, reason, act
):
    if act == "release":
        unit_hold(usid="U1", reason="Held", user=supervisor)
    before = ScanEvent.objects.count()

    with pytest.raises(ScanRefused) as refused:
        if act == "hold":
            unit_hold(usid="U1", reason=reason, user=supervisor)
        elif act == "release":
            unit_release(usid="U1", reason=reason, user=supervisor)
        else:
            unit_override(usid="U1", stage="qc", action="mark_done", reason=reason, user=supervisor)

    assert refused.value.code == "invalid"
    assert "Remove the character" in refused.value.details["fields"]["reason"]
    assert ScanEvent.objects.count() == before


def test_the_unit_page_names_the_right_to_left_override_in_a_reason(part, client_for, supervisor):
    client = client_for(supervisor)

    response = client.post(
        reverse("stations:unit-action", args=["U1", "hold"]), {"reason": "Scrap \u202eevil"}
    )

    assert "RIGHT-TO-LEFT OVERRIDE" in response.content.decode()
    assert not unit_of(part, "U1")["on_hold"]


def test_marking_done_over_pending_stages_lists_them_and_writes_nothing(part, supervisor):
    with pytest.raises(EarlierPending) as refused:
        unit_override(
            usid="U1", stage="dispatch", action="mark_done", reason="Shipped", user=supervisor
        )

    assert [stage.key for stage in refused.value.stages] == ["qc"]
    assert "QC is not done yet on U1" in refused.value.message
    assert not unit_of(part, "U1")["is_dispatch"]
    assert ScanEvent.objects.filter(source="override").count() == 0


def test_a_supervisor_may_mark_the_pending_stages_done_too(part, supervisor):
    unit_override(
        usid="U1",
        stage="dispatch",
        action="mark_done",
        reason="Shipped",
        user=supervisor,
        earlier=Earlier.MARK_TOO,
    )

    row = unit_of(part, "U1")
    assert row["is_qc"] and row["is_dispatch"] and not row["is_leaded"]  # leaded is optional
    overrides = ScanEvent.objects.filter(source="override").order_by("id")
    assert [(e.stage, e.action) for e in overrides] == [
        ("qc", "mark_done"),
        ("dispatch", "mark_done"),
    ]
    assert overrides[0].reason == "Shipped (marked done with DISPATCH)"


def test_a_supervisor_may_leave_pending_stages_pending_on_purpose(part, supervisor):
    unit_override(
        usid="U1",
        stage="dispatch",
        action="mark_done",
        reason="Customer sample",
        user=supervisor,
        earlier=Earlier.LEAVE_PENDING,
    )

    row = unit_of(part, "U1")
    assert row["is_dispatch"] and not row["is_qc"]
    assert last_event()["reason"] == "Customer sample (left pending: QC)"


def test_mark_failed_records_the_defect_and_holds_the_unit(part, supervisor):
    unit_override(
        usid="U1",
        stage="qc",
        action="mark_fail",
        reason="Found cracked after QC",
        defect="damaged",
        user=supervisor,
    )

    row = unit_of(part, "U1")
    assert row["qc_result"] == "fail" and not row["is_qc"] and row["on_hold"]
    event = ScanEvent.objects.get(action="mark_fail")
    assert (event.stage, event.result, event.defect.code) == ("qc", "fail", "damaged")
    assert scan("U1", "qc").status == "recorded"  # reworked like a failed scan
    assert not unit_of(part, "U1")["on_hold"]


def test_mark_failed_without_a_defect_or_on_a_done_only_stage_is_refused(part, supervisor):
    with pytest.raises(ScanRefused, match="Choose the defect"):
        unit_override(usid="U1", stage="qc", action="mark_fail", reason="x", user=supervisor)
    with pytest.raises(ScanRefused, match="has no pass or fail"):
        unit_override(
            usid="U1",
            stage="dispatch",
            action="mark_fail",
            reason="x",
            defect="damaged",
            user=supervisor,
        )

    assert ScanEvent.objects.filter(source="override").count() == 0


def test_the_unit_page_asks_which_pending_stages_to_mark_then_shows_the_override(
    part, client_for, supervisor
):
    client = client_for(supervisor)
    action = reverse("stations:unit-action", args=["U1", "override"])
    asked = {"stage": "dispatch", "action": "mark_done", "reason": "Shipped"}

    first = client.post(action, asked)
    written_before_confirming = ScanEvent.objects.filter(source="override").count()
    confirmed = client.post(action, {**asked, "earlier": "leave_pending"}, follow=True)

    assert first.status_code == 200 and 'data-pending-stage="qc"' in first.content.decode()
    assert written_before_confirming == 0
    html = confirmed.content.decode()
    assert unit_of(part, "U1")["is_dispatch"] and not unit_of(part, "U1")["is_qc"]
    dispatch_row = html.split('data-stage="dispatch"', 1)[1].split("</tr>", 1)[0]
    assert "data-override" in dispatch_row
    assert 'data-kind="mark_done"' in html and "left pending: QC" in html


def test_the_part_dashboard_lists_overrides_and_marks_overridden_stages(
    part, client_for, supervisor
):
    unit_override(
        usid="U1",
        stage="qc",
        action="mark_fail",
        reason="Cracked",
        defect="damaged",
        user=supervisor,
    )

    html = client_for(supervisor).get(reverse("dashboards:part", args=[part.pk])).content.decode()

    overrides = html.split('data-testid="part-overrides"', 1)[1].split("</section>", 1)[0]
    assert 'data-testid="override-count">1<' in overrides
    assert "Marked failed · Damaged" in overrides and "Cracked" in overrides
    unit_row = html.split('<tr data-usid="U1">', 1)[1].split("</tr>", 1)[0]
    assert unit_row.count("data-override") == 1
