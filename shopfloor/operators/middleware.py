"""What a badge session may do, and when it ends.

A badge sign-in opens the scan screen of its own station (and what that screen loads); every
other page answers "sign in with your email and password", unless the account's badge policy
opens every page. A badge session idle past ``STATION_IDLE_LOCK_MINUTES`` is ended on its next
request, so a screen left open never scans for the operator who walked away: a page goes to the
lock screen, a queued scan is refused (and not recorded).

An email/password session on a device bound to a station is idle-locked the same way: the
device is shared, so an operator who signed in with a password and walked away must not leave
the screen scanning in their name. Its clock runs from the person's last scan or page (the scan
screen's own background requests do not count). An engineer or supervisor working on pages
other than the station's keeps the usual session there (those pages are their work, not the
shared screen); back on the station's screen after the idle time, they are locked out too.

Which view a request goes to is asked before Django resolves it for the view: the answer
(the view's name and its arguments) is remembered per address and URL configuration, so a
station's scans do not walk the URL patterns twice.
"""

import functools
import time

from django.conf import settings
from django.contrib.auth import logout
from django.core.signals import setting_changed
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, get_urlconf, resolve, reverse
from django.utils.translation import gettext as _

from shopfloor.accounts.roles import Role, user_roles
from shopfloor.operators.models import OperatorBadge
from shopfloor.operators.station_sessions import (
    DEVICE_COOKIE,
    badge_session_of,
    badge_session_touch,
    device_activity_of,
    device_activity_touch,
    device_station,
    device_station_id,
    idle_lock_seconds,
    scan_taken_at,
)

# Views a badge session opens: (namespace:url_name, whether it must be the session's station).
BADGE_VIEWS = {
    "stations:scan": True,
    "stations:submit": True,
    "stations:current": False,
    "operators:badge": False,
    "operators:pin": False,
    "operators:lock": False,
    "accounts:logout": False,
    "accounts:settings": False,
    "media": False,
    # The scripts' translations: every page loads them before its scripts.
    "javascript-catalog": False,
}
LOCK_SCREEN_VIEWS = {"stations:current", "stations:scan", "home"}
# The station's screen and what it loads: a password session's idle lock always applies there.
STATION_VIEWS = {"stations:current", "stations:scan", "stations:submit", "stations:pick", "home"}
# Requests a screen makes on its own: they keep nobody's session open.
BACKGROUND_VIEWS = {"media", "javascript-catalog"}
DESK_ROLES = frozenset({Role.ENGINEER, Role.SUPERVISOR})


@functools.lru_cache(maxsize=1024)
def _route(urlconf, path):
    """(view name, keyword arguments) of ``path`` under ``urlconf``, or None: no view."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    return match.view_name, match.kwargs


def _route_of(request):
    return _route(get_urlconf() or settings.ROOT_URLCONF, request.path_info)


def _forget_routes(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _route.cache_clear()


setting_changed.connect(_forget_routes)


def locked_message(minutes):
    return _(
        "Screen locked after %(minutes)s minutes without a scan: scan your badge, then scan "
        "this unit again. Nothing was recorded."
    ) % {"minutes": minutes}


class StationOperatorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = badge_session_of(request)
        signed_in = request.user.is_authenticated
        if signed_in and session is None:
            if device_station_id(request) is None:
                return self.get_response(request)
            return self._password_session_on_device(request)
        if not signed_in and DEVICE_COOKIE not in request.COOKIES:
            return self.get_response(request)  # not a station device: nothing to decide
        route = _route_of(request)
        if route is None:
            return self.get_response(request)
        view_name, kwargs = route
        if not signed_in:
            # A station device with nobody signed in shows its lock screen, not the
            # email/password page, when the station's screen is opened.
            if view_name in LOCK_SCREEN_VIEWS and device_station(request) is not None:
                return redirect("operators:badge")
            return self.get_response(request)
        is_scan = view_name == "stations:submit" and request.method == "POST"
        when = scan_taken_at(request) if is_scan else time.time()
        if session.is_idle_at(when):
            logout(request)
            return self._locked(request, is_scan)
        if not self._opens(view_name, kwargs, session, request.user):
            return render(request, "operators/badge_not_enough.html", status=403)
        if is_scan:
            badge_session_touch(request, when)
        return self.get_response(request)

    def _password_session_on_device(self, request):
        route = _route_of(request)
        if route is None:
            return self.get_response(request)
        view_name = route[0]
        is_scan = view_name == "stations:submit" and request.method == "POST"
        at_desk = view_name not in STATION_VIEWS and bool(user_roles(request.user) & DESK_ROLES)
        when = scan_taken_at(request) if is_scan else time.time()
        last = device_activity_of(request)
        if not at_desk and last is not None and when - last > idle_lock_seconds():
            logout(request)
            return self._locked(request, is_scan)
        if is_scan or (view_name not in BACKGROUND_VIEWS and "HTTP_HX_REQUEST" not in request.META):
            device_activity_touch(request, when)
        return self.get_response(request)

    def _opens(self, view_name, kwargs, session, user):
        own_station_only = BADGE_VIEWS.get(view_name)
        if own_station_only is None:
            return OperatorBadge.objects.filter(user=user, opens_all_pages=True).exists()
        return not own_station_only or kwargs.get("pk") == session.station_id

    def _locked(self, request, is_scan):
        if is_scan:
            minutes = f"{idle_lock_seconds() / 60:g}"
            message = locked_message(minutes)
            return JsonResponse({"status": "refused", "code": "station_locked", "message": message})
        return redirect(f"{reverse('operators:badge')}?locked=1")
