from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parts.models import ModelPart
from shopfloor.dashboards import panels
from shopfloor.dashboards.export_jobs import EXPORTS, FORMATS, export_start
from shopfloor.dashboards.forms import DefectParetoForm, UnitFilterForm, WindowForm
from shopfloor.dashboards.measurement_charts import histogram_chart, run_chart
from shopfloor.dashboards.measurements import measurement_figures
from shopfloor.dashboards.selectors import (
    dashboard_parts,
    defect_pareto,
    line_overview,
    line_version,
    no_figures,
    part_defects,
    part_figures,
    part_overrides,
    part_plans,
    part_throughput,
    station_activity,
    unit_filter,
    unit_page,
    unit_story,
)
from shopfloor.scanning.input import code_clean
from shopfloor.scanning.plans import plan_of_part
from shopfloor.scanning.selectors import LOOKUP_LIMIT
from shopfloor.scanning.selectors import unit_lookup as unit_lookup_matches
from shopfloor.stations.forms import OverrideForm, ReasonForm, UnitValuesForm
from shopfloor.stations.models import UnitRegistration


@require_GET
@permission_required("dashboards.view_dashboard", raise_exception=True)
def overview(request):
    version = line_version()
    if request.htmx and request.GET.get("version") == version:
        return HttpResponse(status=204)  # nothing new: htmx leaves the page alone
    parts = panels.overview_cards(line_overview())
    part_ids = ".".join(str(entry.part.pk) for entry in parts)
    if any(entry.figures is None for entry in parts):
        version += "-recounting"  # the next refresh draws again, until the recount is done
    context = {
        "parts": parts,
        "part_ids": part_ids,
        "stations": station_activity(),
        "version": version,
        "refresh_seconds": settings.DASHBOARD_REFRESH_SECONDS,
        "updated_at": timezone.now(),
        "oob": bool(request.htmx),
        # The part cards are redrawn whole only when the set of parts changed.
        "redraw_parts": request.GET.get("parts") != part_ids,
    }
    template = "dashboards/overview.html"
    if request.htmx:
        template += "#live"
    return render(request, template, context)


def _dashboard_part(pk):
    part = get_object_or_404(ModelPart.objects.select_related("procedure"), pk=pk)
    plan = plan_of_part(part)
    if plan is None:
        raise Http404(_("This part has no procedure yet."))
    return part, plan


@require_GET
@permission_required("dashboards.view_dashboard", raise_exception=True)
def part_dashboard(request, pk):
    part, plan = _dashboard_part(pk)
    unit_form = UnitFilterForm(request.GET, plan=plan)
    condition, rows, older = None, [], None
    if unit_form.is_valid():
        data = unit_form.cleaned_data
        condition = unit_filter(
            plan=plan,
            stage_key=data["stage"],
            state=data["state"],
            held=data["held"],
            search=data["q"],
        )
        rows, older = unit_page(plan=plan, condition=condition, before=data["before"])
    context = {"part": part, "plan": plan, "unit_form": unit_form, "rows": rows, "older": older}
    if request.htmx and request.GET.get("section") == "units":
        return render(request, "dashboards/part.html#units", context)
    window_form = WindowForm(request.GET if "start" in request.GET else None)
    window = window_form.window()
    figures = part_figures(plan=plan)
    starts, series = part_throughput(plan=plan, window=window)
    if figures is None:
        context |= {"recounting": True, "refresh_seconds": settings.DASHBOARD_REFRESH_SECONDS}
        figures = no_figures(plan)
    context |= {
        "window_form": window_form,
        "window": window,
        "figures": figures,
        "funnel": panels.funnel(
            figures, title=_("Units done per stage, %(part)s") % {"part": part.part_no}
        ),
        "throughput": panels.throughput_chart(
            plan, starts, series, window, title=_throughput_title(window)
        ),
        "defects": panels.defects_chart(
            part_defects(plan=plan, window=window),
            title=_("Fails by reason, %(period)s") % {"period": window.label},
        ),
        "yields": panels.yield_chart(figures, title=_("First-pass yield per stage")),
        "queues": panels.stage_queue_chart(figures, title=_("Units waiting and failed per stage")),
        "overrides": part_overrides(plan=plan, window=window),
        "measurements": measurement_panels(plan=plan, window=window),
        "exports": EXPORTS,
        "formats": FORMATS,
    }
    return render(request, "dashboards/part.html", context)


