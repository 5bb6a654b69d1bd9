from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _procedure_saved(sender, instance, **kwargs):
    from shopfloor.dashboards.figure_cache import count_after_procedure_change

    part_id = instance.model_part_id
    transaction.on_commit(lambda: count_after_procedure_change(part_id))


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
