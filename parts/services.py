"""Writes to parts: create, update, archive, restore; each one audited and tidy with its files.

Media arguments are ``CheckedUpload`` objects from ``parts.media`` (content already checked),
``CLEAR`` to remove the file, or ``None`` to leave it as it is. New files are written inside the
transaction and removed again if it fails; files a change replaces or clears are deleted only
after the transaction commits, so the database never points at a missing file. When the media
storage is full, the half-written file goes too and the change is refused with a
``ValidationError`` (code ``storage_full``) that says so.
"""

import errno
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parts.media import CheckedUpload, make_thumbnail
from parts.models import MEDIA_FIELDS, THUMBNAIL_FIELDS, ModelPart, PartChange
from parts.selectors import part_find_by_part_no

logger = logging.getLogger(__name__)

CLEAR = "clear"
"""Pass as a media argument to remove that file from the part."""

AUDITED_FIELDS = ("model_no", "part_no", *MEDIA_FIELDS, "archived_at")
STORAGE_FULL_ERRORS = {errno.ENOSPC, errno.EDQUOT}


def part_create(
    *,
    created_by,
    model_no,
    part_no,
    form_image=None,
    part_image=None,
    qc_video=None,
    testing_video=None,
):
    """Create a part with its media and record who created it; return the part."""
    media = dict(zip(MEDIA_FIELDS, (form_image, part_image, qc_video, testing_video), strict=True))
    return _write(
        part=ModelPart(),
        user=created_by,
        action=PartChange.Action.CREATED,
        fields={"model_no": model_no, "part_no": part_no},
        media={name: value for name, value in media.items() if value not in (None, CLEAR)},
    )


def part_update(
    *,
    part,
    changed_by,
    model_no,
    part_no,
    form_image=None,
    part_image=None,
    qc_video=None,
    testing_video=None,
    seen_version=None,
):
    """Change a part's numbers and media; record the fields that changed; return the part.

    ``seen_version`` is the part's ``version`` when the editor opened it: if someone saved the
    part since, nothing is written and the error names who did.
    """
    media = dict(zip(MEDIA_FIELDS, (form_image, part_image, qc_video, testing_video), strict=True))
    return _write(
        part=part,
        user=changed_by,
        action=PartChange.Action.UPDATED,
        fields={"model_no": model_no, "part_no": part_no},
        media={name: value for name, value in media.items() if value is not None},
        seen_version=seen_version,
    )


def part_archive(*, part, archived_by):
    """Hide a part from active lists and stations, keeping all its data; return the part."""
    return _write(
        part=part,
        user=archived_by,
        action=PartChange.Action.ARCHIVED,
        fields={"archived_at": timezone.now()},
    )


def part_restore(*, part, restored_by):
    """Bring an archived part back to the active lists and stations; return the part."""
    return _write(
        part=part,
        user=restored_by,
        action=PartChange.Action.RESTORED,
        fields={"archived_at": None},
    )


def part_version(part):
    """A token that changes whenever the part is saved (for edit conflict detection)."""
    return part.updated_at.isoformat() if part.updated_at else ""


def _write(*, part, user, action, fields, media=None, seen_version=None):
    media = media or {}
    written = []  # new files, removed again if anything below fails
    replaced = []  # old files, removed once the transaction has committed
    try:
        with transaction.atomic():
            if part.pk is not None:
                # NO KEY UPDATE: scans keep writing events that reference the part while a
                # large upload is being stored here (their foreign-key check takes KEY SHARE).
                part = ModelPart.objects.select_for_update(no_key=True).get(pk=part.pk)
                if seen_version is not None and seen_version != part_version(part):
                    raise _stale_edit(part)
                if action == PartChange.Action.ARCHIVED and part.is_archived:
                    return part
                if action == PartChange.Action.RESTORED and not part.is_archived:
                    return part
            before = _snapshot(part)
            for name, value in fields.items():
                if name in ("model_no", "part_no"):
                    value = (value or "").strip()
                setattr(part, name, value)
            if "part_no" in fields:
                _check_part_no_free(part)
            # The part no. check above names the part that holds it; the database enforces it.
            part.full_clean(
                exclude=[*MEDIA_FIELDS, *THUMBNAIL_FIELDS.values()], validate_constraints=False
            )
            uploads = {}
            for name, value in media.items():
                old_names = _stored_files(part, name)
                if value == CLEAR:
                    if not old_names:
                        continue
                    _clear_file(part, name)
                elif isinstance(value, CheckedUpload):
                    _store_upload(part, name, value, written)
                    uploads[name] = value.original_name
                else:
                    raise TypeError(f"{name} must be a CheckedUpload, CLEAR or None.")
                replaced.extend(old_names)
            changes = _diff(before, _snapshot(part), uploads)
            if part.pk is not None and not changes:
                return part
            try:
                with transaction.atomic():
                    part.save()
            except IntegrityError:
                # Another request took the part no. between the check and the save.
                _check_part_no_free(part)
                raise
            PartChange.objects.create(
                part=part,
                action=action,
                changed_by=user if user is not None and user.is_authenticated else None,
                changed_by_label=_label(user),
                changes=changes,
            )
            transaction.on_commit(lambda: _delete_files(part, replaced))
    except OSError as error:
        _delete_files(part, written)
        if error.errno in STORAGE_FULL_ERRORS:
            logger.error("Part media storage is full: %s", error)
            raise _storage_full() from error
        raise
    except BaseException:
        _delete_files(part, written)
        raise
    return part


