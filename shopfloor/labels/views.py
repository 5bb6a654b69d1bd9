from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parts.models import ModelPart
from shopfloor.labels import defect_cards, selectors, services
from shopfloor.labels.drawing import layout_svg
from shopfloor.labels.forms import (
    BatchPrintForm,
    IssueForm,
    LabelTemplateForm,
    PrinterChoiceForm,
    PrinterForm,
    ReprintForm,
    SchemeForm,
    StationPrintingForm,
    VoidForm,
    printer_of,
)
from shopfloor.labels.models import (
    LabelTemplate,
    Printer,
    SerialBatch,
    SerialScheme,
    StationPrinting,
)
from shopfloor.labels.printing import PrinterError
from shopfloor.stations.models import Station

STATES = (selectors.ISSUED, selectors.REGISTERED, selectors.VOIDED)


def _pdf_response(pdf, filename):
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _refusal(error):
    return error.messages[0] if isinstance(error, ValidationError) else str(error)


# Part: numbering, templates, batches ---------------------------------------------------------


def _part_page(request, part, *, scheme_form=None, issue_form=None, status=200):
    scheme = SerialScheme.objects.filter(part=part).first()
    context = {
        "part": part,
        "scheme": scheme,
        "scheme_form": scheme_form
        or SchemeForm(initial={"pattern": getattr(scheme, "pattern", "")}),
        "issue_form": issue_form or IssueForm(),
        "templates": LabelTemplate.objects.filter(part=part),
        "batches": selectors.part_batches(part=part)[:50],
        "usid_pattern": services.part_usid_rule_text(part),
    }
    return render(request, "labels/part.html", context, status=status)


@require_GET
@permission_required("labels.issue_serials", raise_exception=True)
def part_labels(request, part_pk):
    part = get_object_or_404(ModelPart.objects.select_related("procedure"), pk=part_pk)
    return _part_page(request, part)


@require_POST
@permission_required("labels.issue_serials", raise_exception=True)
def scheme_set(request, part_pk):
    part = get_object_or_404(ModelPart.objects.select_related("procedure"), pk=part_pk)
    form = SchemeForm(request.POST)
    if form.is_valid():
        try:
            services.serial_scheme_set(
                part=part, pattern=form.cleaned_data["pattern"], user=request.user
            )
        except ValidationError as error:
            form.add_error("pattern", error)
        else:
            messages.success(
                request, _("Numbering of %(part_no)s saved.") % {"part_no": part.part_no}
            )
            return redirect("labels:part", part_pk=part.pk)
    return _part_page(request, part, scheme_form=form)


@require_POST
@permission_required("labels.issue_serials", raise_exception=True)
def batch_issue(request, part_pk):
    part = get_object_or_404(ModelPart.objects.select_related("procedure"), pk=part_pk)
    form = IssueForm(request.POST)
    if form.is_valid():
        try:
            batch = services.serial_batch_issue(
                part=part,
                count=form.cleaned_data["count"],
                work_run=form.cleaned_data["work_run"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Issued %(count)s number: %(first)s to %(last)s.",
                    "Issued %(count)s numbers: %(first)s to %(last)s.",
                    batch.count,
                )
                % {
                    "count": number_format(batch.count, force_grouping=True),
                    "first": batch.first_usid,
                    "last": batch.last_usid,
                },
            )
            return redirect(batch)
    return _part_page(request, part, issue_form=form)


