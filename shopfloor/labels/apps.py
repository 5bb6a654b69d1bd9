from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabelsConfig(AppConfig):
    name = "shopfloor.labels"
    label = "labels"
    verbose_name = _("Serial numbers and labels")

    def ready(self):
        from shopfloor.labels import registration_printing

        registration_printing.connect()