def _throughput_title(window):
    if window.hourly:
        return _("Units passed per hour, %(period)s") % {"period": window.label}
    return _("Units passed per day, %(period)s") % {"period": window.label}


@require_GET
@permission_required("dashboards.view_dashboard", raise_exception=True)
def unit_lookup(request):
    """Find a unit by its USID or tag, or a part of either, letter case ignored: the one unit
    named exactly opens at once; otherwise the matches are listed, best first."""
    raw = request.GET.get("usid", "")
    error, matches = "", []
    if raw:
        try:
            text = code_clean(raw)
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
        else:
            registration = UnitRegistration.objects.find(text)
            if registration is not None:
                return redirect("dashboards:unit", usid=registration.usid)
            plans = part_plans(dashboard_parts())
            whole = unit_lookup_matches(text=text, plans=plans, whole_only=True)
            if len(whole) == 1:
                return redirect("dashboards:unit", usid=whole[0].usid)
            matches = unit_lookup_matches(text=text, plans=plans)
            if not matches:
                error = _("No unit %(usid)s is registered. No USID or tag holds it either.") % {
                    "usid": text
                }
    context = {"usid": raw, "error": error, "matches": matches, "limit": LOOKUP_LIMIT}
    return render(request, "dashboards/unit_lookup.html", context, status=404 if error else 200)


@require_GET
@permission_required("dashboards.view_dashboard", raise_exception=True)
def unit_detail(request, usid):
    return unit_story_page(request, usid)


def unit_story_page(
    request,
    usid,
    *,
    override_form=None,
    reason_form=None,
    values_form=None,
    pending=None,
    status=200,
):
    """The one unit page: its stages, values and timeline, and for those who may act on units
    the supervisor's panel (override a stage, hold, release) and the values form, with
    ``override_form``, ``reason_form`` or ``values_form`` bound when a submission was refused,
    and ``pending`` (an ``EarlierPending``) when marking done over pending stages awaits the
    supervisor's choice."""
    story = unit_story(usid=usid)
    if story is None:
        context = {"usid": usid, "error": _("No unit %(usid)s is registered.") % {"usid": usid}}
        return render(request, "dashboards/unit_lookup.html", context, status=404)
    if request.user.has_perm("stations.override_unit"):
        story["override_form"] = override_form or OverrideForm(stages=story["plan"].stages)
        story["reason_form"] = reason_form or ReasonForm()
        story["pending"] = pending
    editable = story["plan"].page_fields
    if editable and request.user.has_perm("stations.edit_unit_values"):
        initial = {value["key"]: _editable_text(value["value"]) for value in story["values"]}
        story["values_form"] = values_form or UnitValuesForm(fields=editable, initial=initial)
    return render(request, "dashboards/unit.html", story, status=status)


def measurement_panels(*, plan, window):
    """Per measurement: its figures for the period, its histogram and its run chart."""
    panels_found = []
    for figures in measurement_figures(plan=plan, window=window):
        name = figures.field.label
        panels_found.append(
            {
                "figures": figures,
                "histogram": histogram_chart(
                    figures,
                    title=_("%(measurement)s, %(period)s")
                    % {"measurement": name, "period": window.label},
                ),
                "run": run_chart(
                    figures, title=_("%(measurement)s, last values") % {"measurement": name}
                ),
            }
        )
    return panels_found


def _editable_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@require_POST
@permission_required("dashboards.export_data", raise_exception=True)
def part_export(request, pk, what, extension):
    """Start an export job and show its page, where its progress and then its file appear."""
    part, _plan = _dashboard_part(pk)
    raw = request.POST.get("columns") == "raw"
    job = export_start(user=request.user, part=part, what=what, extension=extension, raw=raw)
    return redirect("jobs:detail", job_id=job.pk)


@require_GET
@permission_required("dashboards.view_dashboard", raise_exception=True)
def defects(request):
    """The defect Pareto: fails by reason over the chosen days, of every part or of one."""
    form = DefectParetoForm(request.GET or None)
    window = form.window()
    part = form.chosen_part()
    reasons, parts = defect_pareto(window=window, part_id=part.pk if part else None)
    scope = part.part_no if part else _("every part")
    context = {
        "form": form,
        "window": window,
        "part": part,
        "reasons": reasons,
        "parts": parts,
        "total": sum(entry.count for entry in reasons),
        "pareto": panels.pareto_chart(
            reasons,
            title=_("Fails by reason, %(scope)s, %(period)s")
            % {"scope": scope, "period": window.label},
        ),
    }
    return render(request, "dashboards/defects.html", context)
