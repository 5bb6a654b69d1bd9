"""An engineer sets a part up in a real browser; its videos play and seek."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from parts.media import check_image, check_video
from parts.models import ModelPart
from parts.services import part_create
from tests.conftest import PASSWORD
from tests.parts.media_files import image_bytes, video_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Plays a video for half a second, then seeks to 3 s; answers where it is and whether it can show.
PLAY_AND_SEEK = """async video => {
    video.muted = true;
    await video.play();
    await new Promise(done => {
        const check = () => video.currentTime > 0.5 ? done() : setTimeout(check, 50);
        check();
    });
    video.pause();
    const seeked = new Promise(done => video.addEventListener("seeked", done, {once: true}));
    video.currentTime = 3;
    await seeked;
    return {time: video.currentTime, duration: video.duration,
            readyState: video.readyState, error: video.error && video.error.code};
}"""


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PART_DRAFT_ROOT = tmp_path / "drafts"
    return settings.MEDIA_ROOT


def test_engineer_uploads_an_image_and_videos_and_both_videos_play_and_seek(
    sign_in_as, engineer, live_server
):
    page = sign_in_as(engineer, PASSWORD)
    video_statuses = []

    def record_video_response(response):
        if response.request.resource_type == "media" and "/media/parts/" in response.url:
            video_statuses.append(response.status)

    page.on("response", record_video_response)
    page.goto(f"{live_server.url}/parts/new/")
    page.locator("#id_model_no").fill("EICS112")
    page.locator("#id_part_no").fill("EICS112_Part")
    page.locator("#id_part_image").set_input_files(
        {"name": "board.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("JPEG", (800, 600))}
    )
    page.locator("#id_qc_video").set_input_files(
        {"name": "qc.webm", "mimeType": "video/webm", "buffer": video_bytes("webm", seconds=4)}
    )
    page.locator("#id_testing_video").set_input_files(
        {"name": "test.mp4", "mimeType": "video/mp4", "buffer": video_bytes("mp4", seconds=4)}
    )
    page.get_by_role("button", name="Save part").click()

    page.wait_for_url(re.compile(r"/parts/\d+/$"))
    assert page.url == f"{live_server.url}/parts/{ModelPart.objects.get().pk}/"
    expect(page.get_by_text("Part EICS112_Part is saved.")).to_be_visible()
    thumbnail = page.get_by_test_id("image-part_image").locator("img")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth") == 320

    for field in ("qc_video", "testing_video"):
        video = page.get_by_test_id(f"video-{field}").locator("video")
        played = video.evaluate(PLAY_AND_SEEK)

        assert played["error"] is None, field
        assert played["duration"] == pytest.approx(4, abs=0.2), field
        assert played["time"] == pytest.approx(3, abs=0.2), field
        assert played["readyState"] >= 2, field  # the frame at the sought position is shown
    assert 206 in video_statuses  # the browser fetched the videos in ranges


def test_the_part_form_flags_a_taken_part_no_and_a_fake_image_without_reloading(
    sign_in_as, engineer, live_server, media_root
):
    part_create(created_by=engineer, model_no="EICS112", part_no="EICS112_Part")
    page = sign_in_as(engineer, PASSWORD)
    page.goto(f"{live_server.url}/parts/new/")
    page.evaluate("window.sameDocument = true")

    page.locator("#id_model_no").fill("EICS200")
    page.locator("#id_part_no").fill("  eics112_part ")
    page.locator("#id_part_no").blur()
    expect(page.locator("#field-part_no")).to_contain_text(
        "already used by part EICS112_Part (model EICS112)"
    )

    page.locator("#id_part_no").fill("EICS200_Part")
    page.locator("#id_part_image").set_input_files(
        {"name": "board.png", "mimeType": "image/png", "buffer": b"<html><script>x()</script>"}
    )
    page.get_by_role("button", name="Save part").click()

    expect(page.locator("#field-part_image")).to_contain_text("HTML, SVG or other markup")
    assert page.evaluate("window.sameDocument") is True  # no page reload
    assert ModelPart.objects.count() == 1
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_a_refused_video_keeps_the_other_files_for_the_next_try(sign_in_as, engineer, live_server):
    page = sign_in_as(engineer, PASSWORD)
    page.goto(f"{live_server.url}/parts/new/")
    page.locator("#id_model_no").fill("EICS112")
    page.locator("#id_part_no").fill("EICS112_Part")
    page.locator("#id_form_image").set_input_files(
        {"name": "form.png", "mimeType": "image/png", "buffer": image_bytes("PNG", (400, 300))}
    )
    page.locator("#id_part_image").set_input_files(
        {"name": "board.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("JPEG", (800, 600))}
    )
    page.locator("#id_qc_video").set_input_files(
        {"name": "qc.webm", "mimeType": "video/webm", "buffer": video_bytes("webm", seconds=2)}
    )
    page.locator("#id_testing_video").set_input_files(
        {"name": "test.mp4", "mimeType": "video/mp4", "buffer": b"#!/bin/sh\nnot a video\n" * 50}
    )
    page.get_by_role("button", name="Save part").click()

    kept = page.get_by_test_id("kept-files")
    expect(kept).to_contain_text("Choose again: Testing video")
    expect(kept).to_contain_text("board.jpg")
    page.locator("#id_testing_video").set_input_files(
        {"name": "test.mp4", "mimeType": "video/mp4", "buffer": video_bytes("mp4", seconds=2)}
    )
    page.get_by_role("button", name="Save part").click()
    page.wait_for_url(re.compile(r"/parts/\d+/$"))

    part = ModelPart.objects.get()
    assert all([part.form_image, part.part_image, part.qc_video, part.testing_video])


@pytest.mark.parametrize("field", ["part_image", "qc_video"])
def test_an_uploaded_file_opened_on_its_own_shows_without_an_error(
    sign_in_as, engineer, live_server, field
):
    part = part_create(
        created_by=engineer,
        model_no="EICS112",
        part_no="EICS112_Part",
        part_image=check_image(SimpleUploadedFile("board.png", image_bytes("PNG", (640, 480)))),
        qc_video=check_video(SimpleUploadedFile("qc.webm", video_bytes("webm", seconds=2))),
    )
    page = sign_in_as(engineer, PASSWORD)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    response = page.goto(f"{live_server.url}{getattr(part, field).url}")
    page.wait_for_load_state("load")

    assert response.status == 200
    assert errors == []
