"""JSON sent to the app is read strictly: a key given twice in one object is refused.

Python's ``json`` keeps the last of two equal keys silently, while another reader (a proxy, a
log, the client's own checks) may keep the first: ``{"stage": "smd", "stage": "qc"}`` would
mean one thing to whoever checked it and another to the server. Every JSON body and file the
app reads goes through ``json_loads``, which refuses such a document and names the key.
"""

import json


class DuplicateKey(ValueError):
    """A JSON object holds the same key twice; ``key`` names it."""

    def __init__(self, key):
        self.key = key
        super().__init__(f"The key {key[:60]!r} appears twice in one object; send each key once.")


def _object_without_duplicates(pairs):
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        for key, _value in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return result


def json_loads(text):
    """``json.loads`` that raises DuplicateKey for an object holding a key twice."""
    return json.loads(text, object_pairs_hook=_object_without_duplicates)
