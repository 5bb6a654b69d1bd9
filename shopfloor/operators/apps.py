from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperatorsConfig(AppConfig):
    name = "shopfloor.operators"
    label = "operators"
    verbose_name = _("Operators at stations")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from shopfloor.operators.models import QualificationRule
        from shopfloor.operators.services import limited_stages_forget

        for signal in (post_save, post_delete):
            signal.connect(
                limited_stages_forget,
                sender=QualificationRule,
                dispatch_uid="operators.limited_stages",
            )
