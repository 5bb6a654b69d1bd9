from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _procedure_saved(sender, instance, **kwargs):
    from shopfloor.dashboards.recount_jobs import recount_start

    part_id = instance.model_part_id
    # Queued once the save is committed; a worker counts (the save does not wait for it).
    transaction.on_commit(lambda: recount_start(part_id))


class DashboardsConfig(AppConfig):
    name = "shopfloor.dashboards"
    label = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self):
        post_save.connect(
            _procedure_saved,
            sender="procedures.PartProcedureDetail",
            dispatch_uid="dashboards_count_after_procedure_change",
        )
