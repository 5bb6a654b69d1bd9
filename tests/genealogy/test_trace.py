"""Trace: a lot forward through every level, a unit's tree and chain, the page and its export."""

import csv
import io

import pytest

from shopfloor.genealogy.services import RepairRefused, component_replace
from shopfloor.scanning.services import api_token_issue
from tests.genealogy.genealogy_support import Line, installed
from tests.stations.scan_support import scan, unit_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def line(engineer):
    """Paste lot LOT-P went into controllers C-1 and C-2, whose PSU boards P-1 and P-2 hold
    capacitor reels; C-1 went into cabinet CAB-1, which is dispatched."""
    line = Line(engineer)
    for n in (1, 2):
        line.finished_psu(f"P-{n}")
        line.finished_controller(f"C-{n}", f"P-{n}", paste="LOT-P")
    scan("CAB-1", "build", part_no="CAB_Part", components={"controller": "C-1"})
    scan("CAB-1", "dispatch")
    return line


@pytest.fixture
def reader(db):
    return api_token_issue(name="trace-reader", may_read=True)[1]


def test_a_lot_is_traced_to_every_unit_holding_it_with_the_path(api, reader, line):
    answer = api.get("/api/v1/trace?lot=LOT-P", token=reader)
    assert answer.status_code == 200
    units = sorted((u["usid"], u["part_no"], tuple(u["via"])) for u in answer.json()["units"])
    assert units == [
        ("C-1", "CTRL_Part", ()),
        ("C-2", "CTRL_Part", ()),
        ("CAB-1", "CAB_Part", ("C-1",)),
    ]


def test_a_child_is_traced_through_three_levels(api, reader, line):
    # P-1 (level 1) -> C-1 (level 2) -> CAB-1 (level 3)
    answer = api.get("/api/v1/trace?usid=p-1", token=reader).json()
    assert answer["usid"] == "P-1"
    assert answer["chain"] == [
        {"usid": "C-1", "part_no": "CTRL_Part"},
        {"usid": "CAB-1", "part_no": "CAB_Part"},
    ]
    assert answer["installed_in"] == {"usid": "C-1", "part_no": "CTRL_Part"}
    assert [(u["usid"], u["via"]) for u in answer["used_in"]] == [
        ("C-1", []),
        ("CAB-1", ["C-1"]),
    ]
    tree = api.get("/api/v1/trace?usid=CAB-1", token=reader).json()["components"]
    assert tree[0]["usid"] == "C-1"
    inner = {node["key"]: node for node in tree[0]["components"]}
    assert inner["psu"]["usid"] == "P-1" and inner["psu"]["components"] == []
    assert inner["paste"]["lot"] == "LOT-P"


def test_trace_refuses_bad_questions_and_tokens(api, reader, line):
    long = api.get("/api/v1/trace?lot=" + "L" * 1000, token=reader)
    assert long.status_code == 400 and "lot" in long.json()["error"]["fields"]
    both = api.get("/api/v1/trace?lot=A&usid=B", token=reader)
    assert both.status_code == 400
    unknown = api.get("/api/v1/trace?usid=NOPE", token=reader)
    assert unknown.status_code == 404
    assert api.get("/api/v1/trace?lot=LOT-P", token="").status_code == 401
    scanner = api_token_issue(name="scan-only")[1]
    assert api.get("/api/v1/trace?lot=LOT-P", token=scanner).status_code == 403


def test_the_recall_export_lists_every_affected_unit_with_its_standing(
    client_for, supervisor, line
):
    client = client_for(supervisor)
    response = client.get("/genealogy/trace/recall.csv?lot=LOT-P")
    assert response.status_code == 200
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["usid", "part_no", "via", "state", "where", "dispatched"]
    by_usid = {row[0]: row for row in rows[1:]}
    assert by_usid["CAB-1"] == ["CAB-1", "CAB_Part", "C-1", "finished", "DISPATCH", "yes"]
    assert by_usid["C-2"] == ["C-2", "CTRL_Part", "", "finished", "QC", "n/a"]
    assert set(by_usid) == {"C-1", "C-2", "CAB-1"}


def test_the_trace_page_is_for_engineers_and_supervisors(client_for, engineer, operator, line):
    assert client_for(operator).get("/genealogy/trace/?lot=LOT-P").status_code == 403
    page = client_for(engineer).get("/genealogy/trace/?lot=LOT-P")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'href="/dashboards/units/CAB-1/"' in text
    assert "recall.csv?lot=LOT-P" in text
    tree = client_for(engineer).get("/genealogy/trace/?usid=CAB-1").content.decode()
    assert 'href="/dashboards/units/P-1/"' in tree


