"""Files of a part form that was sent with a mistake, kept for the next try.

When a part form comes back with an error, the files in it that passed their checks are kept
on the server (under ``PART_DRAFT_ROOT``, never served) and the form carries, per file, a
signed token naming the kept file, its original name and the person who sent it. Sending the
form again without choosing that file again uses the kept one, checked again like a new
upload. A token is honoured only for the person it was given to and for
``PART_DRAFT_KEEP_HOURS``; kept files older than that are removed whenever a file is kept,
and a file is removed as soon as the part it was kept for is saved.
"""

import re
import secrets
import time

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.utils.translation import gettext as _

SALT = "parts.upload-drafts"
KEPT_SUFFIX = "_kept"
_DRAFT_ID = re.compile(r"^[0-9a-f]{32}\Z")


class KeptFile(File):
    """A kept file read back, named as it was uploaded (for the checks and the history)."""


def _root():
    root = settings.PART_DRAFT_ROOT
    root.mkdir(parents=True, exist_ok=True)
    return root


def _keep_seconds():
    return settings.PART_DRAFT_KEEP_HOURS * 3600


def draft_keep(*, checked, field, user_id):
    """Keep the content of ``checked`` (a CheckedUpload) for the next try of the form; the
    signed token the form carries for it."""
    _prune()
    draft_id = secrets.token_hex(16)
    path = _root() / draft_id
    checked.file.seek(0)
    with open(path, "wb") as out:
        for chunk in checked.file.chunks():
            out.write(chunk)
    checked.file.seek(0)
    payload = {"id": draft_id, "field": field, "name": checked.original_name, "user": user_id}
    return signing.dumps(payload, salt=SALT)


def draft_open(*, token, field, user_id):
    """The kept file ``token`` names, as a ``KeptFile`` named as uploaded; None when the token
    is not valid, not this person's, for another field, expired, or its file is gone."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=_keep_seconds())
    except (signing.BadSignature, TypeError):
        return None
    if payload.get("field") != field or payload.get("user") != user_id:
        return None
    if not _DRAFT_ID.match(str(payload.get("id", ""))):
        return None
    path = _root() / payload["id"]
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed by the caller through the File)
    except FileNotFoundError:
        return None
    kept = KeptFile(handle, name=payload.get("name") or _("kept file"))
    kept.draft_path = path
    return kept


def draft_name(token):
    """The original name a token's kept file was uploaded with ('' when the token is bad)."""
    try:
        return signing.loads(token, salt=SALT, max_age=_keep_seconds()).get("name", "")
    except (signing.BadSignature, TypeError):
        return ""


def draft_discard(kept):
    """Remove a kept file once the part it was kept for is saved."""
    kept.close()
    kept.draft_path.unlink(missing_ok=True)


def _prune():
    """Remove kept files older than the time a token is honoured."""
    limit = time.time() - _keep_seconds()
    for path in _root().iterdir():
        try:
            if _DRAFT_ID.match(path.name) and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            continue
