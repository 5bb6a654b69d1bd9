from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shopfloor.scanning.services import api_token_issue


class Command(BaseCommand):
    help = (
        "Create (or rotate) the scan API token of station or device NAME and print it alone "
        "on the last line. A station named NAME binds the token to that station's stage."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The station or device, e.g. QC-1 or test-rig-3.")
        parser.add_argument(
            "--stages",
            default="",
            help="Comma-separated stage keys the token may scan, e.g. smd,qc (default: all).",
        )
        parser.add_argument(
            "--read",
            action="store_true",
            help="Let the token also read units (history, names, hold reasons) and summaries.",
        )

    def handle(self, *args, name, stages, read, **options):
        stage_keys = [key.strip() for key in stages.split(",") if key.strip()]
        try:
            token, secret = api_token_issue(name=name.strip(), stages=stage_keys, may_read=read)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        allowed = ", ".join(token.stage_list) or (
            token.station.stage if token.station else "every stage"
        )
        where = f"station {token.station.name}" if token.station else "device"
        reads = "; may read units" if token.may_read else ""
        self.stdout.write(f"Token of {where} {token.name}, may scan: {allowed}{reads}. Shown once:")
        self.stdout.write(secret)
