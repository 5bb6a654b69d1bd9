"""Sign-in throttling: django-axes counts failed sign-ins per account and per address.

After ``SIGN_IN_FAILURE_LIMIT`` failures for one account (whatever the address), or from one
address (whatever the accounts), further sign-ins for it are refused for
``SIGN_IN_LOCKOUT_MINUTES``; every refused try during the lockout starts it again, so a
guesser who keeps going waits ever longer. A right password does not get through a lockout.
Each failure and each lockout is logged by axes (logger ``axes``) with the account and the
address; admins see them, and may lift a lockout, under *Axes* in the admin, or with
``manage.py axes_reset_username EMAIL`` / ``axes_reset_ip ADDRESS``.

The functions below are axes' hooks: the account is the email as the backend compares it
(letter case does not make a new account), the address is the client's as the reverse
proxy reports it (``TRUSTED_PROXY_COUNT``, see docs/deploy.md), and a locked-out visitor
gets the sign-in page again with a message that names no account.
"""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from shopfloor.accounts.forms import SignInForm

LOCKED_OUT_STATUS = 429


def account_of(request, credentials):
    """The account a sign-in names, compared without letter case or surrounding spaces."""
    username = (credentials or {}).get("username") or (credentials or {}).get("email") or ""
    return str(username).strip().lower()


def client_address(request):
    """The client's address: REMOTE_ADDR, or, behind ``TRUSTED_PROXY_COUNT`` proxies that each
    append to X-Forwarded-For, the entry the outermost trusted proxy wrote (what a client
    writes itself in the header is further left and never trusted)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        if len(forwarded) >= proxies and forwarded[-proxies]:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def locked_out(request, original_response=None, credentials=None):
    """The sign-in page again, saying sign-in is paused; 429 with ``Retry-After``."""
    minutes = settings.SIGN_IN_LOCKOUT_MINUTES
    message = _(
        "Sign-in is paused after too many failed attempts. Wait %(minutes)s minutes and try "
        "again, or ask an administrator to lift the pause."
    ) % {"minutes": minutes}
    form = SignInForm(request)
    response = render(
        request,
        "accounts/sign_in.html",
        {"form": form, "locked_out_message": message},
        status=LOCKED_OUT_STATUS,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
