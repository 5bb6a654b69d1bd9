from django.conf import settings
from django.core.management.base import BaseCommand

from shopfloor.cfx.listener import listen


class Command(BaseCommand):
    help = (
        "Record the IPC-CFX messages machines publish to the broker (CFX_BROKER_URL, CFX_QUEUE) "
        "as scans. Runs until stopped; reconnects by itself. Run one per queue: per plant or "
        "per line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue", default=None, help="The queue address (default CFX_QUEUE).")
        parser.add_argument(
            "--ack-delay",
            type=float,
            default=0.0,
            help="Seconds to wait between commit and acknowledgement (fault drills only).",
        )

    def handle(self, *args, **options):
        listen(
            url=settings.CFX_BROKER_URL,
            address=options["queue"] or settings.CFX_QUEUE,
            user=settings.CFX_BROKER_USER,
            password=settings.CFX_BROKER_PASSWORD,
            prefetch=settings.CFX_PREFETCH,
            ack_delay=options["ack_delay"],
        )
