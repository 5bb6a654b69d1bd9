"""Scans through the scan API are held to qualifications like badge scans: a scan names its
operator (``"operator"``: the email they sign in with); at a limited station or stage an
operator who is not qualified, or whose qualification has expired, is refused and nothing is
written, and a scan naming nobody is refused too. A station no rule limits costs no query."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shopfloor.operators.models import Qualification, QualificationRule
from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import ScanEvent

pytestmark = pytest.mark.django_db


def today(days=0):
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def send(client, station):
    """POST a scan with the token of ``station`` (SMD-1)."""
    token = api_token_issue(name=station.name, station=station)[1]

    def post(body, **headers):
        return client.post(
            "/api/v1/scans",
            json.dumps({"stage": "smd", **body}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", **headers},
        )

    return post


@pytest.fixture
def limited(station, engineer):
    return QualificationRule.objects.create(station=station, created_by=engineer)


def test_an_api_scan_by_an_unqualified_operator_is_refused_and_writes_nothing(send, limited, ana):
    answer = send({"usid": "U1", "operator": ana.email})

    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "not_qualified"
    assert "Not qualified for station SMD-1" in error["message"]
    assert not ScanEvent.objects.exists()


def test_an_expired_qualification_is_refused_and_a_valid_one_records_the_operator(
    send, limited, ana
):
    qualification = Qualification.objects.create(user=ana, rule=limited, expires_on=today(-1))
    expired = send({"usid": "U1", "operator": ana.email})
    qualification.expires_on = today()
    qualification.save()
    valid = send({"usid": "U1", "operator": ana.email.upper()})

    assert expired.status_code == 409 and expired.json()["error"]["code"] == "not_qualified"
    assert valid.status_code == 201 and valid.json()["status"] == "recorded"
    event = ScanEvent.objects.get()
    assert (event.usid, event.user, event.source) == ("U1", ana, "api")


def test_a_limited_stage_of_the_part_refuses_the_unqualified_operator_through_the_api(
    send, station, part, ana, ben, engineer
):
    rule = QualificationRule.objects.create(part=part, stage="smd", created_by=engineer)
    Qualification.objects.create(user=ben, rule=rule, expires_on=today(5))

    refused = send({"usid": "U1", "operator": ana.email})
    recorded = send({"usid": "U2", "operator": ben.email})

    assert refused.json()["error"]["code"] == "not_qualified"
    assert "stage smd of EICS112_Part" in refused.json()["error"]["message"]
    assert recorded.status_code == 201
    assert list(ScanEvent.objects.values_list("usid", "user")) == [("U2", ben.pk)]


def test_an_api_scan_naming_no_operator_at_a_limited_station_is_refused(send, limited):
    answer = send({"usid": "U1"}, **{"Accept-Language": "es"})

    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "operator_required"
    assert "limitados a operadores calificados" in error["message"]
    assert not ScanEvent.objects.exists()


@pytest.mark.parametrize(
    "operator", ["nobody@plant.example", 42, "x" * 300, "ana\x00@plant.example", "\udb19"]
)
def test_an_operator_who_is_not_an_active_account_is_refused_as_invalid(send, operator, ana):
    answer = send({"usid": "U1", "operator": operator})

    assert answer.status_code == 400
    assert "operator" in answer.json()["error"]["fields"]
    assert not ScanEvent.objects.exists()


def test_a_station_no_rule_limits_scans_without_reading_any_rule(send, ana):
    send({"usid": "U0"})  # the token's first use reads it, with its station
    with CaptureQueriesContext(connection) as queries:
        plain = send({"usid": "U1"})
        named = send({"usid": "U2", "operator": ana.email})

    assert plain.status_code == 201 and named.status_code == 201
    rule_table = QualificationRule._meta.db_table
    assert not [query for query in queries if rule_table in query["sql"]]
    assert ScanEvent.objects.get(usid="U2").user == ana


def test_a_device_token_scan_is_held_to_the_rule_of_its_stage_and_junk_is_refused_plainly(
    client, part, ana, engineer
):
    QualificationRule.objects.create(part=part, stage="smd", created_by=engineer)
    token = api_token_issue(name="rig-1")[1]

    def post(body):
        return client.post(
            "/api/v1/scans",
            json.dumps({"part_no": part.part_no, **body}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    unnamed = post({"usid": "U1", "stage": "smd"})
    unqualified = post({"usid": "U1", "stage": "smd", "operator": ana.email})
    junk = post({"usid": "U1", "stage": "sm\x00d", "part_no": "EICS\x00"})

    assert unnamed.json()["error"]["code"] == "operator_required"
    assert unqualified.json()["error"]["code"] == "not_qualified"
    assert junk.status_code == 400 and "stage" in junk.json()["error"]["fields"]
    assert not ScanEvent.objects.exists()


def test_a_token_without_a_station_reads_no_rule_where_none_limits_the_stage_and_a_new_one_holds_at_once(  # noqa: E501
    client, part, ana, engineer
):
    QualificationRule.objects.create(part=part, stage="qc", created_by=engineer)
    token = api_token_issue(name="rig-2")[1]

    def post(body):
        return client.post(
            "/api/v1/scans",
            json.dumps({"part_no": part.part_no, "stage": "smd", **body}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    post({"usid": "U0"})  # the token's first use reads it, and the limited stages
    with CaptureQueriesContext(connection) as queries:
        plain = post({"usid": "U1"})

    rule_table = QualificationRule._meta.db_table
    assert plain.status_code == 201
    assert not [query for query in queries if rule_table in query["sql"]]

    QualificationRule.objects.create(part=part, stage="smd", created_by=engineer)
    unnamed = post({"usid": "U2"})

    assert unnamed.json()["error"]["code"] == "operator_required"
    assert not ScanEvent.objects.filter(usid="U2").exists()
