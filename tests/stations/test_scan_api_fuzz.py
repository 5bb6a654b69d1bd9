"""Fuzzing the scan API: whatever a client sends, the answer is JSON with a clear error (never a
500), and a refused scan writes nothing; a recorded one writes exactly one event."""

import json
import os
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import DefectReason, ScanEvent, Station, UnitRegistration
from tests.stations.scan_support import part_with_procedure
from tests.support.hostile import json_values, nasty_names

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ANSWERS = {200, 201, 400, 401, 403, 404, 405, 409}
PART_NO = "EICS112_Part"

nasty = nasty_names
usids = st.sampled_from(["U1", "U2", "U3", " U1\r\n", "U1\t"]) | nasty | json_values
stages = st.sampled_from(["smd", "leaded", "qc", "dispatch", "testing", "QC"]) | nasty
fields = {
    "usid": usids,
    "stage": stages,
    "result": st.sampled_from(["pass", "fail", "", "PASS"]) | json_values,
    "part_no": st.sampled_from([PART_NO, "NOPE_Part"]) | nasty | json_values,
    "tag_no": st.sampled_from(["T1", "T2"]) | nasty | json_values,
    "defect": st.sampled_from(["solder_bridge", "gremlins"]) | nasty | json_values,
    "station": st.sampled_from(["QC-1", "Nowhere"]) | nasty | json_values,
}
scan_bodies = st.fixed_dictionaries({}, optional=fields).flatmap(
    lambda body: st.dictionaries(nasty | st.text(max_size=8), json_values, max_size=2).map(
        lambda extra: {**extra, **body}
    )
)
raw_bodies = st.one_of(
    scan_bodies.map(lambda body: json.dumps(body).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=300),
    st.sampled_from([b"", b"{", b"[" * 3000, b'{"usid": "U1", "usid": 5}', b"\xff\xfe{}"]),
)
authorizations = st.one_of(
    st.just("valid"),
    st.just("valid"),
    st.sampled_from(["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer sf_" + "A" * 43]),
    st.text(max_size=40).map(lambda text: f"Bearer {text}"),
    nasty.map(lambda text: f"Bearer {text}"),
)


@pytest.fixture
def line(engineer):
    part = part_with_procedure(engineer, part_no=PART_NO)
    DefectReason.objects.get_or_create(code="solder_bridge", defaults={"label": "Solder bridge"})
    Station.objects.create(name="QC-1", line="Line A", stage="qc")
    token = api_token_issue(name="fuzz-rig", may_read=True)[1]
    return part, token


def written(part):
    return (
        ScanEvent.objects.count(),
        UnitRegistration.objects.count(),
        part.unit_model().objects.count(),
    )


def assert_clear_json(response):
    assert response.status_code in ANSWERS, response.content[:500]
    body = response.json()
    if response.status_code >= 400:
        error = body["error"]
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["message"], str) and error["message"].strip()
    return body


def _authorization(choice, token):
    return f"Bearer {token}" if choice == "valid" else choice


@FUZZ
@given(body=raw_bodies, authorization=authorizations)
def test_any_scan_request_is_answered_in_json_and_a_refusal_writes_nothing(
    client, line, body, authorization
):
    part, token = line
    before = written(part)
    headers = {}
    if authorization:
        headers["Authorization"] = _authorization(authorization, token)

    response = client.post(
        "/api/v1/scans", data=body, content_type="application/json", headers=headers
    )

    answer = assert_clear_json(response)
    events, registrations, rows = written(part)
    if response.status_code == 201:
        assert events == before[0] + 1
        assert (registrations - before[1], rows - before[2]) in {(0, 0), (1, 1)}
        assert ScanEvent.objects.filter(pk=answer["event_id"], usid=answer["usid"]).exists()
    else:
        assert (events, registrations, rows) == before


@FUZZ
@given(name=nasty | st.text(max_size=70), authorization=authorizations)
def test_any_unit_or_part_name_in_the_read_urls_is_answered_in_json(
    client, line, name, authorization
):
    _part, token = line
    headers = {"Authorization": _authorization(authorization, token)} if authorization else {}
    encoded = quote(name.encode("utf-8", "surrogatepass"), safe="")

    for path in (f"/api/v1/units/{encoded}", f"/api/v1/parts/{encoded}/summary"):
        assert_clear_json(client.get(path, headers=headers))


# What the fuzzing found: each was a 500 before.


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("station", "\x00", "control character NUL"),
        ("part_no", "EICS\x00", "control character NUL at position 5"),
        ("part_no", "\ud800", "U+D800"),
        ("defect", "solder\x00", "control character NUL"),
        ("station", "x" * 10_000, "10000 characters long; at most 60"),
    ],
)
def test_control_characters_in_a_name_are_refused_naming_the_field(api, line, field, value, words):
    _part, token = line
    body = {"usid": "U1", "stage": "smd", field: value}
    if field == "defect":
        body["result"] = "fail"

    response = api.post(body, token=token)

    assert response.status_code == 400
    assert words in response.json()["error"]["fields"][field]
    assert not ScanEvent.objects.exists() and not UnitRegistration.objects.exists()


@pytest.mark.parametrize(
    "path", ["/api/v1/units/U1%0AU2", "/api/v1/parts/P%00/summary", "/api/v1/units/%0A%0A"]
)
def test_line_breaks_and_nul_in_a_read_url_are_answered_in_json(api, line, path):
    _part, token = line

    response = api.get(path, token=token)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("usid", ["%0A%0AU1", "x" * 300])  # a NUL: tests/test_hostile_requests
def test_a_unit_page_for_text_that_cannot_be_a_usid_says_it_is_not_registered(
    client_for, supervisor, line, usid
):
    client = client_for(supervisor)

    page = client.get(f"/dashboards/units/{usid}/", follow=True)
    hold = client.post(f"/stations/units/{usid}/hold/", {"reason": "check"}, follow=True)

    assert page.status_code == 404 and "is registered" in page.content.decode()
    assert hold.status_code == 404 and "is registered" in hold.content.decode()
    assert not ScanEvent.objects.exists()
