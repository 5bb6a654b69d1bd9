"""Django's messages, their storage set up on a request only when something uses it.

Django's ``MessageMiddleware`` builds the storage of every request (a cookie storage with its
signer, and a session storage) before the view runs. Most requests never add or show a
message (a scan screen's scan, the API, a page fetched by htmx), and building it cost a scan
more than its use: here the storage is built when a view or template first touches it, and
stored at the response only then. Untouched, Django's would store nothing either (it stores
when messages were read or added).
"""

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.utils.functional import SimpleLazyObject, empty


class LazyMessageMiddleware(MessageMiddleware):
    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response  # never touched: nothing to store
        return super().process_response(request, response)
