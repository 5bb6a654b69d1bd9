"""Real image and video files made on the spot for the tests (Pillow and PyAV's bundled FFmpeg)."""

import functools
import io
import random
import struct
import zlib

import av
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


def image_bytes(image_format="PNG", size=(64, 48), color=(30, 120, 200), pnginfo=None):
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    draw.rectangle([size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2], fill="white")
    output = io.BytesIO()
    options = {"pnginfo": pnginfo} if pnginfo else {}
    image.save(output, format=image_format, **options)
    return output.getvalue()


def noise_image(size=(200, 200), seed=1, image_format="PNG"):
    """A picture of random pixels: it barely compresses (a PNG weighs about 3 bytes a pixel)."""
    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)
    output = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(output, format=image_format)
    return output.getvalue()


def image_upload(name="part.png", image_format="PNG", **kwargs):
    content_type = IMAGE_TYPES[image_format]
    return SimpleUploadedFile(name, image_bytes(image_format, **kwargs), content_type)


def png_with_markup():
    """A valid PNG whose first bytes carry a script (a polyglot a browser could sniff)."""
    info = PngInfo()
    info.add_text("Comment", "<script>alert(document.cookie)</script>")
    return image_bytes("PNG", pnginfo=info)


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def decompression_bomb_png(width=20_000, height=20_000):
    """A small PNG (about 50 kB) that decodes to width x height pixels: a decompression bomb."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + bytes((width + 7) // 8)  # filter byte + one bit per pixel, all black
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


@functools.cache
def video_bytes(container="webm", seconds=2, fps=10, size=(96, 64)):
    """A real, playable video: VP8 in WebM, H.264 in MP4 (or MOV, Matroska), with motion."""
    codec = {"webm": "libvpx", "mp4": "libx264", "mov": "libx264", "matroska": "libvpx"}
    output = io.BytesIO()
    with av.open(output, mode="w", format=container) as media:
        stream = media.add_stream(codec[container], rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for index in range(seconds * fps):
            frame = Image.new("RGB", size, (index * 12 % 256, 90, 160))
            ImageDraw.Draw(frame).rectangle([index * 3, 10, index * 3 + 16, 40], fill="white")
            for packet in stream.encode(av.VideoFrame.from_image(frame)):
                media.mux(packet)
        for packet in stream.encode():
            media.mux(packet)
    return output.getvalue()


def video_upload(name="qc.webm", container="webm", **kwargs):
    content_type = {"webm": "video/webm", "mp4": "video/mp4"}.get(container, "video/x-matroska")
    return SimpleUploadedFile(name, video_bytes(container, **kwargs), content_type)


def stored_files(media_root):
    """Every file under MEDIA_ROOT, as paths relative to it."""
    return sorted(
        str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file()
    )


def jpeg_with_camera_metadata(size=(120, 80), orientation=6):
    """A real JPEG as a phone writes it: EXIF with camera make and model, a GPS position, an
    orientation (6: turn 90 degrees clockwise to show), a comment and XMP."""
    image = Image.new("RGB", size, (200, 40, 40))
    ImageDraw.Draw(image).rectangle([0, 0, size[0] // 3, size[1] // 3], fill="white")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Pocket Camera 12"  # Model
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 36.75)}  # GPS
    output = io.BytesIO()
    image.save(
        output,
        format="JPEG",
        exif=exif,
        comment=b"shot at the secret plant",
        xmp=b"<x:xmpmeta><rdf:Description creator='Jane Doe'/></x:xmpmeta>",
        quality=90,
    )
    return output.getvalue()


def png_with_metadata():
    """A PNG with text chunks (author, GPS) and an EXIF chunk naming the camera."""
    info = PngInfo()
    info.add_text("Author", "Jane Doe")
    info.add_itxt("GPS", "52.5200 N, 13.4050 E")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    image = Image.new("RGBA", (40, 30), (10, 200, 10, 128))
    output = io.BytesIO()
    image.save(output, format="PNG", pnginfo=info, exif=exif)
    return output.getvalue()


def png_of_empty_chunks(count=1_700_000):
    """A 1x1 PNG padded with ``count`` empty private chunks (about 12 bytes each)."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"teSt", b"") * count
        + _png_chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + _png_chunk(b"IEND", b"")
    )


def large_png(width=8000, height=5000):
    """A real RGBA PNG of width x height pixels (40 megapixels by default), small on disk."""
    compressor = zlib.compressobj(6)
    row = b"\x00" + bytes(width * 4)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


def with_garbage_box(mp4, box_type=b"moov"):
    """The MP4 with the content of one box replaced by random bytes (its size kept)."""
    offset = 0
    while offset < len(mp4):
        size, kind = struct.unpack(">I4s", mp4[offset : offset + 8])
        if kind == box_type:
            garbage = random.Random(7).randbytes(size - 8)
            return mp4[: offset + 8] + garbage + mp4[offset + size :]
        offset += size
    raise ValueError(box_type)
