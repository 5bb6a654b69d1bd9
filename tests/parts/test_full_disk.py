"""A full media disk refuses an upload clearly, keeps nothing half-written, and the same form
succeeds once space is freed. The disk is a real, small tmpfs: its ENOSPC is the kernel's."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parts.models import ModelPart, PartChange
from tests.parts.media_files import image_upload, noise_image, stored_files
from tests.support.full_disk import fill, small_filesystem

pytestmark = pytest.mark.django_db

FULL = "There is no room left on the server to store this file"


@pytest.fixture
def media_disk(settings):
    with small_filesystem("1m") as directory:
        settings.MEDIA_ROOT = directory
        yield directory


def noisy_image(name="board.png"):
    return SimpleUploadedFile(name, noise_image((200, 200)), "image/png")  # about 120 kB


def test_a_new_part_sent_while_the_media_disk_is_full_is_refused_and_saved_once_space_is_freed(
    client_for, engineer, media_disk
):
    filler = fill(media_disk, leave=16 * 1024)
    client = client_for(engineer)
    data = {"model_no": "EICS112", "part_no": "EICS112_Part"}

    response = client.post(reverse("parts:create"), {**data, "part_image": noisy_image()})

    assert response.status_code == 200
    assert FULL in response.content.decode()
    assert not ModelPart.objects.exists() and not PartChange.objects.exists()
    assert stored_files(media_disk) == ["filler.bin"]  # no partial file left behind

    filler.unlink()
    response = client.post(reverse("parts:create"), {**data, "part_image": noisy_image()})

    part = ModelPart.objects.get()
    assert response.status_code == 302 and response.url == part.get_absolute_url()
    assert sorted(stored_files(media_disk)) == sorted(
        [part.part_image.name, part.part_image_thumbnail.name]
    )
    assert part.changes.count() == 1


def test_replacing_an_image_while_the_media_disk_is_full_keeps_the_old_one(
    client_for, engineer, media_disk
):
    client = client_for(engineer)
    data = {"model_no": "EICS112", "part_no": "EICS112_Part"}
    client.post(reverse("parts:create"), {**data, "part_image": image_upload("old.png")})
    part = ModelPart.objects.get()
    old_files = sorted(stored_files(media_disk))
    fill(media_disk, leave=16 * 1024)

    response = client.post(
        reverse("parts:edit", kwargs={"pk": part.pk}), {**data, "part_image": noisy_image()}
    )

    assert response.status_code == 200
    assert FULL in response.content.decode()
    unchanged = ModelPart.objects.get()
    assert unchanged.part_image.name == part.part_image.name
    assert unchanged.changes.count() == 1
    assert sorted(stored_files(media_disk)) == sorted([*old_files, "filler.bin"])
