"""What a part's images and videos must be, checked by their content, and their thumbnails.

Nothing here trusts an uploaded file's name or the content type the browser sent: images are
opened by Pillow (JPEG, PNG and WebP only, within a byte cap, a pixel cap read from the header
before any pixel is decoded, and a cap on a PNG's chunks, fully decoded so a damaged file is
caught, with nothing after the image's end), videos are recognised by their container
structure (MP4's ISO boxes, WebM's EBML header) and then opened by FFmpeg's demuxer (PyAV),
which must find a video stream and decode its first picture; markup in the first bytes (what a
browser would sniff) is refused in both. The extension a stored file gets comes from what its
content is.

What is stored of an image is not the upload but the picture re-encoded from its pixels: the
EXIF orientation is applied to the pixels and every piece of metadata (EXIF with GPS position,
camera make and model, XMP, comments, text chunks) is left behind; only the colour profile is
kept. One image is decoded at a time, and only once its size in pixels passed the cap.
"""

import io
import struct
import warnings
from dataclasses import dataclass

import av
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Stored extension -> content type served. Only these are ever written by the app.
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "webm": "video/webm",
}
IMAGE_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"
VIDEO_ACCEPT = "video/mp4,video/webm"

THUMBNAIL_SIZE = (320, 320)
# A PNG is a chain of chunks; real pictures have a few dozen to a few thousand (image data
# split in pieces). Millions of empty chunks only cost time to walk: refused before decoding.
PNG_MAX_CHUNKS = 20_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A video is opened by FFmpeg's demuxer and must yield a decoded picture within this many
# packets of its video stream.
VIDEO_PROBE_PACKETS = 500

# Markup a browser could run if it ever treated the file as a document. Browsers sniff the
# first 1445 bytes; legitimate images have binary headers there, not tags.
SNIFF_BYTES = 1445
ACTIVE_CONTENT_MARKERS = (
    b"<!doctype",
    b"<html",
    b"<head",
    b"<body",
    b"<script",
    b"<iframe",
    b"<object",
    b"<embed",
    b"<svg",
    b"<?xml",
    b"<style",
    b"<title",
    b"<table",
    b"<div",
)

