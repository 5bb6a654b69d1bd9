"""The line TV: a full-screen view of every part opened by a display link (no sign-in), and
the pages where supervisors and engineers make and revoke those links and engineers set the
andon limits."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parts.models import ModelPart
from shopfloor.dashboards.andon import andon_thresholds_save, stage_signals, thresholds_by_part
from shopfloor.dashboards.displays import (
    display_token_find,
    display_token_issue,
    display_token_revoke,
)
from shopfloor.dashboards.models import DisplayToken
from shopfloor.dashboards.selectors import dashboard_parts, line_overview
from shopfloor.dashboards.tv_forms import AndonLimitsForm, DisplayTokenForm
from shopfloor.scanning.plans import plan_of_part

PARTS_PER_PAGE = 8


@dataclass
class TvTile:
    part: ModelPart
    figures: object
    signals: list

    @property
    def alarm(self):
        return any(signal.alarm for signal in self.signals)


def _tv_tiles():
    entries = line_overview()
    limits = thresholds_by_part(entry.part.pk for entry in entries)
    return [
        TvTile(
            part=entry.part,
            figures=entry.figures,
            signals=(
                stage_signals(entry.figures, limits.get(entry.part.pk, {}))
                if entry.figures is not None
                else []
            ),
        )
        for entry in entries
    ]


def _private(response):
    # The link is the only key: keep the page out of caches and the link out of referrers.
    patch_cache_control(response, no_store=True)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_not_required  # the display link is the key, checked below
@require_GET
def line_tv(request, token):
    """The TV view: no navigation, figures large enough to read from across the line."""
    display = display_token_find(token)
    if display is None:
        return _private(render(request, "dashboards/tv_refused.html", status=403))
    tiles = _tv_tiles()
    context = {
        "display": display,
        "tiles": tiles,
        # Up to four parts fill one row of larger tiles; more make two rows of four.
        "roomy": len(tiles) <= PARTS_PER_PAGE // 2,
        "columns": max(1, min(len(tiles), PARTS_PER_PAGE // 2)),
        "parts_per_page": PARTS_PER_PAGE,
        "refresh_seconds": settings.DASHBOARD_REFRESH_SECONDS,
        "updated_at": timezone.now(),
    }
    template = "dashboards/tv.html"
    if request.htmx:
        template += "#grid"
    return _private(render(request, template, context))


@require_GET
@permission_required("dashboards.manage_displays", raise_exception=True)
def displays(request):
    return _displays_page(request, DisplayTokenForm())


def _displays_page(request, form, *, new_link="", status=200):
    context = {
        "form": form,
        "tokens": DisplayToken.objects.select_related("created_by", "revoked_by"),
        "new_link": new_link,
    }
    return render(request, "dashboards/tv_displays.html", context, status=status)


@require_POST
@permission_required("dashboards.manage_displays", raise_exception=True)
def display_create(request):
    form = DisplayTokenForm(request.POST)
    if not form.is_valid():
        return _displays_page(request, form, status=400)
    token, raw = display_token_issue(
        name=form.cleaned_data["name"],
        page_seconds=form.cleaned_data["page_seconds"],
        user=request.user,
    )
    link = request.build_absolute_uri(reverse("dashboards:tv", args=[raw]))
    messages.success(
        request,
        _("Display link “%(name)s” created. Copy it now: it is shown once.") % {"name": token.name},
    )
    return _displays_page(request, DisplayTokenForm(), new_link=link)


@require_POST
@permission_required("dashboards.manage_displays", raise_exception=True)
def display_revoke(request, pk):
    token = display_token_revoke(token=get_object_or_404(DisplayToken, pk=pk), user=request.user)
    messages.success(
        request, _("Display link “%(name)s” revoked: its screen goes dark.") % {"name": token.name}
    )
    return redirect("dashboards:tv-displays")


def _andon_forms(bound_part=None, data=None):
    parts = dashboard_parts()
    limits = thresholds_by_part(part.pk for part in parts)
    forms = []
    for part in parts:
        plan = plan_of_part(part)
        if plan is None:
            continue
        form = AndonLimitsForm(
            data if part == bound_part else None,
            stages=plan.stages,
            initial_limits=limits.get(part.pk, {}),
            prefix=f"part{part.pk}",
        )
        forms.append((part, form))
    return forms


@require_GET
@permission_required("dashboards.view_andonthreshold", raise_exception=True)
def andon_limits(request):
    return render(request, "dashboards/tv_andon.html", {"part_forms": _andon_forms()})


@require_POST
@permission_required("dashboards.change_andonthreshold", raise_exception=True)
def andon_limits_save(request, part_pk):
    part = get_object_or_404(ModelPart.objects.active().filter(procedure__isnull=False), pk=part_pk)
    part_forms = _andon_forms(part, request.POST)
    form = next(form for candidate, form in part_forms if candidate == part)
    if not form.is_valid():
        context = {"part_forms": part_forms, "invalid_part": part}
        return render(request, "dashboards/tv_andon.html", context, status=400)
    andon_thresholds_save(part=part, limits=form.limits(), user=request.user)
    messages.success(request, _("Andon limits of %(part)s saved.") % {"part": part.part_no})
    return redirect(f"{reverse('dashboards:tv-andon')}#part-{part.pk}")
