"""Engineers list, search, filter, create, edit, archive and restore parts in the browser."""

import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from parts.media import check_image
from parts.models import ModelPart
from parts.services import part_archive
from tests.parts.media_files import image_bytes, image_upload, stored_files, video_upload

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def part_form_data(**overrides):
    data = {"model_no": "EICS112", "part_no": "EICS112_Part"}
    data.update(overrides)
    return data


# Listing, searching, filtering, paging


def test_list_shows_active_parts_with_thumbnails(client_for, operator, make_part):
    part = make_part(part_image=check_image(image_upload()))

    body = client_for(operator).get(reverse("parts:list")).content.decode()

    assert part.part_no in body
    assert part.part_image_thumbnail.url in body
    assert part.part_image.url not in body  # lists load the small picture only


@pytest.mark.parametrize("search", ["eics2", "PART_B", "  part_b  "])
def test_search_matches_model_no_or_part_no_ignoring_case(client_for, operator, make_part, search):
    make_part("EICS1_Part_A", model_no="EICS1")
    make_part("EICS2_Part_B", model_no="EICS2")

    response = client_for(operator).get(reverse("parts:list"), {"q": search})

    parts = [part.part_no for part in response.context["page"]]
    assert parts == ["EICS2_Part_B"]


def test_filter_by_model_lists_that_models_parts_only(client_for, operator, make_part):
    make_part("EICS1_Part_A", model_no="EICS1")
    make_part("EICS1_Part_C", model_no="EICS1")
    make_part("EICS2_Part_B", model_no="EICS2")

    response = client_for(operator).get(reverse("parts:list"), {"model": "EICS1"})

    assert [part.part_no for part in response.context["page"]] == ["EICS1_Part_A", "EICS1_Part_C"]
    assert response.context["model_numbers"] == ["EICS1", "EICS2"]


def test_list_is_paginated_and_search_keeps_its_query_across_pages(client_for, engineer, make_part):
    for number in range(30):
        make_part(f"P{number:02}", model_no="M1")
    client = client_for(engineer)

    first = client.get(reverse("parts:list"), {"model": "M1"})
    second = client.get(reverse("parts:list"), {"model": "M1", "page": 2})

    assert len(first.context["page"]) == 25
    assert [part.part_no for part in second.context["page"]] == [f"P{n}" for n in range(25, 30)]
    assert "?model=M1&amp;page=2" in first.content.decode()
    assert "Page 1 of 2 · 30 parts" in first.content.decode()


def test_search_from_htmx_returns_only_the_results_partial(client_for, operator, make_part):
    make_part("EICS1_Part_A")

    response = client_for(operator).get(
        reverse("parts:list"), {"q": "part_a"}, headers={**HTMX, "HX-Target": "part-results"}
    )

    body = response.content.decode()
    assert "<html" not in body
    assert body.strip().startswith('<div id="part-results"')
    assert "EICS1_Part_A" in body


def test_archived_parts_leave_the_active_list_and_show_in_the_archived_list(
    client_for, engineer, make_part
):
    archived = part_archive(part=make_part("OLD_Part", model_no="OLD"), archived_by=engineer)
    make_part("NEW_Part", model_no="NEW")
    client = client_for(engineer)

    active = client.get(reverse("parts:list"))
    archived_list = client.get(reverse("parts:list"), {"archived": "1"})

    assert [part.part_no for part in active.context["page"]] == ["NEW_Part"]
    assert active.context["model_numbers"] == ["NEW"]
    assert [part.part_no for part in archived_list.context["page"]] == [archived.part_no]


def test_operators_cannot_open_the_archived_list(client_for, operator):
    response = client_for(operator).get(reverse("parts:list"), {"archived": "1"})

    assert response.status_code == 403


# Creating and editing


def test_engineer_creates_a_part_with_images_and_videos(client_for, engineer, media_root):
    data = part_form_data(
        part_image=image_upload("board.jpg", "JPEG"),
        form_image=image_upload("form.png"),
        qc_video=video_upload("qc.webm", "webm"),
        testing_video=video_upload("test.mp4", "mp4"),
    )

    response = client_for(engineer).post(reverse("parts:create"), data)

    part = ModelPart.objects.get()
    assert response.status_code == 302 and response.url == part.get_absolute_url()
    assert part.part_image.name.endswith(".jpg") and part.testing_video.name.endswith(".mp4")
    assert len(stored_files(media_root)) == 6  # 4 files and 2 thumbnails
    assert part.changes.get().changed_by == engineer