# ISO base media brands of MP4 video. HEIF/AVIF images and QuickTime share the box format
# but are not MP4 video, so their major brands are refused.
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso3",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"dash",
    b"M4V ",
    b"mmp4",
}
NOT_VIDEO_BRANDS = {b"avif", b"avis", b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1"}
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
EBML_DOCTYPE_ID = 0x4282
MATROSKA_SEGMENT_ID = 0x18538067


@dataclass(frozen=True)
class CheckedUpload:
    """An uploaded file whose content was checked; only these reach the services."""

    file: object
    kind: str  # "image" or "video"
    extension: str
    size: int
    original_name: str
    width: int | None = None
    height: int | None = None

    @property
    def content_type(self):
        return CONTENT_TYPES[self.extension]


def _size_of(upload):
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    upload.seek(0)
    return size


def _read_head(upload, count):
    upload.seek(0)
    head = upload.read(count)
    upload.seek(0)
    return head


def _original_name(upload):
    # Kept for the audit trail only: it never decides where the file is stored.
    name = str(getattr(upload, "name", "") or "")
    return "".join(char for char in name if char.isprintable())[-200:]


def _checked_size(upload, max_bytes, message, code):
    size = _size_of(upload)
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > max_bytes:
        raise ValidationError(
            message,
            code=code,
            params={"size": filesizeformat(size), "max": filesizeformat(max_bytes)},
        )
    return size


def _check_no_markup(head, what_to_upload):
    if any(marker in head[:SNIFF_BYTES].lower() for marker in ACTIVE_CONTENT_MARKERS):
        raise ValidationError(
            _("The file contains HTML, SVG or other markup, which is refused. %(advice)s"),
            code="active_content",
            params={"advice": what_to_upload},
        )


def check_image(upload):
    """Return a CheckedUpload for a real JPEG, PNG or WebP image, or raise ValidationError."""
    size = _checked_size(
        upload,
        settings.PART_IMAGE_MAX_BYTES,
        _("The image is %(size)s; images may be at most %(max)s."),
        "image_too_large",
    )
    head = _read_head(upload, SNIFF_BYTES)
    _check_no_markup(head, _("Upload a JPEG, PNG or WebP picture."))
    if head.startswith(PNG_SIGNATURE):
        _check_png_chunk_count(upload, size)
    max_pixels = settings.PART_IMAGE_MAX_PIXELS
    too_many_pixels = ValidationError(
        _("The image has more than %(max)s megapixels; make it smaller and upload it again."),
        code="image_too_many_pixels",
        params={"max": f"{max_pixels / 1_000_000:g}"},
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=list(IMAGE_EXTENSIONS)) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise too_many_pixels
                image_format = image.format
                # Decode every pixel: a truncated or damaged file fails here, not at a station.
                image.load()
                _check_nothing_after_image(upload, image_format, size)
                cleaned = _without_metadata(image, image_format, upload)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except UnidentifiedImageError:
        raise ValidationError(
            _(
                "This file is not a JPEG, PNG or WebP image (whatever its name says). "
                "Upload a picture in one of those formats."
            ),
            code="not_an_image",
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error):
        raise ValidationError(
            _("The image is damaged or incomplete and cannot be read. Save it again and retry."),
            code="corrupt_image",
        ) from None
    finally:
        upload.seek(0)
    return CheckedUpload(
        file=cleaned,
        kind="image",
        extension=IMAGE_EXTENSIONS[image_format],
        size=cleaned.size,
        original_name=_original_name(upload),
        width=cleaned.width,
        height=cleaned.height,
    )


def _check_png_chunk_count(upload, size):
    """Walk a PNG's chunk headers (8 bytes each, no data read) and refuse one with more than
    PNG_MAX_CHUNKS: Pillow would spend seconds on millions of empty chunks."""
    offset = len(PNG_SIGNATURE)
    for _chunk in range(PNG_MAX_CHUNKS):
        if offset + 8 > size:
            return
        upload.seek(offset)
        length, kind = struct.unpack(">I4s", upload.read(8))
        if kind == b"IEND":
            upload.seek(0)
            return
        offset += 12 + length
    upload.seek(0)
    raise ValidationError(
        _(
            "The PNG is made of more than %(max)s chunks, far more than a picture needs. Save "
            "it again as a plain PNG and upload that."
        ),
        code="image_too_many_chunks",
        params={"max": f"{PNG_MAX_CHUNKS:,}"},
    )


class _CleanedImage(ContentFile):
    """The re-encoded picture, with its size in pixels."""

    def __init__(self, content, width, height):
        super().__init__(content)
        self.width = width
        self.height = height


def _without_metadata(image, image_format, upload):
    """The picture without metadata but its colour profile, upright by its EXIF orientation.

    A JPEG or PNG standing upright is copied without its metadata segments or chunks (the
    compressed pixels untouched: no loss, no second encoding); one that must be turned, and
    every WebP, is encoded again from the decoded pixels, turned."""
    orientation = image.getexif().get(EXIF_ORIENTATION, 1)
    upload.seek(0)
    if image_format in METADATA_STRIPPERS and orientation in (1, None):
        content = METADATA_STRIPPERS[image_format](upload.read())
        return _CleanedImage(content, *image.size)
    ImageOps.exif_transpose(image, in_place=True)
    options = {}
    profile = image.info.get("icc_profile")
    if profile:
        options["icc_profile"] = profile
    # Pillow writes some of what it read (a JPEG's comment, a PNG's text) back when saving.
    image.info = {key: image.info[key] for key in ("transparency",) if key in image.info}
    if image_format == "JPEG":
        # The upload's own quantisation: no visible loss from saving it again.
        options.update(quality="keep", subsampling="keep")
    elif image_format == "WEBP":
        options.update(lossless=bool(image.info.get("lossless")), quality=90)
    output = io.BytesIO()
    image.save(output, format=image_format, **options)
    return _CleanedImage(output.getvalue(), *image.size)


def _jpeg_without_metadata(data):
    """The JPEG with only the segments needed to show it: APP1 (EXIF, XMP), APP13 (IPTC),
    comments and the other application segments are left out; JFIF (APP0), the colour
    profile (APP2) and Adobe's colour transform (APP14) are kept."""
    kept = [data[:2]]
    offset = 2
    while offset + 4 <= len(data):
        marker = data[offset + 1]
        if marker == 0xFF:
            offset += 1
            continue
        if marker == 0xDA:  # start of scan: the compressed picture, kept to its end
            kept.append(data[offset:])
            break
        length = int.from_bytes(data[offset + 2 : offset + 4], "big")
        segment = data[offset : offset + 2 + length]
        is_app = 0xE0 <= marker <= 0xEF
        if not (marker == 0xFE or (is_app and marker not in JPEG_KEPT_APP_MARKERS)):
            kept.append(segment)
        offset += 2 + length
    return b"".join(kept)


def _png_without_metadata(data):
    """The PNG with only the chunks that say how to show it (no text, EXIF, time or
    private chunks)."""
    kept = [PNG_SIGNATURE]
    offset = len(PNG_SIGNATURE)
    while offset + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if kind in PNG_KEPT_CHUNKS:
            kept.append(data[offset : offset + 12 + length])
        offset += 12 + length
        if kind == b"IEND":
            break
    return b"".join(kept)


EXIF_ORIENTATION = 0x0112
JPEG_KEPT_APP_MARKERS = {0xE0, 0xE2, 0xEE}
PNG_KEPT_CHUNKS = {
    b"IHDR",
    b"PLTE",
    b"IDAT",
    b"IEND",
    b"tRNS",
    b"gAMA",
    b"cHRM",
    b"sRGB",
    b"iCCP",
    b"sBIT",
    b"pHYs",
    b"bKGD",
    b"acTL",
    b"fcTL",
    b"fdAT",
}
METADATA_STRIPPERS = {"JPEG": _jpeg_without_metadata, "PNG": _png_without_metadata}


def _check_nothing_after_image(upload, image_format, size):
    """Refuse data after the image's end: a second file hidden in the picture (a polyglot,
    e.g. a PNG that is also a ZIP archive) or a phone's motion-photo trailer. Zero padding
    is harmless and allowed."""
    try:
        end = IMAGE_ENDS[image_format](upload, size)
        upload.seek(end)
        extra = upload.read().strip(b"\x00") if end < size else b""
    except (IndexError, struct.error):
        extra = b""  # Pillow decoded it; a layout these walkers do not know is left alone
    finally:
        upload.seek(0)
    if extra:
        raise ValidationError(
            _(
                "The picture carries %(count)s bytes of other data after its end (another file "
                "hidden in it, or a phone's motion photo). Save it again as a plain JPEG, PNG "
                "or WebP picture and upload that."
            ),
            code="data_after_image",
            params={"count": f"{len(extra):,}"},
        )


def _png_end(upload, size):
    offset = 8
    while offset + 12 <= size:
        upload.seek(offset)
        length, kind = struct.unpack(">I4s", upload.read(8))
        offset += 12 + length
        if kind == b"IEND":
            return offset
    raise IndexError(offset)


def _jpeg_end(upload, size):
    upload.seek(0)
    data = upload.read()
    offset = 2  # after SOI
    while offset + 1 < len(data):
        if data[offset] != 0xFF:
            raise IndexError(offset)
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
        elif marker == 0xD9:  # EOI
            return offset + 2
        elif 0xD0 <= marker <= 0xD7 or marker == 0x01:  # RSTn, TEM: no length
            offset += 2
        else:
            offset += 2 + int.from_bytes(data[offset + 2 : offset + 4], "big")
            if marker == 0xDA:  # SOS: entropy-coded data runs to the next real marker
                offset = _next_jpeg_marker(data, offset)
    raise IndexError(offset)


def _next_jpeg_marker(data, offset):
    while True:
        offset = data.find(b"\xff", offset)
        if offset < 0 or offset + 1 >= len(data):
            raise IndexError(offset)
        following = data[offset + 1]
        if following != 0x00 and not 0xD0 <= following <= 0xD7:
            return offset
        offset += 2


def _webp_end(upload, size):
    upload.seek(4)
    riff_size = struct.unpack("<I", upload.read(4))[0]
    return 8 + riff_size + (riff_size & 1)


IMAGE_ENDS = {"PNG": _png_end, "JPEG": _jpeg_end, "WEBP": _webp_end}


def check_video(upload):
    """Return a CheckedUpload for an MP4 or WebM video, recognised by content, or raise."""
    size = _checked_size(
        upload,
        settings.PART_VIDEO_MAX_BYTES,
        _("The video is %(size)s; videos may be at most %(max)s."),
        "video_too_large",
    )
    head = _read_head(upload, 4096)
    _check_no_markup(head, _("Upload an MP4 or WebM video."))
    try:
        if head[4:8] == b"ftyp":
            extension = _check_mp4(upload, head, size)
        elif head.startswith(EBML_MAGIC):
            extension = _check_webm(head)
        else:
            raise ValidationError(
                _(
                    "This file is not an MP4 or WebM video (whatever its name says). "
                    "Export the video as MP4 or WebM and upload it again."
                ),
                code="not_a_video",
            )
        _check_playable(upload, extension)
    finally:
        upload.seek(0)
    return CheckedUpload(
        file=upload,
        kind="video",
        extension=extension,
        size=size,
        original_name=_original_name(upload),
    )


def _damaged_video():
    return ValidationError(
        _("The video is damaged or incomplete and cannot be played. Export it again and retry."),
        code="corrupt_video",
    )


def _check_mp4(upload, head, size):
    """MP4: an ftyp box naming an MP4 brand, then a chain of boxes holding moov and media."""
    ftyp_size = struct.unpack(">I", head[0:4])[0]
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(ftyp_size, len(head)) - 3, 4)}
    if major in NOT_VIDEO_BRANDS or not ({major} | compatible) & MP4_BRANDS:
        raise ValidationError(
            _("This file is an ISO media file but not an MP4 video (brand %(brand)s)."),
            code="not_a_video",
            params={"brand": major.decode("ascii", "replace").strip()},
        )
    boxes = set()
    offset = 0
    for _box in range(100_000):
        if offset >= size:
            break
        upload.seek(offset)
        header = upload.read(16)
        if len(header) < 8:
            raise _damaged_video()
        box_size, box_type = struct.unpack(">I4s", header[:8])
        if box_size == 1:
            if len(header) < 16:
                raise _damaged_video()
            box_size = struct.unpack(">Q", header[8:16])[0]
        elif box_size == 0:
            box_size = size - offset
        if box_size < 8 or offset + box_size > size:
            raise _damaged_video()
        boxes.add(box_type)
        offset += box_size
    if b"moov" not in boxes or not boxes & {b"mdat", b"moof"}:
        raise _damaged_video()
    return "mp4"


