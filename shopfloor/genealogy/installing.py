"""Components recorded with a scan: cleaned, checked and written in the scan's transaction.

The scan rules (``shopfloor.scanning.rules``) call two functions and nothing more:

- ``components_clean(raw)`` when the request is cleaned: the ``components`` object of a scan,
  each code printable ASCII and short enough, or ``ComponentRefused("invalid")`` naming
  ``components.<key>``;
- ``components_record(...)`` inside the transaction that writes the parent's scan, after the
  parent row is locked: it checks every contract rule and inserts the installations. A refusal
  raises ``ComponentRefused`` and the caller's transaction rolls the scan back, so a refused
  scan writes nothing.

Each child unit's row is locked while it is checked (it cannot be put on hold or changed
meanwhile), and the partial unique index on the installed child decides a race between two
parents installing the same child: the second insert waits for the first transaction and is
refused as ``409 component`` when it commits.
"""

import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from parts.unit_tables import cache
from shopfloor.genealogy.models import LOT_MAX_LENGTH, Installation
from shopfloor.scanning.input import ascii_check, code_clean
from shopfloor.scanning.plans import plan_of_part
from shopfloor.stations.models import UnitRegistration, usid_lookup_keys

MAX_SENT = 50


class ComponentRefused(Exception):
    """A component entry breaks a rule; ``fields`` maps ``components.<key>`` to the reason."""

    def __init__(self, code, fields):
        super().__init__(" ".join(fields.values()))
        self.code = code
        self.message = " ".join(fields.values())
        self.fields = fields


@dataclass(frozen=True)
class Parent:
    """The unit the components go into, as the scan found it."""

    usid: str
    part_id: int
    part_no: str


def _name(key):
    return f"components.{str(key)[:40]}"


def components_clean(raw):
    """``raw`` (the scan's ``components``) as {key: code}, each code printable ASCII and at
    most 64 characters; ``ComponentRefused("invalid")`` naming every bad entry."""
    if raw is None or raw == {}:
        return {}
    if not isinstance(raw, dict):
        raise ComponentRefused(
            "invalid",
            {"components": _('Components are an object, e.g. {"psu": "PSU-000123"}.')},
        )
    if len(raw) > MAX_SENT:
        raise ComponentRefused(
            "invalid",
            {"components": _("At most %(max)s components go with one scan.") % {"max": MAX_SENT}},
        )
    cleaned, errors = {}, {}
    for key, code in raw.items():
        try:
            label = _("code of %(component)s") % {"component": str(key)[:40]}
            code = code_clean(code, label=label, max_length=LOT_MAX_LENGTH)
            ascii_check(code, label=label)
        except ValidationError as error:
            errors[_name(key)] = " ".join(error.messages)
        else:
            cleaned[key] = code
    if errors:
        raise ComponentRefused("invalid", errors)
    return cleaned


def components_record(*, parent, stage, sent, passed, user, event_id, now):
    """Install what ``sent`` names ({component key: USID or lot code}) in ``parent`` at
    ``stage`` (a ``StagePlan``), in the caller's transaction. ``passed``: the scan is a pass,
    so every required entry must be filled. Entries already installed in the parent with the
    same code are kept (a repeated or reworked scan); another code is refused."""
    entries = {entry.key: entry for entry in stage.components}
    unknown = {
        _name(key): (
            _("%(stage)s installs no component %(key)r (it installs %(components)s).")
            % {"stage": stage.label, "key": key, "components": ", ".join(entries)}
            if entries
            else _("%(stage)s installs no component %(key)r.") % {"stage": stage.label, "key": key}
        )
        for key in sent
        if key not in entries
    }
    if unknown:
        raise ComponentRefused("invalid", unknown)
    installed, placed = _installed_now(parent, entries, sent)
    conflicts = {}
    for key, code in sent.items():
        held = installed.get(key)
        if held is not None and held.code.casefold() != code.casefold():
            conflicts[_name(key)] = _(
                "%(component)s of %(usid)s is already %(code)s; a supervisor can replace it "
                "(repair)."
            ) % {"component": entries[key].label, "usid": parent.usid, "code": held.code}
    if conflicts:
        raise ComponentRefused("component", conflicts)
    if passed:
        missing = {
            _name(entry.key): _("%(component)s is required for a pass: scan it.")
            % {"component": entry.label}
            for entry in stage.components
            if entry.required and entry.key not in sent and entry.key not in installed
        }
        if missing:
            raise ComponentRefused("invalid", missing)
    new = {key: code for key, code in sent.items() if key not in installed}
    if not new:
        return []
    rows = []
    units = {key: code for key, code in new.items() if not entries[key].is_lot}
    children = _children_check(parent, entries, units, placed) if units else {}
    for key, code in new.items():
        child = children.get(key)
        rows.append(
            Installation(
                parent_usid=parent.usid,
                parent_part_id=parent.part_id,
                stage=stage.key,
                component=key,
                child_usid=child.usid if child else None,
                child_part_id=child.part_id if child else None,
                lot=None if child else code,
                installed_at=now,
                installed_by=user if user is not None and user.pk else None,
                event_id=event_id,
            )
        )
    return installations_write(rows, entries)


