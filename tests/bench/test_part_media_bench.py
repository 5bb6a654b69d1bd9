"""Part media figures, measured side by side in one run (``make bench``).

- what a list row loads: the thumbnail against the original photo;
- checking a video's content: a 200 MB file against a 2 MB one (the check walks the container's
  boxes, it does not read the media data, so the cost must not grow with the size);
- seeking: a 1 MB range from the end of a 200 MB video against one from its start.
"""

import io
import struct
import time

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from parts.media import check_image, check_video, make_thumbnail
from parts.services import part_create
from tests.parts.media_files import video_bytes

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def best_of(runs, action):
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return min(timings)


def photo_bytes(size=(4000, 3000)):
    """A 12-megapixel JPEG with photo-like detail: gradients under sensor-like noise."""
    gradient = Image.linear_gradient("L").resize(size)
    channels = [
        Image.blend(gradient.rotate(angle, expand=False), Image.effect_noise(size, 30), 0.35)
        for angle in (0, 90, 180)
    ]
    image = Image.merge("RGB", channels)
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=85)
    return output.getvalue()


def padded_mp4(path, total_bytes):
    """A real MP4 followed by a 'free' box that brings it to total_bytes."""
    content = video_bytes("mp4")
    padding = total_bytes - len(content)
    with open(path, "wb") as file:
        file.write(content)
        file.write(struct.pack(">I4s", padding, b"free"))
        chunk = bytes(MB)
        remaining = padding - 8
        while remaining > 0:
            file.write(chunk[: min(MB, remaining)])
            remaining -= MB
    return path


def test_thumbnail_and_check_figures(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = photo_bytes()

    def check_and_thumbnail():
        checked = check_image(SimpleUploadedFile("photo.jpg", photo))
        return make_thumbnail(checked)

    seconds = best_of(3, check_and_thumbnail)
    thumbnail = check_and_thumbnail()
    small_path = padded_mp4(tmp_path / "small.mp4", 2 * MB)
    large_path = padded_mp4(tmp_path / "large.mp4", 200 * MB)

    def check_file(path):
        with open(path, "rb") as file:
            check_video(File(file, name=path.name))

    small = best_of(5, lambda: check_file(small_path))
    large = best_of(5, lambda: check_file(large_path))

    print(
        f"\n12 MP JPEG photo: {len(photo) / MB:.1f} MB, thumbnail {thumbnail.size / 1024:.1f} kB "
        f"(1/{len(photo) / thumbnail.size:.0f} of the bytes a list row loads); "
        f"content check + thumbnail {seconds * 1000:.0f} ms"
    )
    print(
        f"video content check: 2 MB file {small * 1000:.2f} ms, 200 MB file {large * 1000:.2f} ms "
        f"(ratio {large / small:.2f})"
    )
    assert thumbnail.size < len(photo) / 20


def test_seeking_costs_the_same_anywhere_in_a_large_video(tmp_path, settings, client, engineer):
    settings.MEDIA_ROOT = tmp_path / "media"
    large_path = padded_mp4(tmp_path / "large.mp4", 200 * MB)
    with open(large_path, "rb") as file:
        part = part_create(
            created_by=engineer,
            model_no="BENCH",
            part_no="BENCH_Part",
            qc_video=check_video(File(file, name="large.mp4")),
        )
    client.force_login(engineer)
    url = part.qc_video.url

    def fetch(range_header):
        response = client.get(url, headers={"Range": range_header})
        assert response.status_code == 206
        return sum(len(chunk) for chunk in response.streaming_content)

    start = best_of(5, lambda: fetch("bytes=0-1048575"))
    end = best_of(5, lambda: fetch(f"bytes={199 * MB}-{200 * MB - 1}"))

    print(
        f"\n1 MB range of a 200 MB video through the app: from the start {start * 1000:.1f} ms, "
        f"from the end {end * 1000:.1f} ms (ratio {end / start:.2f}, "
        f"{MB / start / MB:.0f} MB/s)"
    )
