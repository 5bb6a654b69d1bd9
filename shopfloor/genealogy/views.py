"""Genealogy pages: the trace page, its recall export, and the supervisor's repair."""

from django.contrib.auth.decorators import permission_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shopfloor.genealogy.api import trace_question
from shopfloor.genealogy.recall import recall_csv_chunks
from shopfloor.genealogy.selectors import trace_forward, trace_tree, trace_up
from shopfloor.genealogy.services import RepairRefused, component_replace
from shopfloor.scanning.rules import ScanRefused

PAGE_ROWS = 500


def _field_label(field):
    """The repair form's label of ``field`` (a RepairRefused key), as the form shows it."""
    labels = {
        "component": _("Component"),
        "new_code": _("New USID or lot"),
        "designator": _("Ref. designator"),
        "reason": _("Reason"),
        "usid": _("USID"),
    }
    return labels.get(field, field)


def _question(request):
    """("lot"|"usid", answer) asked by the query string, None when nothing was asked, or an
    error message."""
    params = {key: value for key, value in request.GET.items() if key in ("lot", "usid") and value}
    if not params:
        return None, ""
    try:
        return trace_question(params), ""
    except ScanRefused as refusal:
        return None, refusal.message


@require_GET
@permission_required("dashboards.export_data", raise_exception=True)
def trace_page(request):
    """Trace a lot forward (every unit holding it) or a unit both ways (its tree, and what it
    is installed in)."""
    question, error = _question(request)
    context = {
        "error": error,
        "lot": request.GET.get("lot", ""),
        "usid": request.GET.get("usid", ""),
    }
    if question is not None:
        kind, found = question
        if kind == "lot":
            holders = trace_forward(lot=found)
            units = [next(holders, None) for _ in range(PAGE_ROWS + 1)]
            holders.close()
            units = [unit for unit in units if unit is not None]
            context.update(
                traced_lot=found,
                units=units[:PAGE_ROWS],
                more=len(units) > PAGE_ROWS,
                export_query=f"lot={found}",
            )
        else:
            context.update(
                traced_unit=found,
                tree=trace_tree(usid=found.usid),
                chain=trace_up(usid=found.usid),
                units=list(trace_forward(usid=found.usid))[:PAGE_ROWS],
                export_query=f"usid={found.usid}",
            )
    return render(request, "genealogy/trace.html", context, status=400 if error else 200)


@require_GET
@permission_required("dashboards.export_data", raise_exception=True)
def recall_csv(request):
    """The recall list as CSV, streamed: one row per affected unit."""
    question, error = _question(request)
    if question is None:
        return render(
            request,
            "genealogy/trace.html",
            {"error": error or _("Ask for a lot code or a USID to export.")},
            status=400,
        )
    kind, found = question
    code = found if kind == "lot" else found.usid
    response = StreamingHttpResponse(
        recall_csv_chunks(**{kind: code}), content_type="text/csv; charset=utf-8"
    )
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in code)
    response["Content-Disposition"] = f'attachment; filename="recall-{kind}-{safe}.csv"'
    return response


@require_POST
@permission_required("stations.override_unit", raise_exception=True)
def component_repair(request, usid):
    """A supervisor replaces a component of ``usid`` with a reason."""
    data = request.POST
    try:
        component_replace(
            usid=usid,
            component=data.get("component", ""),
            new_code=data.get("new_code", ""),
            reason=data.get("reason", ""),
            designator=data.get("designator", ""),
            user=request.user,
        )
    except RepairRefused as refusal:
        errors = {_field_label(field): message for field, message in refusal.fields.items()}
        context = {"usid": usid, "errors": errors, "data": data}
        return render(request, "genealogy/repair_refused.html", context)
    return redirect("dashboards:unit", usid=usid)
