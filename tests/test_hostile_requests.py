"""Requests that used to end in a 500: each gets a 4xx with a plain reason, on both databases."""

import pytest
from django.test import Client

from parts.media import check_image, check_video
from parts.services import part_create
from procedures.services import procedure_apply
from shopfloor.stations.models import ScanEvent, Station
from tests.parts.media_files import image_upload, video_bytes, video_upload
from tests.stations.scan_support import PROCEDURE, scan

pytestmark = pytest.mark.django_db

HUGE_NUMBER = "9" * 5000


@pytest.fixture
def part(engineer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    part = part_create(
        created_by=engineer,
        model_no="EICS112",
        part_no="EICS112_Part",
        part_image=check_image(image_upload("part.png")),
        qc_video=check_video(video_upload("qc.mp4", "mp4")),
    )
    procedure_apply(part=part, config=PROCEDURE, user=engineer)
    scan("U1", "smd", part_no=part.part_no)
    return part


@pytest.fixture
def signed_in(engineer):
    client = Client(raise_request_exception=False)
    client.force_login(engineer)
    return client


def station_of(part):
    station = Station.objects.create(name="QC-1", line="Line A", stage="qc")
    station.parts.add(part)
    return station


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize(
    "header",
    [f"bytes={HUGE_NUMBER}-", f"bytes=0{HUGE_NUMBER}-1", f"bytes=1-{HUGE_NUMBER}0"],
)
def test_a_range_starting_past_any_file_with_thousands_of_digits_is_unsatisfiable(
    signed_in, part, header
):
    response = signed_in.get(part.qc_video.url, headers={"Range": header})

    if header.startswith(f"bytes={HUGE_NUMBER}") or header.startswith("bytes=0" + HUGE_NUMBER):
        assert response.status_code == 416
        assert response["Content-Range"] == f"bytes */{len(video_bytes('mp4'))}"
    else:  # an end past the file is the rest of the file (RFC 9110)
        assert response.status_code == 206
        assert body_of(response) == video_bytes("mp4")[1:]


def test_a_suffix_range_of_thousands_of_digits_is_the_whole_file(signed_in, part):
    response = signed_in.get(part.qc_video.url, headers={"Range": f"bytes=-{HUGE_NUMBER}"})

    assert response.status_code == 206
    assert body_of(response) == video_bytes("mp4")


@pytest.mark.parametrize(
    "url",
    [
        "/parts/?q=EICS\x00",
        "/parts/?model=EICS112\x00",
        "/parts/?q=%00",
        "/parts/?page=1%00",
        "/media/parts/x\x00.png",
        "/media/%00",
        "/stations/units/U1%00/",
        "/dashboards/units/U1%00/",
        "/dashboards/parts/1/?q=U1%00",
        "/dashboards/?parts=%00",
        "/api/v1/units/U1%00",
    ],
)
def test_a_nul_character_anywhere_in_the_address_is_refused_with_400(signed_in, part, url):
    response = signed_in.get(url)

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_the_scan_api_refuses_a_nul_in_its_address_in_json(part):
    response = Client().get("/api/v1/units/U1%00", headers={"Authorization": "Bearer x"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "NUL" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("start", "end"),
    [("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-01"), ("9999-12-30", "9999-12-31")],
)
def test_days_at_the_edge_of_the_calendar_are_refused_with_a_message(signed_in, part, start, end):
    response = signed_in.get(f"/dashboards/parts/{part.pk}/", {"start": start, "end": end})

    assert response.status_code == 200
    assert "Choose days between" in response.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        b"code=U2%00&result=pass",  # the value, as a browser encodes it
        b"code=U2\x00&result=pass",  # the value, the byte as it is
        b"co%00de=U2&result=pass",  # a field's name
        b"code=U2&result=pass&%00=x",  # a field of its own
    ],
)
def test_a_nul_in_a_posted_scan_is_refused_and_nothing_recorded(client_for, operator, part, body):
    station = station_of(part)
    client = client_for(operator)
    client.raise_request_exception = False
    before = ScanEvent.objects.count()

    response = client.post(
        f"/stations/{station.pk}/scan/",
        body,
        content_type="application/x-www-form-urlencoded",
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert ScanEvent.objects.count() == before


def test_a_posted_scan_whose_text_spells_a_percent_sign_is_not_taken_for_a_nul(
    client_for, operator, part
):
    station = station_of(part)
    client = client_for(operator)

    response = client.post(
        f"/stations/{station.pk}/scan/",
        b"code=U1%2500&result=pass",  # the code "U1%00": a percent sign, no NUL
        content_type="application/x-www-form-urlencoded",
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 200
    assert response.json()["status"] == "refused"
