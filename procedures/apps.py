from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = _("Procedures")

    def ready(self):
        from procedures import changing
        from shopfloor.jobs.signals import housekeeping_done

        housekeeping_done.connect(changing.changing_flags_clear_after_housekeeping)
