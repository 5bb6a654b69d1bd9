"""Which language a request is answered in, without a database round trip.

In order: the signed-in person's own language (kept in their session when they sign in, by
password or by badge, and when they change it on their settings page), else the language of
the station this device is bound to (carried in the signed device cookie beside the station,
see ``shopfloor.operators.station_sessions``), else the browser's Accept-Language among
``settings.LANGUAGES``, else English (``settings.LANGUAGE_CODE``). The token-authenticated API
reads Accept-Language only: it has no session and no device.

A language an admin sets for someone already signed in applies from their next sign-in.
"""

from django.contrib.auth import SESSION_KEY
from django.db import DatabaseError
from django.utils import translation
from django.utils.cache import patch_vary_headers

from shopfloor.languages import SESSION_LANGUAGE, known_language
from shopfloor.operators.station_sessions import device_language, device_language_refresh

API_PREFIX = "/api/"
VARY = ("Accept-Language", "Cookie")


def _person_language(request):
    session = getattr(request, "session", None)
    try:
        if session is None or SESSION_KEY not in session:
            return ""
    except DatabaseError:
        # The session could not be read (the database is down): the sign-in check that reads
        # it next fails the same way, and the 503 page is said in the device's or browser's
        # language rather than in whatever language this thread answered last.
        return ""
    return known_language(session.get(SESSION_LANGUAGE, ""))


def request_language(request):
    """The language ``request`` is answered in (see the module's docstring)."""
    if not request.path_info.startswith(API_PREFIX):
        chosen = _person_language(request) or known_language(device_language(request))
        if chosen:
            return chosen
    return translation.get_language_from_request(request)


class LanguageMiddleware:
    """Activates ``request_language``; in place of Django's ``LocaleMiddleware``. A device whose
    station's language changed since its cookie was issued gets the cookie again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request_language(request)
        translation.activate(language)
        # A code of settings.LANGUAGES, as translation.get_language() would give it back.
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        device_language_refresh(request, response)
        if "Vary" in response.headers:
            patch_vary_headers(response, VARY)
        else:  # what patch_vary_headers writes when there is none yet
            response.headers["Vary"] = ", ".join(VARY)
        response.headers.setdefault("Content-Language", language)
        return response
