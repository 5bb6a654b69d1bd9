"""A corpus of nasty uploads sent through the part form: each is refused with a message naming
what is wrong with it, and nothing is written (no part, no change record, no file)."""

import struct

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parts.models import ModelPart, PartChange
from tests.parts.media_files import (
    decompression_bomb_png,
    image_bytes,
    noise_image,
    png_with_markup,
    stored_files,
    video_bytes,
)

pytestmark = pytest.mark.django_db

SCRIPT = b"<script>alert(document.cookie)</script>"


def _truncated(content):
    return content[: len(content) // 2]


def _mp4_with_html_box():
    """A real MP4 with a 'free' box of HTML right after its ftyp box (an MP4/HTML polyglot)."""
    video = video_bytes("mp4")
    ftyp_size = struct.unpack(">I", video[:4])[0]
    html = b"<html><body>" + SCRIPT + b"</body></html>"
    free = struct.pack(">I4s", 8 + len(html), b"free") + html
    return video[:ftyp_size] + free + video[ftyp_size:]


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">' + SCRIPT + b"</svg>"
HTML = b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>"
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"payload.jar" * 20 + b"PK\x05\x06" + bytes(18)

CORPUS = [
    # (id, form field, file name, content, words of the message)
    ("truncated-png", "part_image", "a.png", _truncated(image_bytes("PNG", size=(400, 300))),
     "damaged or incomplete"),
    ("truncated-jpeg", "part_image", "a.jpg", _truncated(image_bytes("JPEG", size=(400, 300))),
     "damaged or incomplete"),
    ("truncated-webp", "form_image", "a.webp", _truncated(image_bytes("WEBP", size=(400, 300))),
     "damaged or incomplete"),
    ("truncated-mp4", "qc_video", "a.mp4", _truncated(video_bytes("mp4")),
     "damaged or incomplete"),
    ("decompression-bomb", "part_image", "bomb.png", decompression_bomb_png(),
     "megapixels"),
    ("png-zip-polyglot", "part_image", "a.png", image_bytes("PNG") + ZIP,
     "other data after its end"),
    ("jpeg-html-polyglot", "part_image", "a.jpg", noise_image(image_format="JPEG") + HTML,
     "other data after its end"),
    ("png-script-chunk", "part_image", "a.png", png_with_markup(), "markup"),
    ("gif-javascript-polyglot", "part_image", "a.gif", b"GIF89a/*\x01\x00\x01\x00*/=alert(1)//",
     "not a JPEG, PNG or WebP image"),
    ("svg-script", "part_image", "a.svg", SVG, "markup"),
    ("html-named-png", "form_image", "a.png", HTML, "markup"),
    ("html-named-mp4", "qc_video", "a.mp4", HTML, "markup"),
    ("mp4-html-polyglot", "testing_video", "a.mp4", _mp4_with_html_box(), "markup"),
    ("pdf-named-jpg", "part_image", "a.jpg", b"%PDF-1.7\n1 0 obj<</JS(alert(1))>>endobj\n",
     "not a JPEG, PNG or WebP image"),
    ("zip-named-png", "part_image", "a.png", ZIP, "not a JPEG, PNG or WebP image"),
    ("image-as-video", "qc_video", "a.mp4", image_bytes("PNG"), "not an MP4 or WebM video"),
    ("empty-image", "part_image", "a.png", b"", "empty"),
]  # fmt: skip


def _create(client, **data):
    return client.post(
        reverse("parts:create"), {"model_no": "EICS112", "part_no": "EICS112_Part", **data}
    )


def assert_nothing_written(media_root):
    assert not ModelPart.objects.exists()
    assert not PartChange.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    ("field", "name", "content", "words"),
    [case[1:] for case in CORPUS],
    ids=[case[0] for case in CORPUS],
)
def test_a_nasty_upload_is_refused_naming_the_problem_and_nothing_is_written(
    client_for, engineer, media_root, field, name, content, words
):
    upload = SimpleUploadedFile(name, content, "application/octet-stream")

    response = _create(client_for(engineer), **{field: upload})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert words in " ".join(errors[field])
    assert_nothing_written(media_root)


@pytest.mark.parametrize(
    ("field", "setting", "content"),
    [
        ("part_image", "PART_IMAGE_MAX_BYTES", noise_image((30, 30))),
        ("qc_video", "PART_VIDEO_MAX_BYTES", video_bytes("webm")),
    ],
)
def test_a_file_over_its_cap_is_refused_with_the_cap_named(
    client_for, engineer, media_root, settings, field, setting, content
):
    setattr(settings, setting, 1000)

    response = _create(
        client_for(engineer), **{field: SimpleUploadedFile("big.bin", content, "image/png")}
    )

    assert response.status_code == 200
    assert "may be at most 1000" in " ".join(response.context["form"].errors[field])
    assert_nothing_written(media_root)


def test_a_huge_form_field_is_refused_with_a_clear_page_and_nothing_is_written(
    client_for, engineer, media_root, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000

    response = _create(client_for(engineer), model_no="M" * 200_000)

    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert_nothing_written(media_root)


@pytest.mark.parametrize(
    "file_name",
    [
        "x" * 10_000 + ".png",
        "Robert'); DROP TABLE parts_modelpart;--.png",
        '"><img src=x onerror=alert(1)>.png',
        "Ünïcödé 日本語 \u202egnp.exe",
        "../../../../etc/passwd",
    ],
    ids=["10000-characters", "sql", "html", "unicode-rtl", "path"],
)
def test_a_real_image_under_a_hostile_file_name_is_stored_under_a_name_of_its_own(
    client_for, engineer, media_root, file_name
):
    client = client_for(engineer)
    upload = SimpleUploadedFile(file_name, image_bytes("PNG"), "image/png")

    response = _create(client, part_image=upload)

    part = ModelPart.objects.get()
    assert response.status_code == 302
    assert part.part_image.name.startswith("parts/") and part.part_image.name.endswith(".png")
    uploaded_as = part.changes.get().changes["part_image"]["uploaded_as"]
    assert len(uploaded_as) <= 200
    page = client.get(part.get_absolute_url()).content.decode()
    assert "<img src=x" not in page and "DROP TABLE" not in page.split("<title>")[0]
