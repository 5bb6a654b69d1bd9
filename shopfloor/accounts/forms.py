from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """Email and password. A refusal never tells which of the two was wrong."""

    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        "invalid_login": _(
            "Sign-in failed: that email and password do not match an account that can sign in. "
            "Check both and try again, or ask an administrator."
        ),
        "inactive": _(
            "Sign-in failed: that email and password do not match an account that can sign in. "
            "Check both and try again, or ask an administrator."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Sign in"), css_class="btn-lg w-100"))
