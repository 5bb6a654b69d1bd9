from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from shopfloor.accounts.models import User


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


class PersonSettingsForm(forms.ModelForm):
    """What a person sets for themselves: the language of their pages."""

    class Meta:
        model = User
        fields = ["language"]
        labels = {"language": _("Language of my pages")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("No preference: the station's language, else my browser's")),
            *self.fields["language"].choices[1:],
        ]
        self.fields["language"].error_messages["invalid_choice"] = _(
            "Language: %(value)s is not one of the languages offered. Choose one in the list."
        )
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save my settings")))
