import io

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from PIL import Image, ImageDraw

from parts.media import check_image
from parts.models import ModelPart
from parts.services import part_create, part_update
from procedures.models import PartProcedureDetail
from procedures.services import procedure_apply
from shopfloor.accounts.management.demo_line import DemoRun, units_load
from shopfloor.accounts.models import User
from shopfloor.accounts.roles import Role
from shopfloor.stations.defect_reasons import DEFAULT_DEFECT_REASONS
from shopfloor.stations.models import DefectReason, Station

DEMO_PASSWORD = "shopfloor-demo"
DEMO_PSU_PROCEDURE = {
    "version": 1,
    "stages": [
        {"key": "smd", "label": "SMD", "result": "pass_fail", "media": ["part_image"]},
        {"key": "qc", "label": "QC", "result": "pass_fail", "media": ["qc_video"]},
        {"key": "testing", "label": "Testing", "result": "pass_fail", "media": ["testing_video"]},
        {"key": "dispatch", "label": "Dispatch", "result": "done"},
    ],
    "fields": [
        {
            "key": "firmware_version",
            "label": "Firmware version",
            "type": "text",
            "stage": "testing",
        },
    ],
}

DEMO_CONTROLLER_PROCEDURE = {
    "version": 1,
    "stages": [
        {"key": "smd", "label": "SMD", "result": "pass_fail", "media": ["part_image"]},
        {
            "key": "leaded",
            "label": "Leaded",
            "result": "done",
            "instructions": "Fit the connectors and the relay, then wave-solder.",
        },
        {
            "key": "glueing",
            "label": "Glueing",
            "result": "done",
            "optional": True,
            "instructions": "Glue the relay and the electrolytic capacitors for vibration.",
        },
        {"key": "qc", "label": "QC", "result": "pass_fail", "media": ["qc_video"]},
        {"key": "testing", "label": "Testing", "result": "pass_fail", "media": ["testing_video"]},
        {"key": "dispatch", "label": "Dispatch", "result": "done"},
    ],
    "fields": [],
}

# (model no., part no., board colour, procedure, how its units go)
DEMO_PARTS = [
    (
        "EICS112",
        "EICS112_Part",
        "#1f5f3a",
        DEMO_PSU_PROCEDURE,
        DemoRun(
            prefix="PSU",
            units=2400,
            fail_rates={"smd": 0.03, "qc": 0.05, "testing": 0.04},
            defects={
                "smd": {"solder_bridge": 5, "tombstone": 3, "missing_component": 2},
                "qc": {"dry_joint": 4, "wrong_component": 2, "damaged": 1},
                "testing": {"output_voltage": 5, "test_failed": 2},
            },
            firmware="2.4.1",
        ),
    ),
    (
        "CTL220",
        "CTL220_Controller",
        "#1d3f6e",
        DEMO_CONTROLLER_PROCEDURE,
        DemoRun(
            prefix="CTL",
            units=1200,
            fail_rates={"smd": 0.04, "qc": 0.07, "testing": 0.05},
            defects={
                "smd": {"solder_bridge": 3, "missing_component": 3, "tombstone": 1},
                "qc": {"glue_missing": 3, "dry_joint": 3, "damaged": 1},
                "testing": {"no_boot": 4, "test_failed": 2},
            },
        ),
    ),
]

# (name, stage, part numbers it runs)
DEMO_STATIONS = [
    ("SMD-1", "smd", ["EICS112_Part", "CTL220_Controller"]),
    ("LEAD-1", "leaded", ["CTL220_Controller"]),
    ("GLUE-1", "glueing", ["CTL220_Controller"]),
    ("QC-1", "qc", ["EICS112_Part", "CTL220_Controller"]),
    ("TEST-1", "testing", ["EICS112_Part", "CTL220_Controller"]),
    ("DISPATCH-1", "dispatch", ["EICS112_Part", "CTL220_Controller"]),
]

DEMO_DEFECT_REASONS = [
    ("tombstone", "Tombstoned component"),
    ("glue_missing", "Glue missing"),
    ("output_voltage", "Output voltage out of range"),
    ("no_boot", "Does not boot"),
]

DEMO_USERS = [
    ("admin@shopfloor.example", "Demo Admin", None),
    ("engineer@shopfloor.example", "Demo Engineer", Role.ENGINEER),
    ("operator@shopfloor.example", "Demo Operator", Role.OPERATOR),
    ("supervisor@shopfloor.example", "Demo Supervisor", Role.SUPERVISOR),
]