INSERT_COLUMNS = (
    "parent_usid",
    "parent_part_id",
    "stage",
    "component",
    "child_usid",
    "child_part_id",
    "lot",
    "installed_at",
    "installed_by_id",
    "event_id",
    "designator",
    "removal_reason",
)


def installations_write(rows, entries):
    """Insert ``rows`` in one statement; returns their ids. A child that another unit
    installed a moment ago (the partial unique index, which waits for that scan's transaction)
    is skipped by ``ON CONFLICT DO NOTHING`` and refused here naming its entry: the caller's
    transaction then rolls the scan back. No savepoint is needed, since nothing failed."""
    table = connection.ops.quote_name(Installation._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in INSERT_COLUMNS)
    one = "(" + ", ".join(["%s"] * len(INSERT_COLUMNS)) + ")"
    params = []
    for row in rows:
        params += [
            row.parent_usid,
            row.parent_part_id,
            row.stage,
            row.component,
            row.child_usid,
            row.child_part_id,
            row.lot,
            connection.ops.adapt_datetimefield_value(row.installed_at),
            row.installed_by_id,
            row.event_id,
            row.designator,
            row.removal_reason,
        ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(rows))} "
            f"ON CONFLICT DO NOTHING RETURNING id, component",
            params,
        )
        written = dict((component, pk) for pk, component in cursor.fetchall())
    taken = [row for row in rows if row.component not in written]
    if taken:
        raise ComponentRefused(
            "component",
            {
                _name(row.component): (
                    _("%(code)s was installed in another unit a moment ago.")
                    % {"code": row.child_usid or row.lot}
                )
                for row in taken
            },
        )
    for row in rows:
        row.pk = written[row.component]
    return rows


@dataclass(frozen=True)
class _Child:
    usid: str
    part_id: int


def _installed_now(parent, entries, sent):
    """In one query: the parent's current installations at ``entries`` ({key: row}), and where
    the sent codes and the parent itself are installed now ({child USID: parent USID})."""
    codes = [code for code in sent.values()] + [parent.usid]
    rows = Installation.objects.current().filter(
        Q(parent_usid=parent.usid, component__in=list(entries)) | Q(child_usid__in=codes)
    )
    installed, placed = {}, {}
    for row in rows:
        if row.parent_usid == parent.usid and row.component in entries:
            installed[row.component] = row
        if row.child_usid:
            placed[row.child_usid] = row.parent_usid
    return installed, placed


def _children_check(parent, entries, units, placed):
    """Every child unit in ``units`` ({key: USID}) checked against the contract's rules; the
    children as registered, by key. Each child's unit row is locked until the scan commits.
    ``placed`` says where the sent codes and the parent are installed now."""
    locked = _children_locked(entries, units)
    keys = [
        key for name, code in units.items() if name not in locked for key in usid_lookup_keys(code)
    ]
    registrations = (
        {
            registration.usid_key: registration
            for registration in UnitRegistration.objects.filter(usid_key__in=keys).select_related(
                "part__procedure"
            )
        }
        if keys
        else {}
    )
    problems = {}
    found = {key: child for key, (child, _row, _plan) in locked.items()}
    for key, code in units.items():
        if key in locked:
            continue
        registration = next(
            (registrations[k] for k in usid_lookup_keys(code) if k in registrations), None
        )
        entry = entries[key]
        if registration is None:
            problems[_name(key)] = _("%(code)s is not a registered unit of %(part_no)s.") % {
                "code": code,
                "part_no": entry.part_no,
            }
        elif registration.part.part_no.casefold() != entry.part_no.casefold():
            problems[_name(key)] = _("%(usid)s is a unit of %(part_no)s, not of %(wanted)s.") % {
                "usid": registration.usid,
                "part_no": registration.part.part_no,
                "wanted": entry.part_no,
            }
        else:
            found[key] = registration
    seen = {}
    for key, registration in found.items():
        if registration.usid in seen:
            problems[_name(key)] = _("%(usid)s is also scanned for %(component)s.") % {
                "usid": registration.usid,
                "component": seen[registration.usid],
            }
        seen[registration.usid] = key
    # A child that holds the parent, at any depth, would make a cycle; a parent installed in
    # nothing has no ancestor to look for.
    ancestors = _ancestors(parent.usid) if parent.usid in placed else set()
    cycle = ancestors | {parent.usid}
    for key, registration in found.items():
        if registration.usid in cycle:
            problems[_name(key)] = (
                _("%(usid)s cannot go into %(parent)s: it is the unit itself.")
                if registration.usid == parent.usid
                else _(
                    "%(usid)s cannot go into %(parent)s: %(parent)s is installed in it (a cycle)."
                )
            ) % {"usid": registration.usid, "parent": parent.usid}
    for key, registration in found.items():
        if _name(key) in problems:
            continue
        where = placed.get(registration.usid)
        if where is not None:
            problems[_name(key)] = _("%(usid)s is already installed in %(parent)s.") % {
                "usid": registration.usid,
                "parent": where,
            }
            continue
        if key in locked:
            child, row, plan = locked[key]
            reason = _child_unready(child.usid, plan, row)
        else:
            reason = _child_not_ready(registration)
        if reason:
            problems[_name(key)] = reason
    if problems:
        raise ComponentRefused("component", problems)
    return {
        key: _Child(usid=registration.usid, part_id=registration.part_id)
        for key, registration in found.items()
    }


