"""Sessions kept in the database, as Django keeps them, read with the person signed in to them.

Every signed-in request reads its session and then the person behind it, with their
permissions. The session row (``accounts.Session``) carries the signed-in account in a column
of its own, written whenever the session is saved, so one statement reads both: the session
row, joined with the person and their permissions (``EmailBackend.user_with_permissions_
columns``). ``shopfloor.accounts.middleware`` builds ``request.user`` from those rows, checking
the session's auth hash as Django does. Writing, expiry and ``clearsessions`` are Django's.

Nothing about the person is kept between requests: both rows are read on every request, so
signing out (the session row deleted), a password change, a disabled account or a role taken
away holds from the next request in every process.

Checking the session data's signature (a key derivation and an HMAC) cost a scan more than its
JSON: the JSON of data whose signature held is remembered by the data itself, so the same data
read again (the row unchanged since) is only parsed.
"""

import functools
import json

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from shopfloor.accounts.backends import user_with_permissions_columns
from shopfloor.accounts.models import Session

VERIFIED_KEPT = 4096  # session data remembered per process (a few hundred bytes each)
# {session data as stored: its JSON}, for data whose signature held.
_verified = {}


class SessionStore(db.SessionStore):
    # The rows of the person signed in to the session as read with it (user's columns, then a
    # permission's), or None when the session names no account or was not read.
    account_rows = None

    @classmethod
    def get_model_class(cls):
        return Session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.account_id = _account_id(data)
        return session

    async def acreate_model_instance(self, data):
        session = await super().acreate_model_instance(data)
        session.account_id = _account_id(data)
        return session

    def load(self):
        connection = connections[router.db_for_read(self.model)]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_session_with_account_sql(connection.alias), [self.session_key, now])
            rows = cursor.fetchall()
        self.account_rows = None
        if not rows:
            self._session_key = None
            return {}
        if rows[0][1] is not None:
            self.account_rows = [row[1:] for row in rows]
        return self.decode(rows[0][0])

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


def _account_id(data):
    """The id of the account signed in to session ``data``, or None."""
    value = data.get(SESSION_KEY)
    return int(value) if isinstance(value, str) and value.isdigit() else None


@functools.cache
def _session_with_account_sql(alias):
    """The session (the key, not expired, as Django's own store reads it), once per permission
    of the person signed in to it: its data, then the person's columns and a permission's."""
    q = connections[alias].ops.quote_name
    session, user = Session._meta, Session._meta.get_field("account").related_model._meta
    select, joins = user_with_permissions_columns()
    return (
        f"SELECT s.{q('session_data')}, {select} FROM {q(session.db_table)} s "
        f"LEFT JOIN {q(user.db_table)} u ON u.{q(user.pk.column)} = s.{q('account_id')} "
        f"{joins} "
        f"WHERE s.{q('session_key')} = %s AND s.{q('expire_date')} > %s"
    )
