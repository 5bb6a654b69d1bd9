"""Writes of the labels app: numbering, issuing and voiding numbers, and printing labels."""

import logging
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shopfloor.labels.drawing import layouts_pdf
from shopfloor.labels.layout import LabelDoesNotFit, label_layout
from shopfloor.labels.models import (
    BATCH_MAX,
    WORK_RUN_MAX_LENGTH,
    LabelEvent,
    LabelTemplate,
    SerialBatch,
    SerialCounter,
    SerialScheme,
    SerialVoid,
)
from shopfloor.labels.numbering import pattern_parse
from shopfloor.labels.printing import PrinterError, zpl_send
from shopfloor.labels.selectors import default_template, printed_usids
from shopfloor.labels.zpl import layout_zpl
from shopfloor.scanning.input import code_clean
from shopfloor.stations.models import REASON_MAX_LENGTH, UnitRegistration

logger = logging.getLogger(__name__)

PRINT_MAX = 2000
SAMPLE_USID = "SAMPLE-USID-0001"


def _usid_rule(part):
    """The part's ``usid_pattern`` compiled, and how messages quote it; (None, "") if none."""
    procedure = getattr(part, "procedure", None)
    config = procedure.procedure_config if procedure is not None else {}
    pattern = (config or {}).get("usid_pattern")
    if not pattern:
        return None, ""
    return re.compile(pattern), config.get("usid_example") or pattern


def _check_usids(part, parsed, day, first, last):
    """The numbers ``first`` to ``last`` of ``parsed`` on ``day`` are codes a scanner can
    send, and each matches the part's ``usid_pattern``. Only the digits of the counter
    change between them, so the characters and the length are checked on the first and last.
    """
    for usid in (parsed.usid(day, first), parsed.usid(day, last)):
        try:
            code_clean(usid)
        except ValidationError as error:
            raise ValidationError(f"{usid}: {' '.join(error.messages)}", code="usid") from None
    rule, shown = _usid_rule(part)
    if rule is None:
        return
    before, after = parsed.prefix_and_suffix(day)
    width = parsed.width
    for seq in range(first, last + 1):
        usid = f"{before}{seq:0{width}d}{after}"
        if not rule.fullmatch(usid):
            raise ValidationError(
                _("%(usid)s does not match the USID pattern of part %(part_no)s (%(pattern)s).")
                % {"usid": usid, "part_no": part.part_no, "pattern": shown},
                code="usid_pattern",
            )


def serial_scheme_set(*, part, pattern, user, today=None):
    """Set how ``part``'s USIDs are numbered. The pattern is refused (``ValidationError``)
    when it has an unknown token, or when the numbers it makes (the first and the last of
    today's counter) do not match the part's ``usid_pattern``."""
    parsed = pattern_parse(pattern)
    today = today or timezone.localdate()
    _check_usids(part, parsed, today, 1, 1)
    _check_usids(part, parsed, today, parsed.capacity, parsed.capacity)
    scheme = SerialScheme.objects.filter(part=part).first() or SerialScheme(part=part)
    scheme.pattern = pattern
    scheme.updated_by = user
    scheme.save()
    return scheme


def _count(number):
    """``number`` with the digit grouping of the user's language (1,000,000 in English)."""
    return number_format(number, force_grouping=True)


def _reason_clean(reason, what):
    reason = (reason or "").strip()
    if not reason:
        if what == "void":
            message = _("Give a reason for the void: it is kept in the unit's history.")
        else:
            message = _("Give a reason for the reprint: it is kept in the unit's history.")
        raise ValidationError(message)
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Keep the reason under %(max)s characters.") % {"max": REASON_MAX_LENGTH}
        )
    return reason