# The plans of the parts installed as children, by part no. (case-free), as last read: the
# next scan finds and locks its children with them in one query per part, and falls back to
# the registration lookup when the procedure changed since (or the part was never seen).
CHILD_PLANS = {}


@dataclass(frozen=True)
class _Registered:
    """A child found by the one-query path: what the checks read of its registration."""

    usid: str
    part_id: int


def _children_locked(entries, units):
    """{entry key: (child, row, plan)} of the children of ``units`` ({key: code}) registered to the
    part their entry names and present in its unit table, each unit row locked: one query
    per part, joining the registration, the part's procedure version (the cached plan must
    still be current) and its unit table. A child not found so is left to the full lookup,
    which names what is wrong."""
    by_part = {}
    for key, code in units.items():
        known = CHILD_PLANS.get(entries[key].part_no.casefold())
        # Still the plan cache's (which forgets a model gone or replaced)?
        plan = known and cache.kept(known.part_id, known.version, known.fingerprint, "scan_plan")
        if plan is not None and plan is known:
            by_part.setdefault(plan.part_id, (plan, {}))[1][key] = code
    found = {}
    for plan, codes in by_part.values():
        found.update(_part_children_locked(plan, codes))
    return found


def _part_children_locked(plan, codes):
    q = connection.ops.quote_name
    flags = [stage.flag for stage in plan.stages]
    table = q(plan.unit_model._meta.db_table)
    keys = [key for code in codes.values() for key in usid_lookup_keys(code)]
    lock = " FOR UPDATE OF u" if connection.features.has_select_for_update_of else ""
    sql = (
        f"SELECT r.{q('usid')}, d.{q('version')}, d.{q('schema_fingerprint')}, u.{q('on_hold')}"
        + "".join(f", u.{q(flag)}" for flag in flags)
        + f" FROM {q(UnitRegistration._meta.db_table)} r"
        f" JOIN {table} u ON u.{q('usid')} = r.{q('usid')}"
        f" JOIN {q('procedures_partproceduredetail')} d"
        f" ON d.{q('model_part_id')} = r.{q('part_id')}"
        f" WHERE r.{q('part_id')} = %s AND r.{q('usid_key')} IN ({', '.join(['%s'] * len(keys))})"
        f"{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [plan.part_id, *keys])
        rows = cursor.fetchall()
    if any(
        (version, fingerprint or "") != (plan.version, plan.fingerprint or "")
        for _usid, version, fingerprint, *_rest in rows
    ):
        return {}  # the procedure changed: the full lookup reads it again
    by_usid = {row[0]: row for row in rows}
    found = {}
    for key, code in codes.items():
        row = by_usid.get(code) or next(
            (row for usid, row in by_usid.items() if usid.casefold() == code.casefold()), None
        )
        if row is not None:
            values = dict(zip(["on_hold", *flags], row[3:], strict=True))
            found[key] = (_Registered(usid=row[0], part_id=plan.part_id), values, plan)
    return found


def _child_not_ready(registration):
    """Why the child cannot be installed (not finished, on hold), or "" when it can."""
    plan = plan_of_part(registration.part)
    if plan is None:
        return _("%(usid)s's part has no procedure.") % {"usid": registration.usid}
    CHILD_PLANS[registration.part.part_no.casefold()] = plan
    row = (
        plan.unit_model.objects.select_for_update()
        .filter(usid=registration.usid)
        .values(*plan.columns)
        .first()
    )
    return _child_unready(registration.usid, plan, row)


def _child_unready(usid, plan, row):
    if row is None:
        return _("%(usid)s is missing from its part's unit table.") % {"usid": usid}
    if row["on_hold"]:
        return _("%(usid)s is on hold.") % {"usid": usid}
    missing = [stage.label for stage in plan.stages if not stage.optional and not row[stage.flag]]
    if missing:
        return _("%(usid)s is not finished: %(stages)s not done.") % {
            "usid": usid,
            "stages": ", ".join(missing),
        }
    return ""


def _ancestors(usid):
    """Every unit ``usid`` is installed in, up to the top, in one recursive query."""
    table = connection.ops.quote_name(Installation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE up(usid) AS ("
            f" SELECT parent_usid FROM {table} WHERE child_usid = %s AND removed_at IS NULL"
            f" UNION SELECT i.parent_usid FROM {table} i JOIN up ON i.child_usid = up.usid"
            f" WHERE i.removed_at IS NULL) SELECT usid FROM up",
            [usid],
        )
        return {row[0] for row in cursor.fetchall()}


def components_from_form(data):
    """The ``components`` field of the scan screen's form: a JSON object, as the screen's
    component step sends it; anything else is passed on for ``components_clean`` to refuse."""
    raw = data.get("components")
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw
