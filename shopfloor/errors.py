"""What a request that fails on the server answers: never a bare 500 without explanation.

``server_error`` is the project's ``handler500``. When the database could not be reached or
gave up on the request (PostgreSQL restarting, a dropped connection, a deadlock it broke), the
answer is 503 with ``Retry-After``. The request's transaction was rolled back (or, if the
connection dropped during the commit, may have been kept): sending it again is safe, since a
scan already recorded answers "already recorded". The scan API answers JSON with a stable
``error.code``, as its contract says every answer does; pages get a plain page that needs
neither the database nor a session.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as django_server_error

API_PREFIX = "/api/"
RETRY_AFTER_SECONDS = 2
DATABASE_ERRORS = (OperationalError, InterfaceError)


def _database_failed():
    _type, error, _traceback = sys.exc_info()
    while error is not None:
        if isinstance(error, DATABASE_ERRORS):
            return True
        error = error.__cause__ or error.__context__
    return False


@requires_csrf_token
def server_error(request):
    """503 when the database failed the request, else 500; JSON under /api/."""
    is_api = request.path.startswith(API_PREFIX)
    if _database_failed():
        message = _(
            "The database did not answer (it may be restarting or busy), so this request may "
            "not have been completed. Send it again in a moment: a scan that was already "
            'recorded is answered "already recorded", never counted twice.'
        )
        if is_api:
            response = JsonResponse(
                {"error": {"code": "database_unavailable", "message": message}}, status=503
            )
        else:
            page = loader.render_to_string("503.html", {"message": message})
            response = HttpResponse(page, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if is_api:
        message = _("The server failed on this request; it has been logged. Nothing was recorded.")
        return JsonResponse({"error": {"code": "server_error", "message": message}}, status=500)
    return django_server_error(request)


def json_error(code, message, status, **details):
    """A JSON refusal in the one shape every endpoint uses:
    ``{"error": {"code": ..., "message": ..., <details>}}``."""
    return JsonResponse({"error": {"code": code, "message": message, **details}}, status=status)
