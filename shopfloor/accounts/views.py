from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shopfloor.accounts.forms import PersonSettingsForm, SignInForm
from shopfloor.language_choice import request_language
from shopfloor.languages import session_language_keep


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


@require_http_methods(["GET", "POST"])
def person_settings(request):
    """The signed-in person's own settings (their language); any role may set them."""
    data = request.POST if request.method == "POST" else None
    form = PersonSettingsForm(data, instance=request.user)
    if request.method == "POST" and form.is_valid():
        person = form.save()
        session_language_keep(request, person.language)
        # Said (on the next page) in the language this choice gives.
        translation.activate(request_language(request))
        messages.success(request, _("Your settings are saved."))
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form})
