"""A part form sent with a mistake keeps the files that passed their checks for the next try,
says which to choose again, and the edit form names files as they were uploaded."""

import pytest
from django.urls import reverse

from parts.models import ModelPart
from tests.parts.media_files import image_upload, stored_files, video_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def draft_root(settings, tmp_path):
    settings.PART_DRAFT_ROOT = tmp_path / "drafts"
    return settings.PART_DRAFT_ROOT


def bad_video():
    fake = video_upload("testing.mp4", "webm")
    fake.file.seek(0)
    fake.file.write(b"#!/bin/sh\n")
    fake.file.seek(0)
    return fake


def first_try(client):
    return client.post(
        reverse("parts:create"),
        {
            "model_no": "EICS112",
            "part_no": "EICS112_Part",
            "form_image": image_upload("filled form.jpg", "JPEG"),
            "part_image": image_upload("board.png"),
            "qc_video": video_upload("qc how-to.webm", "webm"),
            "testing_video": bad_video(),
        },
    )


def kept_tokens(response):
    form = response.context["form"]
    return {f"{name}_kept": token for name, (token, _name) in form.kept.items()}


def test_a_bad_video_keeps_the_good_files_and_says_which_to_choose_again(
    client_for, engineer, media_root, draft_root
):
    response = first_try(client_for(engineer))

    html = response.content.decode()
    assert ModelPart.objects.count() == 0 and stored_files(media_root) == []
    assert "Choose again: Testing video" in html
    assert "filled form.jpg" in html and "board.png" in html and "qc how-to.webm" in html
    assert set(kept_tokens(response)) == {"form_image_kept", "part_image_kept", "qc_video_kept"}
    assert len(list(draft_root.iterdir())) == 3


def test_the_next_try_with_only_the_fixed_video_saves_every_file(
    client_for, engineer, media_root, draft_root
):
    client = client_for(engineer)
    tokens = kept_tokens(first_try(client))

    second = client.post(
        reverse("parts:create"),
        {
            "model_no": "EICS112",
            "part_no": "EICS112_Part",
            "testing_video": video_upload("testing.mp4", "mp4"),
            **tokens,
        },
    )

    assert second.status_code == 302
    part = ModelPart.objects.get()
    assert part.form_image and part.part_image and part.qc_video and part.testing_video
    uploaded = {
        name: change.get("uploaded_as") for name, change in part.changes.get().changes.items()
    }
    assert uploaded["qc_video"] == "qc how-to.webm"
    assert list(draft_root.iterdir()) == []  # the kept files are gone once used


def test_a_kept_file_is_not_given_to_another_person(client_for, engineer, make_user, media_root):
    tokens = kept_tokens(first_try(client_for(engineer)))
    other = client_for(make_user("Engineer"))

    other.post(
        reverse("parts:create"),
        {"model_no": "EICS112", "part_no": "EICS112_Part", **tokens},
    )

    part = ModelPart.objects.get()
    assert not part.form_image and not part.qc_video


def test_a_forged_token_is_ignored(client_for, engineer):
    client_for(engineer).post(
        reverse("parts:create"),
        {"model_no": "EICS112", "part_no": "EICS112_Part", "qc_video_kept": "forged:../../x"},
    )

    assert not ModelPart.objects.get().qc_video


def test_the_edit_form_shows_files_by_the_names_they_were_uploaded_with(
    client_for, engineer, make_part
):
    part = make_part(with_media=True)

    html = client_for(engineer).get(reverse("parts:edit", args=[part.pk])).content.decode()

    assert ">qc.webm<" in html and ">test.mp4<" in html and ">part.png<" in html
    assert f">{part.qc_video.name}<" not in html
    assert part.qc_video.url in html