def _storage_full():
    return ValidationError(
        _(
            "There is no room left on the server to store this file: its media storage is "
            "full. Nothing was saved. Tell an administrator; once space is freed, send the "
            "form again."
        ),
        code="storage_full",
    )


def part_no_check_free(*, part_no, part=None):
    """Raise ValidationError naming the part that already uses this part no., if any.

    Compared case-insensitively and without surrounding space; archived parts count.
    """
    owner = part_find_by_part_no(part_no=part_no)
    if owner is None or (part is not None and owner.pk == part.pk):
        return
    raise ValidationError(
        _("Part no. “%(part_no)s” is already used by part %(owner)s%(archived)s."),
        code="part_no_taken",
        params={
            "part_no": part_no.strip(),
            "owner": f"{owner.part_no} (model {owner.model_no})",
            "archived": _(" (archived)") if owner.is_archived else "",
        },
    )


def _check_part_no_free(part):
    try:
        part_no_check_free(part_no=part.part_no, part=part)
    except ValidationError as error:
        raise ValidationError({"part_no": error}) from None


def _stale_edit(part):
    last = part.changes.order_by("-changed_at", "-id").first()
    who = last.changed_by_label if last else _("someone")
    when = timezone.localtime(part.updated_at).strftime("%Y-%m-%d %H:%M:%S")
    return ValidationError(
        _(
            "%(who)s saved this part at %(when)s, after you opened it. Nothing was saved: "
            "reload the page to see their change, then make yours again."
        ),
        code="stale",
        params={"who": who, "when": when},
    )


def _stored_files(part, name):
    names = [getattr(part, name).name]
    if name in THUMBNAIL_FIELDS:
        names.append(getattr(part, THUMBNAIL_FIELDS[name]).name)
    return [stored for stored in names if stored]


def _clear_file(part, name):
    setattr(part, name, "")
    if name in THUMBNAIL_FIELDS:
        setattr(part, THUMBNAIL_FIELDS[name], "")


def _store_upload(part, name, upload, written):
    # The thumbnail is made first: saving may move a spooled upload's file away.
    thumbnail = make_thumbnail(upload) if name in THUMBNAIL_FIELDS else None
    # The stored name comes from the checked content ("<random>.<extension>"), never the upload.
    _save_file(part, name, f"{name}.{upload.extension}", upload.file, written)
    if thumbnail is not None:
        _save_file(part, THUMBNAIL_FIELDS[name], f"{name}.webp", thumbnail, written)


def _save_file(part, field_name, filename, content, written):
    # The fresh random name is listed in ``written`` before a byte is written: a write that
    # fails half-way (a full disk) leaves a partial file there, and it must go too.
    field = ModelPart._meta.get_field(field_name)
    target = field.generate_filename(part, filename)
    written.append(target)
    stored = field.storage.save(target, content, max_length=field.max_length)
    if stored != target:
        written.append(stored)
    setattr(part, field_name, stored)


def _delete_files(part, names):
    storage = ModelPart._meta.get_field("part_image").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not delete media file %s of part %s", name, part.pk)


def _snapshot(part):
    values = {}
    for name in AUDITED_FIELDS:
        value = getattr(part, name)
        if name in MEDIA_FIELDS:
            value = value.name or ""
        elif name == "archived_at":
            value = value.isoformat() if value else None
        values[name] = value
    return values


def _diff(before, after, uploads):
    changes = {}
    for name in AUDITED_FIELDS:
        if before[name] != after[name]:
            changes[name] = {"old": before[name], "new": after[name]}
            if name in uploads:
                changes[name]["uploaded_as"] = uploads[name]
    return changes


def _label(user):
    if user is None or not user.is_authenticated:
        return _("System")
    full_name = user.get_full_name()
    return full_name if full_name == user.email else f"{full_name} <{user.email}>"