@transaction.atomic
def serial_batch_issue(*, part, count, user, work_run="", today=None):
    """Reserve ``count`` consecutive numbers of ``part``'s pattern; returns the batch.

    The counter row is created if missing (an insert that ignores a concurrent twin) and then
    advanced by one UPDATE, which holds the row until the transaction ends: two engineers
    issuing at once get consecutive, disjoint runs. Refused (``ValidationError``, nothing
    issued) for a count outside 1..1,000,000, a part without numbering, a run that would
    overflow the counter's digits, or numbers that do not match the part's ``usid_pattern``.
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= BATCH_MAX:
        raise ValidationError(
            _("Issue between 1 and %(max)s numbers at once, not %(count)s.")
            % {"max": _count(BATCH_MAX), "count": count},
            code="count",
        )
    work_run = (work_run or "").strip()
    if len(work_run) > WORK_RUN_MAX_LENGTH:
        raise ValidationError(
            _("Keep the work run under %(max)s characters.") % {"max": WORK_RUN_MAX_LENGTH}
        )
    scheme = SerialScheme.objects.filter(part=part).first()
    if scheme is None:
        raise ValidationError(
            _("Part %(part_no)s has no serial numbering yet: set its pattern first.")
            % {"part_no": part.part_no},
            code="no_scheme",
        )
    parsed = pattern_parse(scheme.pattern)
    today = today or timezone.localdate()
    period = parsed.period(today)
    SerialCounter.objects.bulk_create(
        [SerialCounter(pattern=parsed.text, period=period)], ignore_conflicts=True
    )
    counter = SerialCounter.objects.filter(pattern=parsed.text, period=period)
    counter.update(last_seq=F("last_seq") + count)
    last = counter.values_list("last_seq", flat=True).get()
    first = last - count + 1
    if last > parsed.capacity:
        left = max(parsed.capacity - first + 1, 0)
        raise ValidationError(
            _(
                "%(pattern)s has %(left)s numbers left in this period (%(next)s is next); "
                "issue fewer or widen the counter."
            )
            % {
                "pattern": scheme.pattern,
                "left": _count(left),
                "next": parsed.usid(today, min(first, parsed.capacity)),
            },
            code="capacity",
        )
    _check_usids(part, parsed, today, first, last)
    return SerialBatch.objects.create(
        part=part,
        pattern=parsed.text,
        issued_on=today,
        first_seq=first,
        count=count,
        work_run=work_run,
        issued_by=user,
    )


def _seq_of(batch, usid):
    before, after = pattern_parse(batch.pattern).prefix_and_suffix(batch.issued_on)
    digits = usid[len(before) : len(usid) - len(after)] if usid.startswith(before) else ""
    if usid.endswith(after) and digits.isdigit() and batch.usid(int(digits)) == usid:
        seq = int(digits)
        if batch.first_seq <= seq <= batch.last_seq:
            return seq
    raise ValidationError(
        _("%(usid)s is not a number of this batch (%(first)s to %(last)s).")
        % {"usid": usid, "first": batch.first_usid, "last": batch.last_usid},
        code="not_in_batch",
    )


@transaction.atomic
def serial_void(*, batch, usid, reason, user):
    """Take the issued number ``usid`` of ``batch`` out of use, with a reason.

    Refused for a number outside the batch, one already voided, or one a unit was
    registered with (that unit exists: it is held or scrapped on its own page instead).
    """
    reason = _reason_clean(reason, "void")
    seq = _seq_of(batch, usid)
    if UnitRegistration.objects.find(usid) is not None:
        raise ValidationError(
            _("%(usid)s is registered to a unit: a registered number cannot be voided.")
            % {"usid": usid},
            code="registered",
        )
    if SerialVoid.objects.filter(usid=usid).exists():
        raise ValidationError(_("%(usid)s is already voided.") % {"usid": usid}, code="voided")
    now = timezone.now()
    void = SerialVoid.objects.create(
        batch=batch, seq=seq, usid=usid, reason=reason, voided_by=user, voided_at=now
    )
    LabelEvent.objects.create(
        created_at=now,
        usid=usid,
        part_id=batch.part_id,
        action=LabelEvent.Action.VOID,
        batch=batch,
        user=user,
        reason=reason,
    )
    return void


@transaction.atomic
def label_template_save(template):
    """Save ``template`` (already checked to fit); a template made the default takes the
    place of the part's previous default."""
    template.save()
    if template.is_default:
        others = LabelTemplate.objects.filter(part_id=template.part_id).exclude(pk=template.pk)
        others.update(is_default=False)
    return template


