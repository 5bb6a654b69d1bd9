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
from shopfloor.accounts.models import User
from shopfloor.accounts.roles import Role
from shopfloor.stations.models import Station

DEMO_PASSWORD = "shopfloor-demo"
DEMO_STATIONS = [
    ("SMD-1", "smd"),
    ("QC-1", "qc"),
    ("TEST-1", "testing"),
    ("DISPATCH-1", "dispatch"),
]

DEMO_PROCEDURE = {
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

DEMO_USERS = [
    ("admin@shopfloor.example", "Demo Admin", None),
    ("engineer@shopfloor.example", "Demo Engineer", Role.ENGINEER),
    ("operator@shopfloor.example", "Demo Operator", Role.OPERATOR),
    ("supervisor@shopfloor.example", "Demo Supervisor", Role.SUPERVISOR),
]


class Command(BaseCommand):
    help = "Load demo users (one per role) and a demo part with its procedure. Safe to run again."

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

        part = self.demo_part()
        if not PartProcedureDetail.objects.filter(model_part=part).exists():
            # Through the service, like an engineer: this creates the part's unit table.
            engineer = User.objects.get(email__iexact="engineer@shopfloor.example")
            procedure_apply(part=part, config=DEMO_PROCEDURE, user=engineer)
        for name, stage in DEMO_STATIONS:
            station, _created = Station.objects.get_or_create(
                name=name, defaults={"line": "Line A", "stage": stage}
            )
            station.parts.add(part)
        self.print_credentials(part)

    def demo_part(self):
        part = ModelPart.objects.filter(part_no__iexact="EICS112_Part").first()
        if part is None:
            return part_create(
                created_by=None,
                model_no="EICS112",
                part_no="EICS112_Part",
                part_image=check_image(demo_board_picture()),
            )
        if not part.part_image:
            return part_update(
                part=part,
                changed_by=None,
                model_no=part.model_no,
                part_no=part.part_no,
                part_image=check_image(demo_board_picture()),
            )
        return part

    def print_credentials(self, part):
        self.stdout.write(
            self.style.SUCCESS("Demo data is ready. Sign in at http://127.0.0.1:8000")
        )
        for email, _full_name, role in DEMO_USERS:
            label = role.label if role else "Admin"
            self.stdout.write(f"  {label:<11} {email:<30} password: {DEMO_PASSWORD}")
        self.stdout.write(f"  Demo part: {part.model_no} / {part.part_no}")
        self.stdout.write(f"  Demo stations: {', '.join(name for name, _stage in DEMO_STATIONS)}")


def demo_board_picture():
    """A drawn circuit board, so the demo part has a picture to show."""
    image = Image.new("RGB", (640, 480), "#1f5f3a")
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, 619, 459], outline="#d4af37", width=6)
    for x in range(80, 600, 90):
        draw.rectangle([x, 120, x + 50, 170], fill="#222222")
        draw.line([x + 25, 170, x + 25, 330], fill="#d4af37", width=4)
        draw.ellipse([x + 15, 330, x + 35, 350], fill="#c0c0c0")
    draw.text((40, 400), "EICS112_Part", fill="white")
    output = io.BytesIO()
    image.save(output, format="PNG")
    return ContentFile(output.getvalue(), name="demo-board.png")