def test_the_trace_page_names_a_bad_lot(client_for, engineer, line):
    page = client_for(engineer).get("/genealogy/trace/?lot=" + "\u00e9" * 3)
    assert page.status_code == 400
    assert "LATIN SMALL LETTER E WITH ACUTE" in page.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, line):
    response = client.get("/genealogy/trace/?lot=LOT-P")
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_the_unit_page_shows_the_tree_and_what_it_is_installed_in(client_for, supervisor, line):
    client = client_for(supervisor)
    controller = client.get("/dashboards/units/C-1/").content.decode()
    assert 'data-testid="component-tree"' in controller
    assert 'href="/dashboards/units/P-1/"' in controller
    assert "LOT-P" in controller
    assert 'href="/dashboards/units/CAB-1/"' in controller  # installed in
    assert 'data-testid="repair-panel"' in controller


def test_a_supervisor_replaces_a_component_and_both_histories_show_it(
    client_for, supervisor, operator, line
):
    line.finished_psu("P-9")
    assert (
        client_for(operator)
        .post(
            "/genealogy/units/C-2/repair/", {"component": "psu", "new_code": "P-9", "reason": "x"}
        )
        .status_code
        == 403
    )
    client = client_for(supervisor)
    response = client.post(
        "/genealogy/units/C-2/repair/",
        {"component": "psu", "new_code": "P-9", "reason": "Cracked inductor", "designator": "PS1"},
    )
    assert response.status_code == 302
    assert installed(parent_usid="C-2", component="psu") == [("C-2", "psu", "P-9", None)]
    parent_page = client.get("/dashboards/units/C-2/").content.decode()
    assert "Cracked inductor" in parent_page and "P-2" in parent_page
    child_page = client.get("/dashboards/units/P-2/").content.decode()
    assert "Cracked inductor" in child_page and "Not installed in another unit" in child_page
    assert "Component replaced (repair)" in child_page  # in the unit's event history too
    # The freed child can be installed again.
    line.controller_at_assembly("C-3")
    outcome = scan("C-3", "assembly", components={"psu": "P-2", "paste": "LOT-P"})
    assert outcome.status == "recorded", outcome
    assert unit_of(line.controller, "C-3")["is_assembly"]


def test_a_repair_is_in_the_api_history_of_the_unit_and_of_both_children(
    api, reader, supervisor, line
):
    line.finished_psu("P-9")
    component_replace(
        usid="C-2",
        component="psu",
        new_code="P-9",
        reason="Cracked inductor",
        designator="PS1",
        user=supervisor,
    )

    def repairs(usid):
        answer = api.get(f"/api/v1/units/{usid}", token=reader)
        assert answer.status_code == 200
        return [event for event in answer.json()["history"] if event["action"] == "repair"]

    (parent,) = repairs("C-2")
    assert parent["reason"] == "Cracked inductor"
    assert parent["by"] == str(supervisor) and parent["source"] == "override"
    assert parent["data"] == {
        "component": "psu",
        "stage": "assembly",
        "removed": "P-2",
        "installed": "P-9",
        "designator": "PS1",
    }
    (taken_out,) = repairs("P-2")
    assert taken_out["data"]["removed_from"] == "C-2"
    assert taken_out["reason"] == "Cracked inductor"
    (put_in,) = repairs("P-9")
    assert put_in["data"]["installed_in"] == "C-2"
    assert repairs("C-1") == []


def test_a_repair_without_a_reason_or_with_a_taken_child_changes_nothing(supervisor, line):
    with pytest.raises(RepairRefused) as no_reason:
        component_replace(usid="C-2", component="psu", new_code="P-1", reason=" ", user=supervisor)
    assert "reason" in no_reason.value.fields
    with pytest.raises(RepairRefused) as taken:
        component_replace(
            usid="C-2", component="psu", new_code="P-1", reason="swap", user=supervisor
        )
    assert "C-1" in taken.value.fields["new_code"]
    assert installed(parent_usid="C-2", component="psu") == [("C-2", "psu", "P-2", None)]


def test_a_refused_repair_page_names_the_problem(client_for, supervisor, line):
    response = client_for(supervisor).post(
        "/genealogy/units/C-2/repair/", {"component": "psu", "new_code": "P-404", "reason": "x"}
    )
    assert response.status_code == 200  # the form's answer, naming what is wrong
    assert "P-404" in response.content.decode()
    assert installed(parent_usid="C-2", component="psu") == [("C-2", "psu", "P-2", None)]