def _check_playable(upload, extension):
    """Open the video with FFmpeg's demuxer and decode its first picture: a container whose
    index (MP4's moov) or codec data is garbage cannot be played, whatever its boxes say."""
    upload.seek(0)
    source = upload.temporary_file_path() if hasattr(upload, "temporary_file_path") else upload
    try:
        with av.open(source, format="mp4" if extension == "mp4" else "matroska") as container:
            if not container.streams:
                raise _damaged_video()
            stream = next((s for s in container.streams if s.type == "video"), None)
            if stream is None:
                raise ValidationError(
                    _("The file holds no video picture (only sound or data). Upload a video."),
                    code="no_video_stream",
                )
            for count, packet in enumerate(container.demux(stream)):
                if count >= VIDEO_PROBE_PACKETS:
                    break
                if packet.size and packet.decode():
                    return
    except (av.FFmpegError, ValueError, OSError, EOFError, IndexError):
        raise _damaged_video() from None
    finally:
        upload.seek(0)
    raise _damaged_video()


def _read_vint(data, pos, keep_marker):
    """One EBML variable-length integer at pos: (value, next position)."""
    if pos >= len(data):
        raise IndexError(pos)
    first = data[pos]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8 or pos + length > len(data):
        raise IndexError(pos)
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    return value, pos + length


