import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection


class EmailBackend(ModelBackend):
    """Signs users in by email, case-insensitively; inactive accounts are refused.

    Refusals never say which part was wrong, so the sign-in page gives no hint of
    which accounts exist or are disabled.

    The person behind a session is read with their permissions (their own and their roles')
    in one statement on every request, so a page's role check costs no statement of its own
    and a role taken away holds from the next request on.
    """

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        return super().authenticate(request, username=username or email, password=password)

    def get_user(self, user_id):
        # A cursor, not ``raw()``: raw() builds a whole user for each permission row.
        with connection.cursor() as cursor:
            cursor.execute(_user_with_permissions_sql(), [user_id])
            rows = cursor.fetchall()
        return self.user_from_rows(rows)

    def user_from_rows(self, rows):
        """The person of ``rows`` (the user's columns then the permission's, once per
        permission: ``user_with_permissions_columns``), or None when there are none or the
        account may not sign in."""
        columns = _user_columns()
        if not rows or rows[0][0] is None:
            return None
        values = list(rows[0][: len(columns)])
        for index, converters, column in _user_converters(connection.vendor):
            for converter in converters:
                values[index] = converter(values[index], column, connection)
        user_model = get_user_model()
        user = user_model.from_db(connection.alias, [field.attname for field in columns], values)
        if not self.user_can_authenticate(user):
            return None
        if not user.is_superuser:  # a superuser holds every permission, listed or not
            perms = [row[len(columns) :] for row in rows if row[len(columns)] is not None]
            own = {f"{app}.{code}" for via, app, code in perms if via == "user"}
            roles = {f"{app}.{code}" for via, app, code in perms if via == "group"}
            # The caches ModelBackend fills on a first check, filled here instead.
            user._user_perm_cache, user._group_perm_cache = own, roles
            user._perm_cache = own | roles
        return user


@functools.cache
def _user_columns():
    return tuple(get_user_model()._meta.concrete_fields)


@functools.cache
def _user_converters(vendor):
    """(column index, converters, column) of the user's columns whose database values need
    converting (SQLite's datetimes, for one), as the ORM would convert them."""
    found = []
    for index, field in enumerate(_user_columns()):
        column = field.get_col(field.model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if converters:
            found.append((index, converters, column))
    return tuple(found)


@functools.cache
def user_with_permissions_columns():
    """The SELECT list and joins that read the person of ``u."id"`` (the user table aliased
    ``u``) once per permission they hold (once with NULLs when none), each row saying whether
    the permission is the user's own or comes with one of their groups: what
    ``EmailBackend.user_from_rows`` builds the person from. The session store joins them to
    the session row, so a request reads its session and its person in one statement."""
    user_model = get_user_model()
    q = connection.ops.quote_name
    user, permission = user_model._meta, Permission._meta
    own = user.get_field("user_permissions").remote_field.through._meta
    member = user.get_field("groups").remote_field.through._meta
    granted = Group.permissions.through._meta
    content_type = ContentType._meta
    columns = ", ".join(f"u.{q(field.column)}" for field in user.concrete_fields)
    named = (
        f"JOIN {q(permission.db_table)} p ON p.{q('id')} = x.{q('permission_id')} "
        f"JOIN {q(content_type.db_table)} c ON c.{q('id')} = p.{q('content_type_id')}"
    )
    select = f"{columns}, perm.via AS perm_via, perm.app AS perm_app, perm.code AS perm_code"
    joins = (
        "LEFT JOIN ("
        f"SELECT x.{q(own.get_field('user').column)} AS holder, 'user' AS via, "
        f"c.{q('app_label')} AS app, p.{q('codename')} AS code "
        f"FROM {q(own.db_table)} x {named} "
        "UNION ALL "
        f"SELECT m.{q(member.get_field('user').column)}, 'group', c.{q('app_label')}, "
        f"p.{q('codename')} FROM {q(member.db_table)} m "
        f"JOIN {q(granted.db_table)} x "
        f"ON x.{q('group_id')} = m.{q(member.get_field('group').column)} "
        f"{named}"
        f") perm ON perm.holder = u.{q(user.pk.column)}"
    )
    return select, joins


@functools.cache
def _user_with_permissions_sql():
    """The person ``%s`` with their permissions (``user_with_permissions_columns``)."""
    user = get_user_model()._meta
    q = connection.ops.quote_name
    select, joins = user_with_permissions_columns()
    return f"SELECT {select} FROM {q(user.db_table)} u {joins} WHERE u.{q(user.pk.column)} = %s"
