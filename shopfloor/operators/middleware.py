"""What a badge session may do, and when it ends.

A badge sign-in opens the scan screen of its own station (and what that screen loads); every
other page answers "sign in with your email and password", unless the account's badge policy
opens every page. A badge session idle past ``STATION_IDLE_LOCK_MINUTES`` is ended on its next
request, so a screen left open never scans for the operator who walked away: a page goes to the
lock screen, a queued scan is refused (and not recorded).
"""

import time

from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse

from shopfloor.operators.models import OperatorBadge
from shopfloor.operators.station_sessions import (
    DEVICE_COOKIE,
    badge_session_of,
    badge_session_touch,
    device_station,
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
    "media": False,
}
LOCK_SCREEN_VIEWS = {"stations:current", "stations:scan", "home"}
LOCKED_MESSAGE = (
    "Screen locked after {minutes} minutes without a scan: scan your badge, then scan this "
    "unit again. Nothing was recorded."
)


class StationOperatorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = badge_session_of(request)
        signed_in = request.user.is_authenticated
        if signed_in and session is None:
            return self.get_response(request)
        if not signed_in and DEVICE_COOKIE not in request.COOKIES:
            return self.get_response(request)  # not a station device: nothing to decide
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        if not signed_in:
            # A station device with nobody signed in shows its lock screen, not the
            # email/password page, when the station's screen is opened.
            if match.view_name in LOCK_SCREEN_VIEWS and device_station(request) is not None:
                return redirect("operators:badge")
            return self.get_response(request)
        is_scan = match.view_name == "stations:submit" and request.method == "POST"
        when = scan_taken_at(request) if is_scan else time.time()
        if session.is_idle_at(when):
            logout(request)
            return self._locked(request, is_scan)
        if not self._opens(match, session, request.user):
            return render(request, "operators/badge_not_enough.html", status=403)
        if is_scan:
            badge_session_touch(request, when)
        return self.get_response(request)

    def _opens(self, match, session, user):
        own_station_only = BADGE_VIEWS.get(match.view_name)
        if own_station_only is None:
            return OperatorBadge.objects.filter(user=user, opens_all_pages=True).exists()
        return not own_station_only or match.kwargs.get("pk") == session.station_id

    def _locked(self, request, is_scan):
        if is_scan:
            minutes = f"{idle_lock_seconds() / 60:g}"
            message = LOCKED_MESSAGE.format(minutes=minutes)
            return JsonResponse({"status": "refused", "code": "station_locked", "message": message})
        return redirect(f"{reverse('operators:badge')}?locked=1")
