import os
import time
from io import StringIO

import pytest
from django.core.management import call_command

from parts.media import check_image, check_video
from tests.parts.media_files import image_bytes, image_upload, stored_files, video_upload

pytestmark = pytest.mark.django_db


def make_old(path, hours=2):
    past = time.time() - hours * 3600
    os.utime(path, (past, past))


def test_prune_deletes_old_unreferenced_files_and_keeps_every_file_a_part_uses(
    make_part, media_root
):
    part = make_part(part_image=check_image(image_upload()), qc_video=check_video(video_upload()))
    stray = media_root / "parts" / "0123456789abcdef0123456789abcdef.png"
    stray.write_bytes(image_bytes("PNG"))
    fresh = media_root / "parts" / "thumbnails" / "fedcba9876543210fedcba9876543210.webp"
    fresh.write_bytes(b"just uploaded")
    for path in media_root.rglob("*"):
        if path.is_file() and path != fresh:
            make_old(path)
    output = StringIO()

    call_command("prune_part_media", stdout=output)

    assert not stray.exists()
    assert fresh.exists()  # too young: could be an upload in flight
    assert set(stored_files(media_root)) == {
        part.part_image.name,
        part.part_image_thumbnail.name,
        part.qc_video.name,
        "parts/thumbnails/fedcba9876543210fedcba9876543210.webp",
    }
    assert "1 orphaned media file(s) deleted." in output.getvalue()


def test_prune_dry_run_lists_and_deletes_nothing(make_part, media_root):
    stray = media_root / "parts" / "stray.webm"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"x")
    make_old(stray)
    output = StringIO()

    call_command("prune_part_media", "--dry-run", stdout=output)

    assert stray.exists()
    assert "would delete parts/stray.webm" in output.getvalue()
