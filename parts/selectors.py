"""Reads of parts: the active list with search and model filter, look-ups, the audit trail."""

from django.db.models import CharField, Q, Value
from django.db.models.functions import Lower, Trim

from parts.models import MEDIA_FIELDS, THUMBNAIL_FIELDS, ModelPart, PartChange


def part_list(*, search="", model_no="", archived=False):
    """Parts matching a search on model no. or part no. and a model filter.

    Active parts unless ``archived`` is true, then archived ones only.
    """
    parts = ModelPart.objects.archived() if archived else ModelPart.objects.active()
    search = search.strip()
    if search:
        parts = parts.filter(Q(model_no__icontains=search) | Q(part_no__icontains=search))
    if model_no:
        parts = parts.filter(model_no=model_no)
    return parts.order_by("model_no", "part_no", "pk")


def parts_visible(*, user):
    """The parts ``user`` may open: all for whoever may change parts (to restore an archived
    one), active ones only for everyone else; an archived part, its procedure and its media
    are then "not found", however its id is guessed."""
    if user.has_perm("parts.change_modelpart"):
        return ModelPart.objects.all()
    return ModelPart.objects.active()


def part_model_numbers(*, archived=False):
    """The model numbers that have parts, for the model filter."""
    parts = ModelPart.objects.archived() if archived else ModelPart.objects.active()
    return list(parts.order_by("model_no").values_list("model_no", flat=True).distinct())


def part_find_by_part_no(*, part_no):
    """The part using this part no., compared case-insensitively and without surrounding space.

    Archived parts count: a part no. stays taken while its part is archived.
    """
    part_no = (part_no or "").strip()
    if not part_no:
        return None
    return parts_with_part_no(part_no).first()


def parts_with_part_no(part_no):
    """The parts (at most one) whose part no. is ``part_no`` (stripped) in any letter case.

    The database lower-cases both sides, exactly as the unique constraint does, so the lookup
    is one probe of the constraint's index however many parts there are.
    """
    return ModelPart.objects.alias(part_no_normalised=Lower(Trim("part_no"))).filter(
        part_no_normalised=Lower(Value(part_no, output_field=CharField()))
    )


def part_changes(*, part):
    """The part's audit trail, newest first."""
    return PartChange.objects.filter(part=part).select_related("changed_by")


def part_media_is_stored(*, name, user):
    """Whether a stored media file (or thumbnail) belongs to a part ``user`` may open."""
    if not name:
        return False
    fields = [*MEDIA_FIELDS, *THUMBNAIL_FIELDS.values()]
    query = Q()
    for field in fields:
        query |= Q(**{field: name})
    return parts_visible(user=user).filter(query).exists()


def part_referenced_media():
    """Every stored media and thumbnail name that some part points at."""
    fields = [*MEDIA_FIELDS, *THUMBNAIL_FIELDS.values()]
    names = set()
    for row in ModelPart.objects.values_list(*fields):
        names.update(name for name in row if name)
    return names


def part_media_names(*, part):
    """{media field: the name its current file was uploaded with}, read from the part's
    history (the newest upload of each field; a field cleared since has no name)."""
    names = {}
    for changes in part.changes.order_by("-changed_at", "-id").values_list("changes", flat=True):
        for name in MEDIA_FIELDS:
            change = (changes or {}).get(name)
            if name not in names and change is not None:
                names[name] = change.get("uploaded_as") or ""
    return {name: uploaded for name, uploaded in names.items() if uploaded}