def test_htmx_submit_redirects_the_browser_to_the_new_part(client_for, engineer):
    response = client_for(engineer).post(reverse("parts:create"), part_form_data(), headers=HTMX)

    part = ModelPart.objects.get()
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == part.get_absolute_url()


def test_a_disguised_image_is_refused_inline_and_nothing_is_stored(
    client_for, engineer, media_root
):
    data = part_form_data(
        part_image=image_upload("board.png"),
        form_image=video_upload("form.png", "webm"),
    )

    response = client_for(engineer).post(reverse("parts:create"), data, headers=HTMX)

    body = response.content.decode()
    assert response.status_code == 200  # htmx swaps the form with its messages
    assert "<html" not in body and 'id="part-form"' in body
    assert "not a JPEG, PNG or WebP image" in body
    assert ModelPart.objects.count() == 0
    assert stored_files(media_root) == []


def test_a_text_file_posing_as_a_video_is_refused_and_nothing_is_stored(
    client_for, engineer, media_root
):
    fake = video_upload("qc.mp4", "webm")
    fake.file.seek(0)
    fake.file.write(b"#!/bin/sh\nrm -rf /\n")
    fake.file.seek(0)

    response = client_for(engineer).post(reverse("parts:create"), part_form_data(qc_video=fake))

    assert "not an MP4 or WebM video" in response.content.decode()
    assert ModelPart.objects.count() == 0
    assert stored_files(media_root) == []


def test_the_form_names_the_part_that_already_uses_the_part_no(client_for, engineer, make_part):
    make_part("EICS112_Part", model_no="EICS112")

    response = client_for(engineer).post(
        reverse("parts:create"), part_form_data(part_no=" eics112_part ", model_no="X")
    )

    assert "already used by part EICS112_Part (model EICS112)" in response.content.decode()
    assert ModelPart.objects.count() == 1


def test_part_no_is_checked_as_it_changes_without_sending_the_form(client_for, engineer, make_part):
    make_part("EICS112_Part", model_no="EICS112")

    response = client_for(engineer).post(
        reverse("parts:create"),
        {"_validate": "part_no", "part_no": "EICS112_PART", "model_no": ""},
        headers=HTMX,
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.strip().startswith('<div id="field-part_no">')
    assert "already used by part EICS112_Part (model EICS112)" in body
    assert 'id="id_model_no"' not in body  # only the field that changed comes back
    assert ModelPart.objects.count() == 1


def test_a_free_part_no_checks_clean(client_for, engineer, make_part):
    make_part("EICS112_Part")

    response = client_for(engineer).post(
        reverse("parts:create"), {"_validate": "part_no", "part_no": "EICS113_Part"}, headers=HTMX
    )

    assert "is-invalid" not in response.content.decode()


def test_edit_form_shows_current_files_and_replaces_one(
    client_for, engineer, make_part, media_root, django_capture_on_commit_callbacks
):
    part = make_part(with_media=True)
    old_image = part.part_image.name
    client = client_for(engineer)
    form_page = client.get(reverse("parts:edit", args=[part.pk])).content.decode()
    assert part.qc_video.url in form_page  # "Currently: ..." links to the stored video
    version = client.get(reverse("parts:edit", args=[part.pk])).context["form"]["version"].value()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("parts:edit", args=[part.pk]),
            part_form_data(version=version, part_image=image_upload("new.webp", "WEBP")),
        )

    assert response.status_code == 302
    part.refresh_from_db()
    assert part.part_image.name.endswith(".webp")
    assert old_image not in stored_files(media_root)
    assert len(stored_files(media_root)) == 6


def test_clearing_a_file_in_the_edit_form_removes_it(
    client_for, engineer, make_part, media_root, django_capture_on_commit_callbacks
):
    part = make_part(with_media=True)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(engineer).post(
            reverse("parts:edit", args=[part.pk]), part_form_data(**{"testing_video-clear": "on"})
        )

    part.refresh_from_db()
    assert not part.testing_video
    assert len(stored_files(media_root)) == 5


