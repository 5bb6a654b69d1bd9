"""The languages of the line as people and stations choose them: the model field, and the
person's own language kept in their session (read by ``shopfloor.language_choice``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SESSION_LANGUAGE = "shopfloor.language"


def language_choices():
    """The languages a person or a station may choose; blank means "no preference"."""
    return [(code, name) for code, name in settings.LANGUAGES]


def language_field(help_text):
    """The ``language`` model field shared by people and stations."""
    return models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=language_choices(),
        help_text=help_text,
    )


def known_language(code):
    """``code`` when it is one of ``settings.LANGUAGES``, else ""."""
    return code if code in dict(settings.LANGUAGES) else ""


def session_language_keep(request, code):
    """Keep the person's own language (``""``: none) in their session."""
    request.session[SESSION_LANGUAGE] = known_language(code)


def remember_language_at_sign_in(sender, request, user, **kwargs):
    """``user_logged_in`` receiver: every sign-in (password, badge) keeps the language."""
    if request is not None and hasattr(request, "session"):
        session_language_keep(request, getattr(user, "language", ""))
