from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shopfloor.cfx.forms import EndpointForm
from shopfloor.cfx.models import DeadLetter, Endpoint
from shopfloor.cfx.selectors import dead_letter_list, endpoint_list, endpoint_recent_messages
from shopfloor.cfx.services import RECORDED, dead_letter_replay, endpoint_map


@require_GET
@permission_required("cfx.view_endpoint", raise_exception=True)
def endpoints(request):
    context = {"endpoints": endpoint_list(), "open_dead_letters": dead_letter_list().count()}
    return render(request, "cfx/endpoints.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("cfx.view_endpoint", raise_exception=True)
def endpoint_detail(request, pk):
    endpoint = get_object_or_404(Endpoint.objects.select_related("station"), pk=pk)
    if request.method == "POST":
        if not request.user.has_perm("cfx.change_endpoint"):
            raise PermissionDenied
        form = EndpointForm(request.POST, endpoint=endpoint)
        if form.is_valid():
            endpoint_map(
                endpoint=endpoint, station=form.cleaned_data["station"], names=form.names()
            )
            messages.success(
                request, _("Mapping of %(handle)s saved.") % {"handle": endpoint.handle}
            )
            return redirect(endpoint)
    else:
        form = EndpointForm(endpoint=endpoint)
    context = {
        "endpoint": endpoint,
        "form": form,
        "recent": endpoint_recent_messages(endpoint=endpoint),
    }
    return render(request, "cfx/endpoint_detail.html", context)


@require_GET
@permission_required("cfx.view_deadletter", raise_exception=True)
def dead_letters(request):
    replayed = request.GET.get("status") == DeadLetter.Status.REPLAYED
    status = DeadLetter.Status.REPLAYED if replayed else DeadLetter.Status.OPEN
    context = {"dead_letters": dead_letter_list(status=status)[:200], "replayed": replayed}
    return render(request, "cfx/dead_letters.html", context)


@require_GET
@permission_required("cfx.view_deadletter", raise_exception=True)
def dead_letter_detail(request, pk):
    dead_letter = get_object_or_404(
        DeadLetter.objects.select_related("message__endpoint", "replayed_by"), pk=pk
    )
    return render(request, "cfx/dead_letter_detail.html", {"dead_letter": dead_letter})


@require_POST
@permission_required("cfx.replay_deadletter", raise_exception=True)
def dead_letter_replay_view(request, pk):
    dead_letter = get_object_or_404(DeadLetter, pk=pk)
    receipt = dead_letter_replay(dead_letter=dead_letter, user=request.user)
    if receipt.status == RECORDED:
        messages.success(
            request, _("Replayed and recorded. %(summary)s") % {"summary": receipt.summary}
        )
    else:
        messages.error(request, _("Still not recorded: %(summary)s") % {"summary": receipt.summary})
    return redirect(dead_letter)