def _check_webm(head):
    """WebM: an EBML header whose DocType is "webm", followed by a Matroska Segment."""
    try:
        _id, pos = _read_vint(head, 0, keep_marker=True)
        header_size, pos = _read_vint(head, pos, keep_marker=False)
        end = pos + header_size
        doctype = None
        while pos < end:
            element_id, pos = _read_vint(head, pos, keep_marker=True)
            element_size, pos = _read_vint(head, pos, keep_marker=False)
            if element_id == EBML_DOCTYPE_ID:
                doctype = head[pos : pos + element_size].rstrip(b"\x00")
            pos += element_size
        segment_id, _pos = _read_vint(head, end, keep_marker=True)
    except IndexError:
        raise _damaged_video() from None
    if doctype != b"webm":
        raise ValidationError(
            _("This file is a Matroska file but not a WebM video (type %(doctype)s)."),
            code="not_a_video",
            params={"doctype": (doctype or b"unknown").decode("ascii", "replace")},
        )
    if segment_id != MATROSKA_SEGMENT_ID:
        raise _damaged_video()
    return "webm"


def make_thumbnail(checked):
    """A small WebP picture of a checked image, for lists and the part page."""
    checked.file.seek(0)
    with Image.open(checked.file, formats=list(IMAGE_EXTENSIONS)) as image:
        image.draft("RGB", (THUMBNAIL_SIZE[0] * 2, THUMBNAIL_SIZE[1] * 2))
        if image.mode in {"RGBA", "LA"}:
            # A smooth resize of a transparent picture first copies it whole (premultiplied
            # alpha): 160 MB more for 40 megapixels. Picking every n-th pixel down to four
            # times the thumbnail first needs no copy; the smooth resize then works on that.
            image = image.resize(
                _fitting(image.size, (THUMBNAIL_SIZE[0] * 4, THUMBNAIL_SIZE[1] * 4)),
                Image.Resampling.NEAREST,
            )
        # Shrunk first, then turned: the full-size picture is never copied.
        image.thumbnail(THUMBNAIL_SIZE)
        picture = ImageOps.exif_transpose(image)
        if picture.mode not in {"RGB", "RGBA"}:
            picture = picture.convert("RGBA" if "A" in picture.getbands() else "RGB")
        output = io.BytesIO()
        picture.save(output, format="WEBP", quality=80)
    checked.file.seek(0)
    return ContentFile(output.getvalue())


def _fitting(size, box):
    """``size`` scaled down (never up) to fit in ``box``, keeping its proportions."""
    scale = min(box[0] / size[0], box[1] / size[1], 1)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))
