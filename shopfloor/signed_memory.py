"""What a signature check found, remembered in the process, for the keys it was checked with.

Checking a signature (a key derivation and an HMAC) costs a scan more than what it protects:
the session's data, the session's auth hash, a station device's cookie are the same from one
request to the next. ``SignedMemory`` remembers the result of a check that held, keyed by the
signing keys in use (``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``) and what was checked: a key
changed or taken away is a new key here, so the check runs again (and refuses what it must); a
check that failed is never remembered. At most ``kept`` entries; when full it starts afresh.
"""

from django.conf import settings


def signing_keys():
    """The keys signatures are made and checked with now."""
    return settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS)


class SignedMemory:
    def __init__(self, kept=4096):
        self.kept = kept
        self._found = {}

    def get(self, checked):
        """What the check of ``checked`` found under the current keys, or None."""
        return self._found.get((signing_keys(), checked))

    def keep(self, checked, found):
        """Remember ``found``, what the check of ``checked`` found under the current keys."""
        if len(self._found) >= self.kept:
            self._found.clear()
        self._found[(signing_keys(), checked)] = found
        return found
