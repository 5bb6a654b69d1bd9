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

A request that knows, before its session is read, of another read it will make (the scan
screen's scan, its station) asks for it with ``read_alongside``: its rows come back in the same
statement (a ``UNION ALL`` beside the session's rows), read as fresh as the session itself.

Checking the session data's signature (a key derivation and an HMAC) cost a scan more than its
JSON: the JSON of data whose signature held is remembered by the data itself, so the same data
read again (the row unchanged since) is only parsed. It is remembered with the signing keys
it held under (``SECRET_KEY`` and its fallbacks): data signed by a key since taken away is
checked again, and refused.
"""

import functools
import json

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from shopfloor.accounts.backends import user_with_permissions_columns
from shopfloor.accounts.models import Session
from shopfloor.prepared_statements import prepared_cursor
from shopfloor.signed_memory import SignedMemory

# The JSON of session data as stored whose signature held (``shopfloor.signed_memory``).
_verified = SignedMemory()


class SessionStore(db.SessionStore):
    # The rows of the person signed in to the session as read with it (user's columns, then a
    # permission's), or None when the session names no account or was not read.
    account_rows = None
    # (key, SQL, its parameters, its number of columns) of a read asked for with the session.
    _alongside = None
    # {key: the rows of the read asked for with the session}, once the session is loaded.
    _alongside_rows = {}

    def read_alongside(self, key, sql, params, width):
        """Read the rows of ``sql`` (``width`` columns, ``params`` its parameters) in the
        statement that loads this session, unless the session is loaded already; they are
        then ``rows_alongside(key)``."""
        if not hasattr(self, "_session_cache"):
            self._alongside = (key, sql, list(params), width)

    def rows_alongside(self, key):
        """The rows read with the session for ``key`` (``read_alongside``), or None when they
        were not read with it."""
        return self._alongside_rows.get(key)

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
        params = [self.session_key, now]
        if self._alongside is None:
            columns, _width, rest = _session_with_account(connection.alias)
            with prepared_cursor(connection) as cursor:
                cursor.execute(f"SELECT {columns} {rest}", params)
                rows = cursor.fetchall()
        else:
            rows = self._load_alongside(connection, params)
        self.account_rows = None
        if not rows:
            self._session_key = None
            return {}
        if rows[0][1] is not None:
            self.account_rows = [row[1:] for row in rows]
        return self.decode(rows[0][0])

    def _load_alongside(self, connection, session_params):
        """The session's rows, read in one statement with the rows asked for alongside (kept
        in ``_alongside_rows``). Each row starts with which of the two it is; the columns of
        the other are NULL."""
        key, sql, params, width = self._alongside
        columns, session_width, rest = _session_with_account(connection.alias)
        blanks, padding = ", ".join(["NULL"] * width), ", ".join(["NULL"] * session_width)
        with prepared_cursor(connection) as cursor:
            cursor.execute(
                f"SELECT 0, {columns}, {blanks} {rest} "
                f"UNION ALL SELECT 1, {padding}, x.* FROM ({sql}) x",
                [*session_params, *params],
            )
            rows = cursor.fetchall()
        self._alongside_rows = {key: [row[-width:] for row in rows if row[0] == 1]}
        return [row[1 : 1 + session_width] for row in rows if row[0] == 0]

    def decode(self, session_data):
        known = _verified.get(session_data)
        if known is not None:
            return json.loads(known)
        session = super().decode(session_data)
        if session:  # a refused signature decodes as {}: checked (and logged) again each time
            _verified.keep(session_data, json.dumps(session))
        return session


def _account_id(data):
    """The id of the account signed in to session ``data``, or None."""
    value = data.get(SESSION_KEY)
    return int(value) if isinstance(value, str) and value.isdigit() else None


@functools.cache
def _session_with_account(alias):
    """The statement that reads the session (the key, not expired, as Django's own store reads
    it) once per permission of the person signed in to it: its data, then the person's columns
    and a permission's. As (its SELECT list, the number of columns, the rest of it)."""
    q = connections[alias].ops.quote_name
    session, user = Session._meta, Session._meta.get_field("account").related_model._meta
    select, joins = user_with_permissions_columns()
    width = 1 + len(user.concrete_fields) + 3
    rest = (
        f"FROM {q(session.db_table)} s "
        f"LEFT JOIN {q(user.db_table)} u ON u.{q(user.pk.column)} = s.{q('account_id')} "
        f"{joins} "
        f"WHERE s.{q('session_key')} = %s AND s.{q('expire_date')} > %s"
    )
    return f"s.{q('session_data')}, {select}", width, rest
