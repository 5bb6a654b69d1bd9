"""Writes of the genealogy outside a scan: a supervisor's repair (replacing a component)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shopfloor.characters import validate_printable
from shopfloor.genealogy.installing import (
    ComponentRefused,
    Parent,
    components_clean,
    components_record,
)
from shopfloor.genealogy.models import DESIGNATOR_MAX_LENGTH, Installation
from shopfloor.scanning.plans import plan_of_part
from shopfloor.scanning.rules import unit_row_lock
from shopfloor.stations.models import REASON_MAX_LENGTH, ScanEvent, UnitRegistration


class RepairRefused(Exception):
    """A repair is refused; ``fields`` maps each form field to what is wrong. Nothing written."""

    def __init__(self, fields):
        super().__init__(" ".join(fields.values()))
        self.fields = fields


@transaction.atomic
def component_replace(*, usid, component, new_code, reason, user, designator=""):
    """Replace the component ``component`` of unit ``usid`` (a repair): the installed child or
    lot is marked removed with ``reason`` (and the reference ``designator``), and ``new_code``
    is installed in its place under every rule a scan obeys. The removed child is free to be
    installed again. Returns the new installation. Raises ``RepairRefused``."""
    reason = (reason or "").strip()
    designator = (designator or "").strip()
    problems = {}
    if not reason:
        problems["reason"] = _("Say why the component is replaced.")
    elif len(reason) > REASON_MAX_LENGTH:
        problems["reason"] = _("The reason is longer than %(max)s characters.") % {
            "max": REASON_MAX_LENGTH
        }
    else:
        try:
            validate_printable(reason)
        except ValidationError as error:
            problems["reason"] = " ".join(error.messages)
    if len(designator) > DESIGNATOR_MAX_LENGTH or (designator and not designator.isascii()):
        problems["designator"] = _(
            "A reference designator is printable ASCII, at most %(max)s characters, e.g. U12."
        ) % {"max": DESIGNATOR_MAX_LENGTH}
    try:
        sent = components_clean({component: new_code})
    except ComponentRefused as refusal:
        problems["new_code"] = " ".join(refusal.fields.values())
        sent = {}
    if problems:
        raise RepairRefused(problems)
    registration = UnitRegistration.objects.select_related("part__procedure").find(usid)
    plan = plan_of_part(registration.part) if registration else None
    if plan is None or unit_row_lock(plan, registration.usid) is None:
        raise RepairRefused({"usid": _("No unit %(usid)s is registered.") % {"usid": usid}})
    old = (
        Installation.objects.current()
        .select_for_update()
        .filter(parent_usid=registration.usid, component=component)
        .first()
    )
    if old is None:
        raise RepairRefused(
            {
                "component": _("%(usid)s has no %(component)s installed.")
                % {"usid": registration.usid, "component": component}
            }
        )
    if old.code.casefold() == sent[component].casefold():
        raise RepairRefused(
            {
                "new_code": _("%(code)s is the one installed: scan its replacement.")
                % {"code": old.code}
            }
        )
    stage = plan.stage(old.stage)
    if stage is None or component not in {entry.key for entry in stage.components}:
        raise RepairRefused(
            {
                "component": _("The procedure no longer lists %(component)s at stage %(stage)s.")
                % {"component": component, "stage": old.stage}
            }
        )
    now = timezone.now()
    Installation.objects.filter(pk=old.pk).update(
        removed_at=now, removed_by=user, removal_reason=reason, designator=designator
    )
    old.removed_by, old.removal_reason = user, reason
    try:
        (new,) = components_record(
            parent=Parent(usid=registration.usid, part_id=plan.part_id, part_no=plan.part_no),
            stage=stage,
            sent=sent,
            passed=False,
            user=user,
            event_id=None,
            now=now,
        )
    except ComponentRefused as refusal:
        raise RepairRefused({"new_code": " ".join(refusal.fields.values())}) from None
    if designator:
        Installation.objects.filter(pk=new.pk).update(designator=designator)
    _repair_events(registration=registration, old=old, new=new, designator=designator, now=now)
    return new


def _repair_events(*, registration, old, new, designator, now):
    """The repair in the event log of the unit repaired and of each child unit taken out or
    put in, so every one's history (page and API) shows it. The stage is left empty (as for
    a value changed): a repair neither does nor undoes a stage."""
    what = {"component": old.component, "stage": old.stage, "removed": old.code}
    what["installed"] = new.code
    if designator:
        what["designator"] = designator
    events = [
        ScanEvent(usid=registration.usid, part_id=registration.part_id, data=what),
    ]
    if old.child_usid:
        events.append(
            ScanEvent(
                usid=old.child_usid,
                part_id=old.child_part_id,
                data={**what, "removed_from": registration.usid},
            )
        )
    if new.child_usid:
        events.append(
            ScanEvent(
                usid=new.child_usid,
                part_id=new.child_part_id,
                data={**what, "installed_in": registration.usid},
            )
        )
    for event in events:
        event.created_at = now
        event.action = ScanEvent.Action.REPAIR
        event.source = ScanEvent.Source.OVERRIDE
        event.user = old.removed_by
        event.reason = old.removal_reason
    ScanEvent.objects.bulk_create(events)
