"""Private media: part images and videos go only to signed-in users allowed to view parts.

The app serves the bytes itself, honouring single HTTP Range requests (206) so videos can be
seeked, and conditional requests (ETag / Last-Modified, 304). In production, with
``MEDIA_ACCEL_REDIRECT`` set, it only checks access and hands the file to nginx through
``X-Accel-Redirect`` (see docs/deploy.md); nginx then does ranges itself.
"""

import re
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_safe

from parts import selectors
from parts.media import CONTENT_TYPES

CHUNK_SIZE = 64 * 1024
RANGE_PATTERN = re.compile(r"^bytes=(\d*)-(\d*)$")
# A byte position with more digits than this is past the end of any file; reading it as a
# number would cost time (and over 4,300 digits Python refuses to).
POSITION_MAX_DIGITS = 18
# Files are never rewritten in place (a replaced file gets a new name), so browsers may keep
# them; "private" keeps shared proxies from storing what needs a sign-in.
CACHE_CONTROL = "private, max-age=86400"
# Opened on its own, a media file runs nothing, even if a browser ever took it for a page.
# Chrome draws an image or video opened on its own with inline styles of its viewer, and its
# video player fetches the file again from the sandboxed document: so the viewer's styles are
# allowed and the sandbox keeps the file's own origin (styles run nothing, and the sandbox
# still runs no script, so nothing can use that origin).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; "
    "sandbox allow-same-origin"
)


@require_safe
@permission_required("parts.view_modelpart", raise_exception=True)
def part_media(request, path):
    """One stored part image, thumbnail or video, for a signed-in user who may view parts."""
    stored = selectors.part_media_is_stored(name=path, user=request.user)
    if not stored or not default_storage.exists(path):
        raise Http404("No such media file.")
    extension = PurePosixPath(path).suffix.lower().lstrip(".")
    content_type = CONTENT_TYPES.get(extension, "application/octet-stream")
    size = default_storage.size(path)
    modified = default_storage.get_modified_time(path).timestamp()
    etag = quote_etag(f"{size:x}-{int(modified * 1_000_000):x}")

    not_modified = get_conditional_response(request, etag=etag, last_modified=int(modified))
    if not_modified is not None:
        return _with_headers(not_modified, etag, modified, content_type, path)

    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT.rstrip("/") + "/" + quote(path)
        return _with_headers(response, etag, modified, content_type, path)

    byte_range = _requested_range(request, size, etag)
    if byte_range == "unsatisfiable":
        response = HttpResponse(status=416, content_type="text/plain")
        response["Content-Range"] = f"bytes */{size}"
        return _with_headers(response, etag, modified, content_type, path)
    if request.method == "HEAD":
        response = HttpResponse(content_type=content_type)
        response["Content-Length"] = str(size)
    elif byte_range is None:
        # The whole file: FileResponse lets the WSGI server use sendfile.
        response = FileResponse(default_storage.open(path, "rb"), content_type=content_type)
    else:
        start, end = byte_range
        body = _FileSlice(default_storage.open(path, "rb"), start, end - start + 1)
        response = StreamingHttpResponse(body, status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    return _with_headers(response, etag, modified, content_type, path)


def _requested_range(request, size, etag):
    """(start, end) of a single satisfiable byte range, "unsatisfiable", or None for all.

    Several ranges, a malformed header or an If-Range that no longer matches get the whole
    file, as RFC 9110 allows.
    """
    header = request.headers.get("Range", "")
    match = RANGE_PATTERN.match(header.strip())
    if not match:
        return None
    if_range = request.headers.get("If-Range")
    if if_range is not None and if_range.strip() != etag:
        return None
    first, last = (_position(text) for text in match.groups())
    if first is None and last is None:
        return None
    if first is None:  # the last N bytes
        suffix = last
        if suffix == 0 or size == 0:
            return "unsatisfiable"
        return max(size - suffix, 0), size - 1
    start = first
    if start >= size:
        return "unsatisfiable"
    end = min(last, size - 1) if last is not None else size - 1
    if end < start:
        return None
    return start, end


def _position(digits):
    """A byte position from its digits: None when empty, beyond any file when too long."""
    if digits == "":
        return None
    digits = digits.lstrip("0") or "0"
    if len(digits) > POSITION_MAX_DIGITS:
        return 10**POSITION_MAX_DIGITS
    return int(digits)


def _with_headers(response, etag, modified, content_type, path):
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = CACHE_CONTROL
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    disposition = "attachment" if content_type == "application/octet-stream" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{PurePosixPath(path).name}"'
    return response


class _FileSlice:
    """Iterates over ``length`` bytes of an open file from ``start``, then closes it."""

    def __init__(self, file, start, length):
        self.file = file
        self.remaining = length
        file.seek(start)

    def __iter__(self):
        while self.remaining > 0:
            chunk = self.file.read(min(CHUNK_SIZE, self.remaining))
            if not chunk:
                break
            self.remaining -= len(chunk)
            yield chunk
        self.close()

    def close(self):
        self.file.close()
