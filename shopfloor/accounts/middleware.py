"""``request.user`` built from the rows read with the session, in place of a statement of its own.

Django's ``AuthenticationMiddleware`` reads the person behind a session with a second
statement. ``shopfloor.accounts.sessions`` reads them with the session already (its account
column joined with the person and their permissions), so the person is built from those rows,
then checked exactly as ``django.contrib.auth.get_user`` checks them: the session names a
configured backend, the account may sign in, and the session's auth hash matches the
account's (a password change ends every other session; a hash made with a fallback secret is
renewed). A session whose rows do not hold its account (saved before the column existed, or
signed in by another backend) is read Django's way.

``request.user`` is the person itself, not Django's lazy stand-in: every request asks for it
before its view (``shopfloor.operators.middleware`` does, for any request), so putting it off
saved nothing, and each of the dozen looks at it through the stand-in cost a scan three calls.
The account's auth hash (an HMAC of its password hash) is remembered per password hash and
secret key, so a password change or a new key is a new hash, checked as before.
"""

from functools import partial

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware, auser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import constant_time_compare

from shopfloor.accounts.backends import EmailBackend
from shopfloor.signed_memory import SignedMemory

EMAIL_BACKEND = f"{EmailBackend.__module__}.{EmailBackend.__qualname__}"
# The session auth hash each password hash makes (``shopfloor.signed_memory``).
_auth_hashes = SignedMemory()


def _session_auth_hash(user):
    """``user.get_session_auth_hash()``, remembered for the same password hash and keys."""
    known = _auth_hashes.get(user.password)
    if known is None:
        known = _auth_hashes.keep(user.password, user.get_session_auth_hash())
    return known


def session_user(request):
    """The person signed in to ``request``'s session, or ``AnonymousUser``."""
    session = request.session
    # Reading the key loads the session, and with it the rows of its account.
    rows = getattr(session, "account_rows", None) if auth.SESSION_KEY in session else None
    if (
        not rows
        or session.get(auth.BACKEND_SESSION_KEY) != EMAIL_BACKEND
        or EMAIL_BACKEND not in settings.AUTHENTICATION_BACKENDS
        or str(rows[0][0]) != str(session[auth.SESSION_KEY])
    ):
        return auth.get_user(request)
    user = EmailBackend().user_from_rows(rows)
    if user is None:
        return AnonymousUser()
    session_hash = session.get(auth.HASH_SESSION_KEY)
    current_hash = _session_auth_hash(user)
    if session_hash and constant_time_compare(session_hash, current_hash):
        return user
    if session_hash and any(
        constant_time_compare(session_hash, fallback_hash)
        for fallback_hash in user.get_session_auth_fallback_hash()
    ):
        session.cycle_key()
        session[auth.HASH_SESSION_KEY] = current_hash
        return user
    session.flush()
    return AnonymousUser()


class SessionAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's ``AuthenticationMiddleware``, with ``request.user`` from ``session_user``, read
    at once (see the module's docstring)."""

    def process_request(self, request):
        if not hasattr(request, "session"):
            raise ImproperlyConfigured("SessionAuthenticationMiddleware needs SessionMiddleware.")
        request.user = session_user(request)
        request.auser = partial(auser, request)
