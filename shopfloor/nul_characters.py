"""Requests carrying a NUL character are refused before any view sees them.

No name, number, search or code the floor uses holds a NUL (U+0000), and PostgreSQL cannot
store or even compare one in text: a NUL reaching a query raises deep inside the database
driver. So a NUL anywhere in the address (path or query string) or in a posted form field is
answered ``400`` with the reason, JSON under ``/api/``, a plain page elsewhere, and nothing is
read or written. Uploaded files are content, not text, and are left to their own checks.

UTF-8 URL-encoded text (the query string, a form's body) decodes to a NUL only from a NUL
byte or ``%00``: text holding neither is let through without being parsed here (parsing every
scan's form to look in it cost a scan more than the look). Anything else (a NUL or ``%00``
somewhere, another charset) is parsed as the view would read it, and looked in.
"""

from django.http import HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.template import loader

from shopfloor.errors import API_PREFIX

NUL = "\x00"
ENCODED_NUL = "%00"
UTF_8 = "utf-8"  # only a NUL byte decodes to a NUL (others, UTF-7 or UTF-16, are parsed)
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MESSAGE = (
    "The request holds a NUL character (U+0000), which no name, number or code may contain. "
    "Nothing was read or saved."
)


def _holds_nul(query_dict):
    return any(
        NUL in key or any(NUL in value for value in values) for key, values in query_dict.lists()
    )


def _may_hold_nul(raw, encoding):
    """Whether URL-encoded ``raw`` (str or bytes) may decode to text holding a NUL."""
    if (encoding or UTF_8).lower() != UTF_8:
        return True
    if isinstance(raw, bytes):
        return NUL.encode() in raw or ENCODED_NUL.encode() in raw
    return NUL in raw or ENCODED_NUL in raw


def _form_may_hold_nul(request):
    try:
        body = request.body
    except RawPostDataException:  # the body was read as a stream already: parse it
        return True
    return _may_hold_nul(body, request.encoding)


def request_holds_nul(request):
    """True when the path, the query string or a form-encoded field holds a NUL."""
    if NUL in request.path:
        return True
    query = request.META.get("QUERY_STRING", "")
    if _may_hold_nul(query, request.encoding) and _holds_nul(request.GET):
        return True
    return (
        request.content_type == FORM_CONTENT_TYPE
        and request.method == "POST"  # Django parses the form of a POST only
        and _form_may_hold_nul(request)
        and _holds_nul(request.POST)
    )


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
