"""Images and videos are judged by their content, within caps, never by their names."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from parts.media import check_image, check_video, make_thumbnail
from tests.parts.media_files import (
    decompression_bomb_png,
    image_bytes,
    image_upload,
    png_with_markup,
    video_bytes,
    video_upload,
)


def refusal(check, upload):
    with pytest.raises(ValidationError) as caught:
        check(upload)
    return caught.value.code, " ".join(caught.value.messages)


@pytest.mark.parametrize(
    ("image_format", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")]
)
def test_real_jpeg_png_and_webp_images_are_accepted_and_named_by_content(image_format, extension):
    checked = check_image(image_upload("whatever.bin", image_format, size=(120, 80)))

    assert checked.extension == extension
    assert (checked.width, checked.height) == (120, 80)
    assert checked.content_type == f"image/{'jpeg' if extension == 'jpg' else extension}"


def test_a_png_named_like_a_jpeg_is_stored_as_what_it_really_is():
    checked = check_image(SimpleUploadedFile("photo.jpg", image_bytes("PNG"), "image/jpeg"))

    assert checked.extension == "png"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("part.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("part.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("part.jpg", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
        ("part.png", b"\n\n  <HTML><script>fetch('/admin/')</script>"),
    ],
    ids=["svg", "svg-named-png", "html-named-jpg", "html-after-blank-lines"],
)
def test_svg_and_html_are_refused_as_active_content(name, content):
    code, message = refusal(check_image, SimpleUploadedFile(name, content, "image/png"))

    assert code == "active_content"
    assert "HTML, SVG or other markup" in message


def test_a_valid_png_carrying_a_script_in_its_header_is_refused():
    code, _message = refusal(check_image, SimpleUploadedFile("p.png", png_with_markup()))

    assert code == "active_content"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("part.jpg", b"%PDF-1.7\n1 0 obj << >> endobj\n"),
        ("part.png", b"just some text that is not an image at all"),
        ("part.gif", image_bytes("GIF")),
        ("part.png", b"\x00" * 500),
    ],
    ids=["pdf-named-jpg", "text-named-png", "gif", "zeros"],
)
def test_files_that_are_not_jpeg_png_or_webp_are_refused_whatever_their_name(name, content):
    code, message = refusal(check_image, SimpleUploadedFile(name, content, "image/png"))

    assert code == "not_an_image"
    assert "not a JPEG, PNG or WebP image" in message


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP"])
def test_a_truncated_image_is_refused_as_damaged(image_format):
    content = image_bytes(image_format, size=(400, 300))
    truncated = content[: len(content) // 2]

    code, message = refusal(check_image, SimpleUploadedFile("cut.img", truncated))

    assert code == "corrupt_image"
    assert "damaged or incomplete" in message


def test_an_image_over_the_byte_cap_is_refused_with_the_limit_named(settings):
    settings.PART_IMAGE_MAX_BYTES = 1000
    # Bytes after the end chunk keep it a valid PNG, just a heavy one.
    upload = SimpleUploadedFile("big.png", image_bytes("PNG") + b"\x00" * 2000)

    code, message = refusal(check_image, upload)

    assert code == "image_too_large"
    assert "at most 1000\xa0bytes" in message


def test_an_image_over_the_pixel_cap_is_refused(settings):
    settings.PART_IMAGE_MAX_PIXELS = 10_000

    code, message = refusal(check_image, image_upload("wide.png", size=(200, 100)))

    assert code == "image_too_many_pixels"
    assert "more than 0.01 megapixels" in message


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = decompression_bomb_png()
    assert len(bomb) < 100_000  # 400 million pixels in under 100 kB

    code, message = refusal(check_image, SimpleUploadedFile("bomb.png", bomb, "image/png"))

    assert code == "image_too_many_pixels"
    assert "megapixels" in message


def test_a_thumbnail_is_a_small_webp_of_the_image():
    checked = check_image(image_upload("big.jpg", "JPEG", size=(1600, 1200)))

    with Image.open(make_thumbnail(checked)) as thumbnail:
        assert thumbnail.format == "WEBP"
        assert max(thumbnail.size) == 320
        assert thumbnail.size == (320, 240)


@pytest.mark.parametrize(("container", "extension"), [("mp4", "mp4"), ("webm", "webm")])
def test_real_mp4_and_webm_videos_are_accepted_by_their_content(container, extension):
    checked = check_video(video_upload("clip.bin", container))

    assert checked.extension == extension
    assert checked.content_type == f"video/{extension}"


def test_an_mp4_named_webm_is_stored_as_mp4():
    checked = check_video(SimpleUploadedFile("clip.webm", video_bytes("mp4"), "video/webm"))

    assert checked.extension == "mp4"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("qc.mp4", b"this is a text file pretending to be a video", "not_a_video"),
        ("qc.mp4", image_bytes("PNG"), "not_a_video"),
        ("qc.webm", video_bytes("matroska"), "not_a_video"),
        ("qc.mp4", video_bytes("mov"), "not_a_video"),
        ("qc.mp4", b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "not_a_video"),
        ("qc.mp4", video_bytes("mp4")[:1500], "corrupt_video"),
        ("qc.webm", b"\x1a\x45\xdf\xa3\x9f\x42\x86", "corrupt_video"),
    ],
    ids=["text", "png", "matroska", "quicktime", "avif", "truncated-mp4", "truncated-webm"],
)
def test_anything_but_a_whole_mp4_or_webm_video_is_refused(name, content, code):
    refused_code, message = refusal(check_video, SimpleUploadedFile(name, content))

    assert refused_code == code
    assert "MP4" in message or "WebM" in message or "damaged or incomplete" in message


def test_a_video_over_the_configured_cap_is_refused_with_the_limit_named(settings):
    settings.PART_VIDEO_MAX_BYTES = 1024
    upload = video_upload("qc.webm", "webm")
    assert upload.size > 1024

    code, message = refusal(check_video, upload)

    assert code == "video_too_large"
    assert "at most 1.0\xa0KB" in message


def test_the_video_cap_defaults_to_200_megabytes():
    from django.conf import settings

    assert settings.PART_VIDEO_MAX_BYTES == 200 * 1024 * 1024
