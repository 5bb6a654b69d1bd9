"""How the scan rules refuse: one exception, with a stable code, a reason and its details."""


class ScanRefused(Exception):
    """A scan (or supervisor action) is refused; nothing was written."""

    def __init__(self, code, message, **details):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


def invalid(fields):
    """A refusal for bad input: ``fields`` maps each bad field to what is wrong with it."""
    return ScanRefused("invalid", " ".join(fields.values()), fields=fields)
