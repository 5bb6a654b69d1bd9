from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = _("Procedures")

    def ready(self):
        from procedures import rebuild_jobs
        from shopfloor.jobs.signals import housekeeping_done

        housekeeping_done.connect(rebuild_jobs.changing_flags_clear_after_housekeeping)
