"""What a browser may do with the app's pages: the Content-Security-Policy (django-csp,
configured in settings), the features a page may use, and whether it may be kept.

- ``Content-Security-Policy``: django-csp's middleware, with the site-wide policy built once
  per process (``ContentSecurityPolicyMiddleware``): building it from the settings on every
  response (every directive copied, for the enforced and the report-only policy) cost a scan
  more than most of its middleware. A view with a policy of its own (``csp_update`` and the
  like) or a page that used a nonce still has its policy built for it.

- ``Permissions-Policy``: no page may use the camera, microphone, position or payment APIs,
  except the scan screen, which may use the camera (to read barcodes) through ``allow_camera``.
- ``Cache-Control: no-store`` on everything answered to a signed-in user that does not say
  otherwise: station PCs are shared, and the browser's back button or disk cache must not show
  the next person what the last one saw. Media files set their own (private) caching.
"""

import functools

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed

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


# A response's own policy, set by django-csp's decorators.
OWN_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
# (header, the response's exemption from it, its setting, report only)
POLICIES = (
    (HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY", False),
    (HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
)
_site_policies = {}


def _site_policy(report_only):
    policy = _site_policies.get(report_only)
    if policy is None:
        policy = _site_policies[report_only] = build_policy(report_only=report_only)
    return policy


def _forget_site_policies(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _site_policies.clear()


setting_changed.connect(_forget_site_policies)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware; a response with no policy of its own, to a request that used
    no nonce, gets the site-wide policy built once (what django-csp would build for it)."""

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in OWN_POLICY
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for header, exempt, setting, report_only in POLICIES:
            policy = _site_policy(report_only)
            if not policy or header in response or getattr(response, exempt, False):
                continue
            excluded = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES")
            if not request.path_info.startswith(tuple(excluded or ())):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