def label_lines(template, usid, *, today=None):
    """The human-readable lines the template asks for, top to bottom."""
    part = template.part
    lines = []
    if template.show_usid:
        lines.append(usid)
    names = [part.part_no] if template.show_part_no else []
    if template.show_model_no:
        names.append(part.model_no)
    if names:
        lines.append(" / ".join(names))
    if template.show_date:
        lines.append((today or timezone.localdate()).isoformat())
    return lines


def label_of(template, usid, *, today=None):
    """The layout of ``usid``'s label; ``ValidationError`` when it does not fit."""
    try:
        return label_layout(
            width=template.width_mm,
            height=template.height_mm,
            symbology=template.symbology,
            data=usid,
            lines=label_lines(template, usid, today=today),
        )
    except LabelDoesNotFit as error:
        raise ValidationError(str(error), code="does_not_fit") from None


def template_sample_usid(part):
    """The longest USID the part's numbering makes today, else its example, else a sample."""
    scheme = SerialScheme.objects.filter(part=part).first()
    if scheme is not None:
        parsed = pattern_parse(scheme.pattern)
        return parsed.usid(timezone.localdate(), parsed.capacity)
    procedure = getattr(part, "procedure", None)
    example = (procedure.procedure_config or {}).get("usid_example") if procedure else None
    return example or SAMPLE_USID


def _send(printer, layouts_and_data, symbology):
    zpl = "".join(
        layout_zpl(layout, symbology=symbology, data=data, dpi=printer.dpi)
        for layout, data in layouts_and_data
    )
    zpl_send(name=printer.name, host=printer.host, port=printer.port, zpl=zpl)


def _print(*, template, usids, user, printer, reason="", batch=None, station=None, reprint=False):
    """Print the labels of ``usids`` (to ``printer``, or as a PDF returned) and log one
    event per label: a reprint when the number was printed before (or ``reprint`` says so,
    for a unit's label printed outside Shopfloor). A printer that fails raises
    ``PrinterError`` and nothing is logged."""
    if not usids:
        raise ValidationError(_("There is no label to print in that range."), code="empty")
    if len(usids) > PRINT_MAX:
        raise ValidationError(
            _("Print at most %(max)s labels at once, not %(count)s.")
            % {"max": _count(PRINT_MAX), "count": _count(len(usids))},
            code="too_many",
        )
    if printer is not None and not printer.is_active:
        raise ValidationError(
            _("Printer %(printer)s is switched off in Shopfloor.") % {"printer": printer.name}
        )
    before = set(usids) if reprint else printed_usids(usids)
    if before and not (reason or "").strip():
        first = next(usid for usid in usids if usid in before)
        raise ValidationError(
            ngettext(
                "%(count)s of these labels was printed before (first %(first)s): give a reason "
                "for the reprint.",
                "%(count)s of these labels were printed before (first %(first)s): give a reason "
                "for the reprint.",
                len(before),
            )
            % {"count": len(before), "first": first},
            code="reason",
        )
    if before:
        reason = _reason_clean(reason, "reprint")
    today = timezone.localdate()
    layouts = [label_of(template, usid, today=today) for usid in usids]
    pdf = None
    if printer is None:
        pdf = layouts_pdf(layouts, title=f"Labels {usids[0]} to {usids[-1]}")
    else:
        _send(printer, zip(layouts, usids, strict=True), template.symbology)
    now = timezone.now()
    LabelEvent.objects.bulk_create(
        LabelEvent(
            created_at=now,
            usid=usid,
            part_id=template.part_id,
            action=LabelEvent.Action.REPRINT if usid in before else LabelEvent.Action.PRINT,
            output=LabelEvent.Output.PDF if printer is None else LabelEvent.Output.PRINTER,
            printer=printer,
            template=template,
            batch=batch,
            station=station,
            user=user,
            reason=reason if usid in before else "",
        )
        for usid in usids
    )
    return pdf


