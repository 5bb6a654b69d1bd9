"""Part media is private, served with the right type, and videos can be seeked (HTTP Range)."""

import pytest
from django.urls import reverse

from parts.media import check_image, check_video
from tests.parts.media_files import image_bytes, image_upload, video_bytes, video_upload

pytestmark = pytest.mark.django_db


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def part(make_part):
    return make_part(
        part_image=check_image(image_upload("board.png")),
        qc_video=check_video(video_upload("qc.mp4", "mp4")),
        testing_video=check_video(video_upload("test.webm", "webm")),
    )


def test_a_signed_out_visitor_gets_no_media_file_only_the_sign_in_page(client, part):
    response = client.get(part.qc_video.url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert video_bytes("mp4")[:64] not in body_of(response)


def test_an_account_without_a_role_is_refused_media(client_for, make_user, part):
    response = client_for(make_user()).get(part.part_image.url)

    assert response.status_code == 403


@pytest.mark.parametrize("role", ["Operator", "Supervisor", "Engineer"])
def test_signed_in_roles_get_the_image_with_its_real_type(client_for, make_user, part, role):
    response = client_for(make_user(role)).get(part.part_image.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert body_of(response) == image_bytes("PNG")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"].startswith("private")


def test_thumbnails_are_served_as_webp(client_for, operator, part):
    response = client_for(operator).get(part.part_image_thumbnail.url)

    assert response["Content-Type"] == "image/webp"
    assert body_of(response)[8:12] == b"WEBP"


@pytest.mark.parametrize(
    ("field", "content_type", "container"),
    [("qc_video", "video/mp4", "mp4"), ("testing_video", "video/webm", "webm")],
)
def test_a_range_request_gets_206_with_exactly_those_bytes(
    client_for, operator, part, field, content_type, container
):
    content = video_bytes(container)

    response = client_for(operator).get(
        getattr(part, field).url, headers={"Range": "bytes=100-599"}
    )

    assert response.status_code == 206
    assert response["Content-Type"] == content_type
    assert response["Content-Range"] == f"bytes 100-599/{len(content)}"
    assert response["Content-Length"] == "500"
    assert body_of(response) == content[100:600]


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=1000-", 1000, None), ("bytes=-200", -200, None), ("bytes=0-", 0, None)],
    ids=["from-offset", "last-bytes", "whole-as-range"],
)
def test_open_ended_and_suffix_ranges_are_honoured(client_for, operator, part, header, start, end):
    content = video_bytes("mp4")
    expected = content[start:end]

    response = client_for(operator).get(part.qc_video.url, headers={"Range": header})

    assert response.status_code == 206
    assert body_of(response) == expected
    first = len(content) + start if start < 0 else start
    assert response["Content-Range"] == f"bytes {first}-{len(content) - 1}/{len(content)}"


def test_a_range_past_the_end_is_refused_with_416_and_the_size(client_for, operator, part):
    size = len(video_bytes("mp4"))

    response = client_for(operator).get(part.qc_video.url, headers={"Range": f"bytes={size + 10}-"})

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


@pytest.mark.parametrize("header", ["bytes=0-10,20-30", "lines=1-2", "bytes=abc"])
def test_unsupported_or_malformed_ranges_get_the_whole_file(client_for, operator, part, header):
    response = client_for(operator).get(part.qc_video.url, headers={"Range": header})

    assert response.status_code == 200
    assert body_of(response) == video_bytes("mp4")
    assert response["Accept-Ranges"] == "bytes"


def test_a_range_for_an_older_version_gets_the_whole_current_file(client_for, operator, part):
    response = client_for(operator).get(
        part.qc_video.url, headers={"Range": "bytes=0-99", "If-Range": '"stale-etag"'}
    )

    assert response.status_code == 200
    assert body_of(response) == video_bytes("mp4")


def test_a_cached_copy_is_confirmed_with_304(client_for, operator, part):
    client = client_for(operator)
    etag = client.get(part.part_image.url)["ETag"]

    response = client.get(part.part_image.url, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert body_of(response) == b""


def test_head_tells_size_and_type_without_the_body(client_for, operator, part):
    response = client_for(operator).head(part.testing_video.url)

    assert response.status_code == 200
    assert response["Content-Length"] == str(len(video_bytes("webm")))
    assert response["Content-Type"] == "video/webm"
    assert body_of(response) == b""


def test_files_no_part_points_at_are_not_served(client_for, operator, part, media_root):
    (media_root / "parts" / "stray.png").write_bytes(image_bytes("PNG"))
    (media_root / "secret.txt").write_text("not for stations")
    client = client_for(operator)

    assert client.get("/media/parts/stray.png").status_code == 404
    assert client.get("/media/secret.txt").status_code == 404
    assert client.get("/media/../shopfloor/settings.py").status_code == 404
    assert client.get("/media/parts/%2e%2e/%2e%2e/etc/passwd").status_code == 404


def test_with_x_accel_redirect_the_app_only_checks_access_and_hands_over_to_nginx(
    client_for, operator, part, settings
):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"

    response = client_for(operator).get(part.qc_video.url, headers={"Range": "bytes=0-99"})

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{part.qc_video.name}"
    assert response["Content-Type"] == "video/mp4"
    assert body_of(response) == b""


def test_x_accel_redirect_still_refuses_signed_out_visitors(client, part, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"

    response = client.get(part.qc_video.url)

    assert response.status_code == 302
    assert "X-Accel-Redirect" not in response
