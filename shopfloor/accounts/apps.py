from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "shopfloor.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from shopfloor.languages import remember_language_at_sign_in

        user_logged_in.connect(remember_language_at_sign_in, dispatch_uid="sign-in-language")