def batch_print(*, batch, template, first, last, user, printer=None, reason=""):
    """Print the labels of ``batch`` from number ``first`` to ``last`` (both USIDs, in the
    batch), voided numbers left out; returns the PDF when no printer is given."""
    if template.part_id != batch.part_id:
        raise ValidationError(_("That template belongs to another part."), code="template")
    start, end = _seq_of(batch, first), _seq_of(batch, last)
    if start > end:
        raise ValidationError(
            _("%(first)s comes after %(last)s: give the range in order.")
            % {"first": first, "last": last}
        )
    if end - start + 1 > PRINT_MAX:
        raise ValidationError(
            _("Print at most %(max)s labels at once, not %(count)s.")
            % {"max": _count(PRINT_MAX), "count": _count(end - start + 1)},
            code="too_many",
        )
    voided = set(
        SerialVoid.objects.filter(batch=batch, seq__range=(start, end)).values_list(
            "seq", flat=True
        )
    )
    usids = [batch.usid(seq) for seq in range(start, end + 1) if seq not in voided]
    return _print(
        template=template, usids=usids, user=user, printer=printer, reason=reason, batch=batch
    )


def unit_reprint(*, usid, user, reason, printer=None):
    """Reprint the label of the registered unit ``usid`` with its part's default template,
    with a reason; returns the PDF when no printer is given."""
    reason = _reason_clean(reason, "reprint")
    registration = UnitRegistration.objects.select_related("part").find(usid)
    if registration is None:
        raise ValidationError(
            _("%(usid)s is not registered.") % {"usid": usid}, code="unknown_unit"
        )
    usid = registration.usid
    template = default_template(registration.part)
    if template is None:
        raise ValidationError(
            _("Part %(part_no)s has no label template yet: an engineer adds one.")
            % {"part_no": registration.part.part_no},
            code="no_template",
        )
    return _print(
        template=template, usids=[usid], user=user, printer=printer, reason=reason, reprint=True
    )


def label_print_at_registration(*, usid, station):
    """Print the label of ``usid``, just registered at ``station``, on the station's printer.

    Called after the scan's transaction has committed, away from the scan: a failure never
    touches the scan. It is logged and kept as a "label not printed" event, which the
    station's screen shows to the operator.
    """
    printing = getattr(station, "label_printing", None)
    if printing is None or not printing.print_at_registration:
        return None
    registration = UnitRegistration.objects.select_related("part").filter(usid=usid).first()
    if registration is None:
        return None
    template = default_template(registration.part)
    try:
        if template is None:
            raise ValidationError(
                _("Part %(part_no)s has no label template.")
                % {"part_no": registration.part.part_no}
            )
        _print(
            template=template,
            usids=[usid],
            user=None,
            printer=printing.printer,
            station=station,
            # A number printed before (in a batch) is printed again, as a logged reprint.
            reason=f"Printed at registration at {station.name}",
        )
    except (PrinterError, ValidationError) as error:
        message = error.messages[0] if isinstance(error, ValidationError) else str(error)
        logger.warning("Label of %s not printed at %s: %s", usid, station.name, message)
        return LabelEvent.objects.create(
            usid=usid,
            part_id=registration.part_id,
            action=LabelEvent.Action.FAILED,
            output=LabelEvent.Output.PRINTER,
            printer=printing.printer,
            template=template,
            station=station,
            error=message[:500],
        )
    return None


def part_usid_rule_text(part):
    """The part's ``usid_pattern`` as a page shows it, or ""."""
    procedure = getattr(part, "procedure", None)
    return ((procedure.procedure_config or {}).get("usid_pattern") or "") if procedure else ""
