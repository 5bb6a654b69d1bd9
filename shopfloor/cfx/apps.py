from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CfxConfig(AppConfig):
    name = "shopfloor.cfx"
    label = "cfx"
    verbose_name = _("Machines (IPC-CFX)")
