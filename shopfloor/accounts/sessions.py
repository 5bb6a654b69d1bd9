"""Sessions kept in the database, as Django keeps them, read in plain SQL.

Every signed-in request reads its session; building that one ORM query cost the scan screen
more time than the database took to answer it. The read is the statement Django's own store
makes (the key, not expired); writing, expiry and ``clearsessions`` are Django's.

Checking the session data's signature (a key derivation and an HMAC) cost a scan more than its
JSON: the JSON of data whose signature held is remembered by the data itself, so the same data
read again (the row unchanged since) is only parsed. The row is still read on every request, so
signing out (its row deleted) ends the session at once in every process.
"""

import json

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

VERIFIED_KEPT = 4096  # session data remembered per process (a few hundred bytes each)
# {session data as stored: its JSON}, for data whose signature held.
_verified = {}


class SessionStore(db.SessionStore):
    def load(self):
        connection = connections[router.db_for_read(self.model)]
        q = connection.ops.quote_name
        sql = (
            f"SELECT {q('session_data')} FROM {q(self.model._meta.db_table)} "
            f"WHERE {q('session_key')} = %s AND {q('expire_date')} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])

    def decode(self, session_data):
        known = _verified.get(session_data)
        if known is not None:
            return json.loads(known)
        session = super().decode(session_data)
        if session:  # a refused signature decodes as {}: checked (and logged) again each time
            if len(_verified) >= VERIFIED_KEPT:
                _verified.clear()
            _verified[session_data] = json.dumps(session)
        return session
