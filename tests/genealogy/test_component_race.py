"""Two parents installing the same child at the same moment, through real HTTP on PostgreSQL."""

import pytest
from django.db import connection

from shopfloor.genealogy.models import Installation
from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import ScanEvent
from tests.genealogy.genealogy_support import Line
from tests.support.load_client import JsonClient, all_at_once

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent connections to one database; SQLite serialises writers",
    ),
    pytest.mark.django_db(transaction=True),
]
PARENTS = 8


def test_one_of_many_parents_installing_the_same_child_at_once_wins(live_server, engineer):
    line = Line(engineer)
    line.finished_psu("PSU-1")
    parents = [line.controller_at_assembly(f"C-{n}") for n in range(PARENTS)]
    token = api_token_issue(name="rig-race")[1]
    clients = [JsonClient(live_server.url, token) for _parent in parents]
    try:
        answers = all_at_once(
            [
                lambda c=c, p=p: c.post(
                    "/api/v1/scans",
                    {"usid": p, "stage": "assembly", "components": {"psu": "PSU-1", "paste": "L1"}},
                )
                for c, p in zip(clients, parents, strict=True)
            ]
        )
    finally:
        for client in clients:
            client.close()
    statuses = sorted(status for status, _body in answers)
    assert statuses == [201] + [409] * (PARENTS - 1), answers
    for status, body in answers:
        if status == 409:
            assert body["error"]["code"] == "component"
            assert "PSU-1" in body["error"]["fields"]["components.psu"]
    winner = next(body["usid"] for status, body in answers if status == 201)
    assert list(
        Installation.objects.filter(child_usid="PSU-1").values_list("parent_usid", flat=True)
    ) == [winner]
    # The losers' scans wrote nothing: no event, no lot installed, the stage not done.
    assert list(ScanEvent.objects.filter(stage="assembly").values_list("usid", flat=True)) == [
        winner
    ]
    assert Installation.objects.count() == 2
    done = line.controller.unit_model().objects.filter(is_assembly=True)
    assert list(done.values_list("usid", flat=True)) == [winner]
