from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from parts.unit_tables.drift import find_differences, repair
from parts.unit_tables.rebuild import unit_table_rebuild
from procedures.models import PartProcedureDetail


class Command(BaseCommand):
    help = (
        "check: list every difference between each part's procedure and its real unit table. "
        "sync: repair them (missing tables and columns, wrong types, USID uniqueness, the "
        "indexes of unique fields and measured stages); safe "
        "to run again. Columns and tables no procedure uses are reported and kept. "
        "rebuild [PART_ID ...]: give back the slots of dropped columns (PostgreSQL counts them "
        "toward its 1,600-column limit) by copying each table afresh; scans of a part wait "
        "while its table is rebuilt."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "sync", "rebuild"])
        parser.add_argument("parts", nargs="*", type=int, help="part ids (rebuild; default all)")

    def handle(self, *args, action, parts, **options):
        procedures = list(PartProcedureDetail.objects.select_related("model_part").order_by("pk"))
        if action == "rebuild":
            self.rebuild([p for p in procedures if not parts or p.model_part_id in parts])
            return
        if action == "sync":
            self.sync(procedures)
        differences = find_differences(procedures)
        for difference in differences:
            self.stdout.write(str(difference))
        if action == "check" and differences:
            raise CommandError(
                f"{len(differences)} difference(s) between procedures and unit tables; "
                "`unit_tables sync` repairs those marked repairable."
            )
        if not differences:
            self.stdout.write(
                self.style.SUCCESS(f"{len(procedures)} unit table(s) match their procedures.")
            )

    def rebuild(self, procedures):
        for procedure in procedures:
            part = procedure.model_part

            def progress(copied, total, part=part):
                self.stdout.write(f"{part.part_no}: {copied:,} of {total:,} units copied")

            freed = unit_table_rebuild(part, progress=progress)
            self.stdout.write(f"{part.part_no}: {freed:,} dropped column slot(s) given back")

    def sync(self, procedures):
        failures = []
        for procedure in procedures:
            try:
                for line in repair(procedure):
                    self.stdout.write(line)
            except ValidationError as error:
                failures.append(error.messages[0])
        for failure in failures:
            self.stderr.write(f"not repaired: {failure}")
