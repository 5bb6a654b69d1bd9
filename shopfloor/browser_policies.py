"""What a browser may do with the app's pages, besides the Content-Security-Policy (django-csp,
configured in settings): the features a page may use, and whether it may be kept.

- ``Permissions-Policy``: no page may use the camera, microphone, position or payment APIs,
  except the scan screen, which may use the camera (to read barcodes) through ``allow_camera``.
- ``Cache-Control: no-store`` on everything answered to a signed-in user that does not say
  otherwise: station PCs are shared, and the browser's back button or disk cache must not show
  the next person what the last one saw. Media files set their own (private) caching.
"""

import functools

FEATURES_DENIED = ("camera", "microphone", "geolocation", "payment", "usb", "serial", "hid")
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in FEATURES_DENIED)
CAMERA_ALLOWED_POLICY = ", ".join(
    "camera=(self)" if feature == "camera" else f"{feature}=()" for feature in FEATURES_DENIED
)


def allow_camera(view):
    """The view's page may use the camera (the scan screen's barcode reader)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Permissions-Policy"] = CAMERA_ALLOWED_POLICY
        return response

    return wrapper


class BrowserPoliciesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"  # what patch_cache_control writes here
        return response