class Command(BaseCommand):
    help = (
        "Load demo users (one per role), two demo parts with their procedures, stations and a "
        "few days of units. Safe to run again: it adds nothing the second time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--address",
            default="http://127.0.0.1:8000",
            help="The address the server answers at, printed with the accounts.",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        for email, full_name, role in DEMO_USERS:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                if role is None:
                    user = User.objects.create_superuser(email, DEMO_PASSWORD, full_name=full_name)
                else:
                    user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
            else:
                # Keep the printed credentials true even if someone changed the password.
                user.set_password(DEMO_PASSWORD)
                user.is_active = True
                user.save(update_fields=["password", "is_active"])
            if role is not None:
                user.groups.add(Group.objects.get(name=role.value))

        engineer = User.objects.get(email__iexact="engineer@shopfloor.example")
        operator = User.objects.get(email__iexact="operator@shopfloor.example")
        supervisor = User.objects.get(email__iexact="supervisor@shopfloor.example")
        # The demo line's fails name the default reasons too: make sure they are there.
        for code, label in [*DEFAULT_DEFECT_REASONS, *DEMO_DEFECT_REASONS]:
            DefectReason.objects.get_or_create(code=code, defaults={"label": label})
        parts = {}
        for model_no, part_no, colour, procedure, _run in DEMO_PARTS:
            part = self.demo_part(model_no, part_no, colour)
            if not PartProcedureDetail.objects.filter(model_part=part).exists():
                # Through the service, like an engineer: this creates the part's unit table.
                procedure_apply(part=part, config=procedure, user=engineer)
            parts[part_no] = part
        stations = {}
        for name, stage, part_nos in DEMO_STATIONS:
            station, _created = Station.objects.get_or_create(
                name=name, defaults={"line": "Line A", "stage": stage}
            )
            station.parts.add(*(parts[part_no] for part_no in part_nos))
            stations.setdefault(station.stage, station)
        written = 0
        for seed, (_model_no, part_no, _colour, _procedure, run) in enumerate(DEMO_PARTS):
            written += units_load(
                parts[part_no],
                run,
                stations=stations,
                operator=operator,
                supervisor=supervisor,
                seed=seed,
            )
        self.print_credentials(parts.values(), written, options["address"])

    def demo_part(self, model_no, part_no, colour):
        part = ModelPart.objects.filter(part_no__iexact=part_no).first()
        if part is None:
            return part_create(
                created_by=None,
                model_no=model_no,
                part_no=part_no,
                part_image=check_image(demo_board_picture(part_no, colour)),
            )
        if not part.part_image:
            return part_update(
                part=part,
                changed_by=None,
                model_no=part.model_no,
                part_no=part.part_no,
                part_image=check_image(demo_board_picture(part.part_no, colour)),
            )
        return part

    def print_credentials(self, parts, written, address):
        if written:
            self.stdout.write(f"  Demo line: {written:,} units over the last days.")
        self.stdout.write(self.style.SUCCESS(f"Demo data is ready. Sign in at {address}"))
        for email, _full_name, role in DEMO_USERS:
            label = role.label if role else "Admin"
            self.stdout.write(f"  {label:<11} {email:<30} password: {DEMO_PASSWORD}")
        names = ", ".join(f"{part.model_no} / {part.part_no}" for part in parts)
        self.stdout.write(f"  Demo parts: {names}")
        self.stdout.write(f"  Demo stations: {', '.join(name for name, *_rest in DEMO_STATIONS)}")


def demo_board_picture(part_no="EICS112_Part", colour="#1f5f3a"):
    """A drawn circuit board, so a demo part has a picture to show."""
    image = Image.new("RGB", (640, 480), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, 619, 459], outline="#d4af37", width=6)
    for x in range(80, 600, 90):
        draw.rectangle([x, 120, x + 50, 170], fill="#222222")
        draw.line([x + 25, 170, x + 25, 330], fill="#d4af37", width=4)
        draw.ellipse([x + 15, 330, x + 35, 350], fill="#c0c0c0")
    draw.text((40, 400), part_no, fill="white")
    output = io.BytesIO()
    image.save(output, format="PNG")
    return ContentFile(output.getvalue(), name=f"{part_no.lower()}.png")