def _template_form(request, form, part):
    if request.method == "POST" and form.is_valid():
        template = services.label_template_save(form.save(commit=False))
        messages.success(request, _("Template %(name)s saved.") % {"name": template.name})
        return redirect("labels:part", part_pk=part.pk)
    template = form.instance if form.instance.pk else None
    context = {"form": form, "part": part, "template": template}
    return render(request, "labels/template_form.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("labels.add_labeltemplate", raise_exception=True)
def template_create(request, part_pk):
    part = get_object_or_404(ModelPart.objects.select_related("procedure"), pk=part_pk)
    return _template_form(request, LabelTemplateForm(request.POST or None, part=part), part)


@require_http_methods(["GET", "POST"])
@permission_required("labels.change_labeltemplate", raise_exception=True)
def template_edit(request, template_pk):
    template = get_object_or_404(LabelTemplate.objects.select_related("part"), pk=template_pk)
    form = LabelTemplateForm(request.POST or None, instance=template, part=template.part)
    return _template_form(request, form, template.part)


@require_GET
@permission_required("labels.view_labeltemplate", raise_exception=True)
def template_preview(request, template_pk):
    """The template's label for a sample USID (``?usid=`` for another), as SVG."""
    template = get_object_or_404(LabelTemplate.objects.select_related("part"), pk=template_pk)
    usid = request.GET.get("usid") or services.template_sample_usid(template.part)
    try:
        svg = layout_svg(services.label_of(template, usid))
    except ValidationError as error:
        return HttpResponse(_refusal(error), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


# Batches --------------------------------------------------------------------------------------


def _page_number(raw):
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def _batch_page(request, batch, *, print_form=None, void_form=None, status=200):
    state = request.GET.get("state", "")
    state = state if state in STATES else ""
    page = _page_number(request.GET.get("page", ""))
    rows, more = selectors.batch_numbers(batch=batch, page=page, state=state)
    template = selectors.default_template(batch.part)
    preview = None
    if template is not None:
        try:
            preview = layout_svg(services.label_of(template, batch.first_usid))
        except ValidationError as error:
            preview = None
            messages.warning(request, _refusal(error))
    context = {
        "batch": batch,
        "part": batch.part,
        "rows": rows,
        "page": page,
        "more": more,
        "state": state,
        "states": STATES,
        "registered": selectors.batch_registered_count(batch),
        "voided": batch.voids.count(),
        "preview": preview,
        "print_form": print_form
        or BatchPrintForm(
            batch=batch, initial={"first": batch.first_usid, "last": batch.last_usid}
        ),
        "void_form": void_form or VoidForm(),
    }
    return render(request, "labels/batch.html", context, status=status)


def _batch(batch_pk):
    return get_object_or_404(SerialBatch.objects.select_related("part", "issued_by"), pk=batch_pk)


@require_GET
@permission_required("labels.issue_serials", raise_exception=True)
def batch_detail(request, batch_pk):
    return _batch_page(request, _batch(batch_pk))


@require_POST
@permission_required("labels.issue_serials", raise_exception=True)
def batch_print(request, batch_pk):
    batch = _batch(batch_pk)
    form = BatchPrintForm(request.POST, batch=batch)
    if form.is_valid():
        data = form.cleaned_data
        printer = printer_of(data["output"])
        try:
            pdf = services.batch_print(
                batch=batch,
                template=data["template"],
                first=data["first"].strip(),
                last=data["last"].strip(),
                user=request.user,
                printer=printer,
                reason=data["reason"],
            )
        except (ValidationError, PrinterError) as error:
            form.add_error(None, _refusal(error))
        else:
            if pdf is not None:
                return _pdf_response(pdf, f"labels-{data['first']}-{data['last']}.pdf")
            messages.success(request, _("Labels sent to %(printer)s.") % {"printer": printer.name})
            return redirect(batch)
    return _batch_page(request, batch, print_form=form)


@require_POST
@permission_required("labels.issue_serials", raise_exception=True)
def batch_void(request, batch_pk):
    batch = _batch(batch_pk)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            void = services.serial_void(batch=batch, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(usid)s voided.") % {"usid": void.usid})
            return redirect(batch)
    return _batch_page(request, batch, void_form=form)


# Printers and stations ------------------------------------------------------------------------


@require_GET
@permission_required("labels.view_printer", raise_exception=True)
def printer_list(request):
    context = {
        "printers": Printer.objects.all(),
        "stations": Station.objects.filter(is_active=True).select_related(
            "label_printing__printer"
        ),
    }
    return render(request, "labels/printers.html", context)


def _printer_form(request, form):
    if request.method == "POST" and form.is_valid():
        printer = form.save()
        messages.success(request, _("Printer %(printer)s saved.") % {"printer": printer.name})
        return redirect("labels:printers")
    return render(request, "labels/form.html", {"form": form, "title": _("Printer")})


@require_http_methods(["GET", "POST"])
@permission_required("labels.add_printer", raise_exception=True)
def printer_create(request):
    return _printer_form(request, PrinterForm(request.POST or None))


@require_http_methods(["GET", "POST"])
@permission_required("labels.change_printer", raise_exception=True)
def printer_edit(request, printer_pk):
    printer = get_object_or_404(Printer, pk=printer_pk)
    return _printer_form(request, PrinterForm(request.POST or None, instance=printer))


@require_http_methods(["GET", "POST"])
@permission_required("labels.change_stationprinting", raise_exception=True)
def station_printing(request, station_pk):
    station = get_object_or_404(Station, pk=station_pk)
    instance = StationPrinting.objects.filter(station=station).first()
    instance = instance or StationPrinting(station=station)
    form = StationPrintingForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Printing at %(station)s saved.") % {"station": station.name})
        return redirect("labels:printers")
    title = _("Label printing at %(station)s") % {"station": station.name}
    return render(request, "labels/form.html", {"form": form, "title": title})


# A unit's reprint -----------------------------------------------------------------------------


@require_POST
@permission_required("labels.reprint_label", raise_exception=True)
def unit_reprint(request, usid):
    form = ReprintForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(
                request, _("Label not reprinted: %(reason)s") % {"reason": " ".join(errors)}
            )
        return redirect("dashboards:unit", usid=usid)
    printer = printer_of(form.cleaned_data["output"])
    try:
        pdf = services.unit_reprint(
            usid=usid, user=request.user, reason=form.cleaned_data["reason"], printer=printer
        )
    except (ValidationError, PrinterError) as error:
        messages.error(request, _("Label not reprinted: %(reason)s") % {"reason": _refusal(error)})
        return redirect("dashboards:unit", usid=usid)
    if pdf is not None:
        return _pdf_response(pdf, f"label-{usid}.pdf")
    messages.success(
        request,
        _("Label of %(usid)s sent to %(printer)s.") % {"usid": usid, "printer": printer.name},
    )
    return redirect("dashboards:unit", usid=usid)


# Defect cards ---------------------------------------------------------------------------------


def _cards_page(request, form=None, status=200):
    cards = []
    for reason in defect_cards.defect_reasons():
        try:
            cards.append((reason, layout_svg(defect_cards.defect_card(reason))))
        except ValidationError as error:
            cards.append((reason, None))
            messages.warning(request, _refusal(error))
    context = {"cards": cards, "form": form or PrinterChoiceForm()}
    return render(request, "labels/defect_cards.html", context, status=status)


@require_GET
@permission_required("stations.change_defectreason", raise_exception=True)
def defect_cards_page(request):
    return _cards_page(request)


@require_POST
@permission_required("stations.change_defectreason", raise_exception=True)
def defect_cards_print(request):
    form = PrinterChoiceForm(request.POST)
    if form.is_valid():
        printer = printer_of(form.cleaned_data["output"])
        try:
            if printer is None:
                return _pdf_response(defect_cards.defect_cards_pdf(), "defect-cards.pdf")
            defect_cards.defect_cards_print(printer=printer)
        except (ValidationError, PrinterError) as error:
            form.add_error(None, _refusal(error))
        else:
            messages.success(
                request, _("Defect cards sent to %(printer)s.") % {"printer": printer.name}
            )
            return redirect("labels:defect-cards")
    return _cards_page(request, form)
