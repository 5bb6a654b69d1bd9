"""Stored pictures carry no metadata (GPS, camera) and stand upright; checking a picture or a
video is bounded in time and memory, and a video must really play."""

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from parts.media import check_image, check_video
from tests.parts.media_files import (
    jpeg_with_camera_metadata,
    png_of_empty_chunks,
    png_with_metadata,
    video_bytes,
    with_garbage_box,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def stored_bytes(checked):
    checked.file.seek(0)
    return checked.file.read()


def test_a_phone_jpeg_is_stored_without_gps_camera_or_comment_and_turned_upright():
    upload = jpeg_with_camera_metadata(size=(120, 80), orientation=6)
    assert b"PhoneMaker" in upload and b"Jane Doe" in upload

    checked = check_image(SimpleUploadedFile("phone.jpg", upload, "image/jpeg"))
    stored = stored_bytes(checked)

    for secret in (b"PhoneMaker", b"Pocket Camera", b"secret plant", b"Jane Doe", b"Exif"):
        assert secret not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert image.size == (80, 120)  # turned as its orientation said
        assert dict(image.getexif()) == {}
        corner = image.convert("RGB").getpixel((75, 5))  # the white corner, now top right
    assert min(corner) > 200
    assert (checked.width, checked.height) == (80, 120)


def test_an_upright_jpeg_keeps_its_compressed_pixels_untouched():
    upload = jpeg_with_camera_metadata(orientation=1)

    stored = stored_bytes(check_image(SimpleUploadedFile("p.jpg", upload, "image/jpeg")))

    scan_start = upload.index(b"\xff\xda")
    assert stored.endswith(upload[scan_start:])
    assert b"PhoneMaker" not in stored and b"52" not in stored[: stored.index(b"\xff\xda")]


def test_a_png_is_stored_without_its_text_and_exif_chunks_and_looks_the_same():
    upload = png_with_metadata()

    stored = stored_bytes(check_image(SimpleUploadedFile("p.png", upload, "image/png")))

    for secret in (b"Jane Doe", b"52.5200", b"PhoneMaker", b"tEXt", b"iTXt", b"eXIf"):
        assert secret not in stored
    with Image.open(io.BytesIO(upload)) as before, Image.open(io.BytesIO(stored)) as after:
        assert after.tobytes() == before.tobytes() and after.mode == "RGBA"


def test_a_part_saved_with_a_phone_picture_stores_no_gps(engineer, settings, tmp_path):
    from parts.services import part_create

    settings.MEDIA_ROOT = tmp_path
    part = part_create(
        created_by=engineer,
        model_no="M1",
        part_no="M1_Part",
        part_image=check_image(
            SimpleUploadedFile("phone.jpg", jpeg_with_camera_metadata(), "image/jpeg")
        ),
    )

    on_disk = (tmp_path / part.part_image.name).read_bytes()
    assert b"PhoneMaker" not in on_disk and b"GPS" not in on_disk


def test_a_png_of_millions_of_empty_chunks_is_refused_before_decoding():
    upload = SimpleUploadedFile("chunks.png", png_of_empty_chunks(1_700_000), "image/png")

    with pytest.raises(ValidationError) as refused:
        check_image(upload)

    assert refused.value.code == "image_too_many_chunks"
    assert "20,000 chunks" in refused.value.messages[0]


def test_an_mp4_whose_moov_box_is_garbage_is_refused_as_unplayable():
    broken = with_garbage_box(video_bytes("mp4"), b"moov")

    with pytest.raises(ValidationError) as refused:
        check_video(SimpleUploadedFile("qc.mp4", broken, "video/mp4"))

    assert refused.value.code == "corrupt_video"
    assert "cannot be played" in refused.value.messages[0]


def test_a_webm_whose_frames_are_garbage_is_refused_as_unplayable():
    webm = video_bytes("webm")
    header_end = 200
    broken = webm[:header_end] + bytes(len(webm) - header_end)

    with pytest.raises(ValidationError) as refused:
        check_video(SimpleUploadedFile("qc.webm", broken, "video/webm"))

    assert refused.value.code == "corrupt_video"


def test_an_mp4_with_sound_only_is_refused_naming_the_missing_picture():
    import av

    output = io.BytesIO()
    with av.open(output, mode="w", format="mp4") as media:
        stream = media.add_stream("aac", rate=8000)
        frame = av.AudioFrame(format="fltp", layout="mono", samples=1024)
        frame.sample_rate = 8000
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        for _ in range(10):
            for packet in stream.encode(frame):
                media.mux(packet)
        for packet in stream.encode():
            media.mux(packet)

    with pytest.raises(ValidationError) as refused:
        check_video(SimpleUploadedFile("qc.mp4", output.getvalue(), "video/mp4"))

    assert refused.value.code in {"no_video_stream", "not_a_video"}


def test_checking_two_40_megapixel_pngs_stays_far_below_375_mb():
    """In a fresh process, as a worker would: check and thumbnail both, report the peak."""
    script = textwrap.dedent(
        """
        import os, django
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopfloor.settings")
        os.environ.setdefault("DEBUG", "true")
        django.setup()
        from django.core.files.uploadedfile import SimpleUploadedFile
        from parts.media import check_image, make_thumbnail
        from tests.parts.media_files import large_png
        for name in ("form.png", "part.png"):
            checked = check_image(SimpleUploadedFile(name, large_png(), "image/png"))
            make_thumbnail(checked)
            del checked
        # This process's own peak (VmHWM starts anew at exec; ru_maxrss would carry over the
        # peak of the pytest process that started it).
        with open("/proc/self/status") as status:
            peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        print(peak_kib // 1024)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, result.stderr[-2000:]
    peak_mib = int(result.stdout.split()[-1])
    assert peak_mib < 300, f"peak {peak_mib} MiB"
