"""Writes to parts keep numbers unique, files tidy, archived data whole and every change audited."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from parts import services
from parts.media import check_image, check_video
from parts.models import ModelPart, PartChange
from parts.selectors import part_find_by_part_no, part_list
from parts.services import CLEAR, part_archive, part_create, part_restore, part_update
from tests.parts.media_files import image_bytes, image_upload, stored_files, video_upload

pytestmark = pytest.mark.django_db

STORED_NAME = re.compile(r"^parts/[0-9a-f]{32}\.(png|jpg|webp|mp4|webm)$")
THUMBNAIL_NAME = re.compile(r"^parts/thumbnails/[0-9a-f]{32}\.webp$")


def test_creating_a_part_stores_its_media_under_random_names_with_thumbnails(make_part):
    part = make_part(with_media=True)

    for name in ("form_image", "part_image", "qc_video", "testing_video"):
        assert STORED_NAME.match(getattr(part, name).name), name
    assert part.part_image.name.endswith(".png")
    assert part.form_image.name.endswith(".jpg")
    assert part.qc_video.name.endswith(".webm")
    assert part.testing_video.name.endswith(".mp4")
    assert THUMBNAIL_NAME.match(part.part_image_thumbnail.name)
    assert THUMBNAIL_NAME.match(part.form_image_thumbnail.name)


@pytest.mark.parametrize(
    "upload_name",
    ["../../../../etc/cron.d/evil.png", "..\\..\\settings.py", "/abs/path.png", "a.png\x00.html"],
)
def test_the_uploaded_file_name_never_decides_where_the_file_lands(
    make_part, media_root, upload_name
):
    upload = SimpleUploadedFile("x.png", image_bytes("PNG"))
    upload.name = upload_name  # as a hostile client could send it, past Django's own cleaning

    part = make_part(part_image=check_image(upload))

    assert STORED_NAME.match(part.part_image.name)
    files = stored_files(media_root)
    assert len(files) == 2  # the image and its thumbnail, both inside MEDIA_ROOT/parts
    assert all(name.startswith("parts/") for name in files)
    assert not list(media_root.parent.glob("*.png")) and not list(media_root.parent.glob("*.py"))


def test_part_no_is_unique_ignoring_letter_case_and_surrounding_space(make_part):
    make_part("EICS112_Part")

    with pytest.raises(ValidationError) as caught:
        make_part("  eics112_part ", model_no="OTHER")

    assert caught.value.error_dict["part_no"][0].code == "part_no_taken"
    assert "already used by part EICS112_Part (model EICS112)" in str(caught.value)
    assert ModelPart.objects.count() == 1


def test_part_numbers_are_stored_without_surrounding_space(make_part):
    part = make_part("  X100_Part\t", model_no=" X100 ")

    assert (part.model_no, part.part_no) == ("X100", "X100_Part")
    assert part_find_by_part_no(part_no=" x100_part ") == part


def test_the_database_refuses_a_duplicate_part_no_that_slips_past_the_check(
    make_part, media_root, monkeypatch, engineer
):
    make_part("EICS112_Part")
    files_before = stored_files(media_root)
    real_lookup = services.part_find_by_part_no
    calls = []

    def lookup_missing_the_concurrent_insert(**kwargs):
        # The first check runs before the other request commits (a race); later ones see it.
        calls.append(kwargs)
        return None if len(calls) == 1 else real_lookup(**kwargs)

    monkeypatch.setattr(services, "part_find_by_part_no", lookup_missing_the_concurrent_insert)

    with pytest.raises(ValidationError) as caught:
        part_create(
            created_by=engineer,
            model_no="EICS112",
            part_no="eics112_PART",
            part_image=check_image(image_upload()),
            qc_video=check_video(video_upload()),
        )

    assert len(calls) == 2  # the database constraint refused the insert; then it was named
    assert "already used by part EICS112_Part" in str(caught.value)
    assert ModelPart.objects.count() == 1
    assert stored_files(media_root) == files_before  # the new files were removed again


def test_replacing_an_image_deletes_the_old_file_and_thumbnail_only_after_commit(
    make_part, media_root, engineer, django_capture_on_commit_callbacks
):
    part = make_part(part_image=check_image(image_upload("old.png")))
    old_files = {part.part_image.name, part.part_image_thumbnail.name}

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        part = part_update(
            part=part,
            changed_by=engineer,
            model_no=part.model_no,
            part_no=part.part_no,
            part_image=check_image(image_upload("new.webp", "WEBP")),
        )
        assert old_files <= set(stored_files(media_root))  # not yet committed: still there
    for callback in callbacks:
        callback()

    assert part.part_image.name.endswith(".webp")
    assert set(stored_files(media_root)) == {part.part_image.name, part.part_image_thumbnail.name}


def test_clearing_a_video_removes_its_file_after_commit(
    make_part, media_root, engineer, django_capture_on_commit_callbacks
):
    part = make_part(qc_video=check_video(video_upload()))
    assert len(stored_files(media_root)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        part = part_update(
            part=part,
            changed_by=engineer,
            model_no=part.model_no,
            part_no=part.part_no,
            qc_video=CLEAR,
        )

    assert not part.qc_video
    assert stored_files(media_root) == []
    change = part.changes.first()
    assert change.changes["qc_video"]["new"] == ""


def test_a_rolled_back_replacement_keeps_the_old_file_the_part_still_points_at(
    make_part, media_root, engineer
):
    part = make_part(part_image=check_image(image_upload("old.png")))
    old_name = part.part_image.name

    with pytest.raises(RuntimeError), transaction.atomic():
        part_update(
            part=part,
            changed_by=engineer,
            model_no=part.model_no,
            part_no=part.part_no,
            part_image=check_image(image_upload("new.png")),
        )
        raise RuntimeError("the request failed after the update")

    part.refresh_from_db()
    assert part.part_image.name == old_name
    assert old_name in stored_files(media_root)


def test_archiving_hides_the_part_keeps_its_data_and_restoring_brings_it_back(
    make_part, media_root, engineer, django_capture_on_commit_callbacks
):
    part = make_part(with_media=True)
    files = stored_files(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        part = part_archive(part=part, archived_by=engineer)

    assert part.is_archived
    assert list(part_list()) == []
    assert list(part_list(archived=True)) == [part]
    assert stored_files(media_root) == files  # archiving deletes nothing

    with django_capture_on_commit_callbacks(execute=True):
        part = part_restore(part=part, restored_by=engineer)

    assert not part.is_archived
    assert list(part_list()) == [part]
    assert part.part_image.name in files and part.qc_video.name in files
    assert [change.action for change in part.changes.all()] == ["restored", "archived", "created"]


def test_archived_part_keeps_its_part_no_taken(make_part, engineer):
    part_archive(part=make_part("EICS112_Part"), archived_by=engineer)

    with pytest.raises(ValidationError) as caught:
        make_part("EICS112_PART")

    assert "already used by part EICS112_Part (model EICS112) (archived)" in str(caught.value)


def test_every_change_records_who_when_which_fields_and_old_and_new_values(make_part, engineer):
    part = make_part("EICS112_Part")
    old_updated = part.updated_at

    part = part_update(
        part=part,
        changed_by=engineer,
        model_no="EICS113",
        part_no="EICS113_Part",
        part_image=check_image(image_upload("front view.png")),
    )

    change = part.changes.first()
    assert change.action == PartChange.Action.UPDATED
    assert change.changed_by == engineer
    assert engineer.email in change.changed_by_label
    assert change.changed_at >= old_updated
    assert set(change.changes) == {"model_no", "part_no", "part_image"}
    assert change.changes["model_no"] == {"old": "EICS112", "new": "EICS113"}
    assert change.changes["part_no"] == {"old": "EICS112_Part", "new": "EICS113_Part"}
    assert change.changes["part_image"]["old"] == ""
    assert change.changes["part_image"]["new"] == part.part_image.name
    assert change.changes["part_image"]["uploaded_as"] == "front view.png"


def test_saving_without_any_difference_records_nothing(make_part, engineer):
    part = make_part("EICS112_Part")

    part_update(part=part, changed_by=engineer, model_no="EICS112", part_no=" EICS112_Part ")

    assert part.changes.count() == 1  # only "created"


def test_an_edit_based_on_an_outdated_page_is_refused_and_names_who_changed_it(
    make_part, make_user
):
    part = make_part("EICS112_Part")
    seen = services.part_version(part)
    first = make_user("Engineer", full_name="Ana Engineer")
    second = make_user("Engineer", full_name="Ben Engineer")
    part_update(
        part=part, changed_by=first, model_no="EICS112", part_no="EICS112_A", seen_version=seen
    )

    with pytest.raises(ValidationError) as caught:
        part_update(
            part=part, changed_by=second, model_no="EICS112", part_no="EICS112_B", seen_version=seen
        )

    assert caught.value.code == "stale"
    assert "Ana Engineer" in caught.value.messages[0]
    part.refresh_from_db()
    assert part.part_no == "EICS112_A"
