from django.core.management.base import BaseCommand, CommandError

from shopfloor.cfx.models import Message
from shopfloor.cfx.services import RECORDED, message_replay


class Command(BaseCommand):
    help = (
        "Record again the logged CFX messages of one name (e.g. the MaterialsInstalled messages "
        "kept before lot components were recorded), oldest first. What was recorded before is "
        "answered from its scan receipts, so running it twice records nothing twice; a message "
        "that cannot be recorded gets a dead letter with the reason."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--name",
            required=True,
            help="The MessageName, e.g. CFX.Production.Assembly.MaterialsInstalled.",
        )
        parser.add_argument("--endpoint", default=None, help="Only the messages of this handle.")

    def handle(self, *args, **options):
        messages = Message.objects.filter(name=options["name"]).order_by("received_at", "id")
        if options["endpoint"]:
            messages = messages.filter(endpoint__handle=options["endpoint"])
        if not messages.exists():
            raise CommandError(f"No logged message is named {options['name']!r}.")
        counts = {"recorded": 0, "dead-lettered": 0}
        for message in messages.iterator():
            receipt = message_replay(message=message)
            counts["recorded" if receipt.status == RECORDED else "dead-lettered"] += 1
        self.stdout.write(
            f"{counts['recorded']} recorded, {counts['dead-lettered']} dead-lettered "
            "(see Machines → Dead letters)."
        )
