"""Sessions kept in the database, as Django keeps them, read in plain SQL.

Every signed-in request reads its session; building that one ORM query cost the scan screen
more time than the database took to answer it. The read is the statement Django's own store
makes (the key, not expired); writing, expiry and ``clearsessions`` are Django's.
"""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


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