def test_an_edit_from_an_outdated_page_is_refused_with_who_changed_it(
    client_for, engineer, make_part, make_user
):
    part = make_part()
    client = client_for(engineer)
    version = client.get(reverse("parts:edit", args=[part.pk])).context["form"]["version"].value()
    other = make_user("Engineer", full_name="Cleo Engineer")
    client_for(other).post(
        reverse("parts:edit", args=[part.pk]), part_form_data(part_no="X1", version=version)
    )
    client.force_login(engineer)

    response = client.post(
        reverse("parts:edit", args=[part.pk]), part_form_data(part_no="X2", version=version)
    )

    body = response.content.decode()
    assert "Cleo Engineer &lt;" in body and "saved this part at" in body
    assert "Nothing was saved" in body
    part.refresh_from_db()
    assert part.part_no == "X1"


# Detail page, archive, restore


def test_detail_page_shows_thumbnails_and_plays_videos(client_for, operator, make_part):
    part = make_part(with_media=True)

    body = client_for(operator).get(part.get_absolute_url()).content.decode()

    assert f'src="{part.part_image_thumbnail.url}"' in body
    assert f'href="{part.part_image.url}"' in body
    assert f'<video class="w-100 rounded bg-dark part-video" src="{part.qc_video.url}"' in body
    assert f'src="{part.testing_video.url}"' in body
    assert 'data-testid="part-procedure"' in body


def test_engineer_reads_the_audit_trail_on_the_part_page(client_for, engineer, make_part):
    part = make_part("EICS112_Part")
    client = client_for(engineer)
    client.post(reverse("parts:edit", args=[part.pk]), part_form_data(part_no="EICS112_Part_v2"))

    body = client.get(part.get_absolute_url()).content.decode()

    assert 'data-testid="part-changes"' in body
    assert "Updated" in body and "Created" in body
    assert "EICS112_Part" in body and "EICS112_Part_v2" in body
    assert engineer.email in body


def test_operators_do_not_see_the_audit_trail(client_for, operator, make_part):
    part = make_part()

    body = client_for(operator).get(part.get_absolute_url()).content.decode()

    assert 'data-testid="part-changes"' not in body
    assert "Edit" not in body and "Archive" not in body


def test_archive_and_restore_from_the_part_page(client_for, engineer, make_part):
    part = make_part()
    client = client_for(engineer)

    client.post(reverse("parts:archive", args=[part.pk]))
    archived_page = client.get(part.get_absolute_url()).content.decode()
    listed_while_archived = list(client.get(reverse("parts:list")).context["page"])
    client.post(reverse("parts:restore", args=[part.pk]))
    listed_after_restore = list(client.get(reverse("parts:list")).context["page"])

    assert 'data-testid="archived-badge"' in archived_page
    assert listed_while_archived == []
    assert listed_after_restore == [part]


def test_images_uploaded_through_the_form_get_generated_thumbnails(
    client_for, engineer, media_root
):
    client_for(engineer).post(
        reverse("parts:create"),
        part_form_data(part_image=image_upload("big.png", size=(1200, 900))),
    )

    part = ModelPart.objects.get()
    thumbnail = media_root / part.part_image_thumbnail.name
    assert thumbnail.stat().st_size < len(image_bytes("PNG", size=(1200, 900)))


def test_an_invalid_edit_keeps_showing_the_saved_part_no_in_the_heading(
    client_for, engineer, make_part
):
    make_part("TAKEN_Part")
    part = make_part("EICS112_Part")

    response = client_for(engineer).post(
        reverse("parts:edit", args=[part.pk]), part_form_data(part_no="taken_part")
    )

    body = response.content.decode()
    assert "Edit part EICS112_Part" in body
    assert "already used by part TAKEN_Part" in body
    part.refresh_from_db()
    assert part.part_no == "EICS112_Part"


def test_a_large_image_spooled_to_disk_is_stored_with_its_thumbnail(
    client_for, engineer, media_root, settings
):
    noise = Image.frombytes("RGB", (1100, 1000), random.Random(3).randbytes(1100 * 1000 * 3))
    path = media_root.parent / "noise.png"
    noise.save(path)
    assert path.stat().st_size > settings.FILE_UPLOAD_MAX_MEMORY_SIZE

    client_for(engineer).post(
        reverse("parts:create"),
        part_form_data(part_image=SimpleUploadedFile("noise.png", path.read_bytes())),
    )

    part = ModelPart.objects.get()
    assert (media_root / part.part_image.name).read_bytes() == path.read_bytes()
    with Image.open(media_root / part.part_image_thumbnail.name) as thumbnail:
        assert thumbnail.size == (320, 291)
