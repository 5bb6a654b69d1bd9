"""Reads for the CFX pages."""

from django.db.models import Count, Q

from shopfloor.cfx.models import DeadLetter, Endpoint

PREVIEW_MESSAGES = 10
PREVIEW_CHARACTERS = 4000


def endpoint_list():
    """Every endpoint heard, with how many of its names wait to be mapped."""
    unmapped = Q(names__field_key="") & Q(names__defect__isnull=True)
    return Endpoint.objects.select_related("station").annotate(
        unmapped=Count("names", filter=unmapped),
        open_dead_letters=Count(
            "messages", filter=Q(messages__dead_letter__status=DeadLetter.Status.OPEN)
        ),
    )


def endpoint_recent_messages(*, endpoint, limit=PREVIEW_MESSAGES):
    """The last messages heard from ``endpoint``, newest first, bodies cut for a preview."""
    messages = list(endpoint.messages.select_related("dead_letter")[:limit])
    for message in messages:
        message.preview = message.body[:PREVIEW_CHARACTERS]
    return messages


def dead_letter_list(*, status=DeadLetter.Status.OPEN):
    return DeadLetter.objects.select_related("message__endpoint", "replayed_by").filter(
        status=status
    )
