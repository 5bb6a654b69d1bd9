"""Requests carrying a NUL character are refused before any view sees them.

No name, number, search or code the floor uses holds a NUL (U+0000), and PostgreSQL cannot
store or even compare one in text: a NUL reaching a query raises deep inside the database
driver. So a NUL anywhere in the address (path or query string) or in a posted form field is
answered ``400`` with the reason, JSON under ``/api/``, a plain page elsewhere, and nothing is
read or written. Uploaded files are content, not text, and are left to their own checks.
"""

from django.http import HttpResponse, JsonResponse
from django.template import loader

from shopfloor.errors import API_PREFIX

NUL = "\x00"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MESSAGE = (
    "The request holds a NUL character (U+0000), which no name, number or code may contain. "
    "Nothing was read or saved."
)


def _holds_nul(query_dict):
    return any(
        NUL in key or any(NUL in value for value in values) for key, values in query_dict.lists()
    )


def request_holds_nul(request):
    """True when the path, the query string or a form-encoded field holds a NUL."""
    if NUL in request.path or _holds_nul(request.GET):
        return True
    return request.content_type == FORM_CONTENT_TYPE and _holds_nul(request.POST)


class RefuseNulCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request_holds_nul(request):
            return self.get_response(request)
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"error": {"code": "invalid", "message": MESSAGE}}, status=400)
        page = loader.render_to_string("400.html", {"message": MESSAGE}, request=request)
        return HttpResponse(page, status=400)
