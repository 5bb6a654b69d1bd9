from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shopfloor.labels.forms import printer_of
from shopfloor.labels.printing import PrinterError
from shopfloor.operators import badge_cards, selectors, services
from shopfloor.operators.badges import badge_code_new
from shopfloor.operators.forms import (
    BadgeIssueForm,
    BadgePolicyForm,
    BadgeScanForm,
    PinForm,
    PinSetForm,
    QualificationGrantForm,
    QualificationRuleForm,
)
from shopfloor.operators.models import OperatorBadge, QualificationRule
from shopfloor.operators.services import BadgeRefused
from shopfloor.operators.station_sessions import (
    badge_session_of,
    badge_session_start,
    device_bind,
    device_station,
    device_station_id,
    device_unbind,
    pin_wait_end,
    pin_wait_of,
    pin_wait_start,
)
from shopfloor.scanning.tokens import token_cache_clear
from shopfloor.stations.models import Station
from shopfloor.stations.selectors import station_list

PASSWORD_BACKEND = "shopfloor.accounts.backends.EmailBackend"
PAUSED_STATUS = 429


# The station's lock screen: scan your badge (and type your PIN) ------------------------------


def _lock_screen(request, station, *, refusal=None, asks_pin=False, status=200):
    context = {
        "station": station,
        "form": PinForm() if asks_pin else BadgeScanForm(),
        "asks_pin": asks_pin,
        "refusal": refusal,
        "locked": request.GET.get("locked") == "1",
    }
    if refusal is not None and refusal.code == "paused":
        status = PAUSED_STATUS
    response = render(request, "operators/badge_sign_in.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _operator_sign_in(request, user, station):
    """Sign ``user`` in at ``station`` by badge: any earlier operator is signed out."""
    login(request, user, backend=PASSWORD_BACKEND)
    badge_session_start(request, station)


@login_not_required
@require_http_methods(["GET", "POST"])
def badge_sign_in(request):
    station = device_station(request)
    if station is None:
        return render(request, "operators/device_not_bound.html", status=403)
    if request.method == "GET":
        return _lock_screen(request, station, asks_pin=pin_wait_of(request, station) is not None)
    form = BadgeScanForm(request.POST)
    form.is_valid()
    try:
        accepted = services.badge_check(station=station, text=form.cleaned_data.get("code", ""))
    except BadgeRefused as refusal:
        return _lock_screen(request, station, refusal=refusal)
    if accepted.needs_pin:
        if request.user.is_authenticated:
            logout(request)
        pin_wait_start(request, user=accepted.user, station=station, digest=accepted.digest)
        return _lock_screen(request, station, asks_pin=True)
    _operator_sign_in(request, accepted.user, station)
    return redirect("stations:scan", pk=station.pk)


@login_not_required
@require_POST
def badge_pin(request):
    station = device_station(request)
    if station is None:
        return render(request, "operators/device_not_bound.html", status=403)
    waiting = pin_wait_of(request, station)
    if waiting is None:
        return redirect("operators:badge")
    form = PinForm(request.POST)
    form.is_valid()
    user_pk, digest = waiting
    try:
        user = services.badge_pin_check(
            station=station, user_pk=user_pk, digest=digest, pin=form.cleaned_data.get("pin")
        )
    except BadgeRefused as refusal:
        pin_wait_end(request)
        return _lock_screen(request, station, refusal=refusal)
    _operator_sign_in(request, user, station)
    return redirect("stations:scan", pk=station.pk)


@login_not_required
@require_POST
def station_lock(request):
    """The operator leaves, or the screen was idle: back to "scan your badge"."""
    # On a bound device a password session is locked as well: the device is shared.
    if badge_session_of(request) is not None or device_station_id(request) is not None:
        logout(request)
    if request.POST.get("idle") == "1":
        return redirect(f"{reverse('operators:badge')}?locked=1")
    return redirect("operators:badge")


def badge_from_scan_screen(request, station):
    """A badge card scanned on ``station``'s scan screen, in the screen's queue of scans: the
    operator switches there and then, so the scans queued after it are the new operator's.
    Answers like a scan (JSON), with the new CSRF token the sign-in made."""
    if device_station(request) != station:
        message = _(
            "This device is not bound to %(station)s: badges sign in only at a bound "
            "station device. Nothing was recorded."
        ) % {"station": station.name}
        return JsonResponse({"status": "refused", "code": "device_not_bound", "message": message})
    try:
        accepted = services.badge_check(station=station, text=request.POST.get("code", ""))
    except BadgeRefused as refusal:
        answer = {"status": "refused", "code": refusal.code, "message": refusal.message}
        return JsonResponse(answer, status=PAUSED_STATUS if refusal.code == "paused" else 200)
    if accepted.needs_pin:
        logout(request)
        pin_wait_start(request, user=accepted.user, station=station, digest=accepted.digest)
        message = _("Type the PIN of this badge on the lock screen.")
        return JsonResponse({"status": "refused", "code": "pin_required", "message": message})
    _operator_sign_in(request, accepted.user, station)
    name = accepted.user.get_full_name()
    return JsonResponse(
        {
            "status": "signed_in",
            "code": "operator",
            "message": _("%(name)s signed in at %(station)s.")
            % {"name": name, "station": station.name},
            "operator": name,
            "csrf_token": get_token(request),
        }
    )


# Binding a device to its station ---------------------------------------------------------------


@require_GET
@permission_required("stations.change_station", raise_exception=True)
def devices(request):
    """Bind this device (the browser) to a station, for badge sign-in."""
    context = {"stations": station_list(), "bound": device_station(request)}
    return render(request, "operators/devices.html", context)


@require_POST
@permission_required("stations.change_station", raise_exception=True)
def device_bind_view(request, station_pk):
    station = get_object_or_404(Station, pk=station_pk, is_active=True)
    messages.success(
        request,
        _("This device is bound to %(station)s: between operators it asks for a badge.")
        % {"station": station.name},
    )
    response = redirect("operators:devices")
    device_bind(response, request, station)
    return response


@require_POST
@permission_required("stations.change_station", raise_exception=True)
def device_unbind_view(request):
    messages.success(request, _("This device is no longer bound to a station."))
    response = redirect("operators:devices")
    device_unbind(response)
    return response


# An operator's badge, PIN and policy (admins) --------------------------------------------------


@require_GET
@permission_required("operators.issue_badge", raise_exception=True)
def operator_list(request):
    context = {"operators": selectors.operators_with_badges()}
    return render(request, "operators/operator_list.html", context)


def _operator_page(request, person, *, issue_form=None, pin_form=None, status=200):
    badge = OperatorBadge.objects.filter(user=person).first()
    context = {
        "person": person,
        "badge": badge,
        "issue_form": issue_form or BadgeIssueForm(),
        "pin_form": pin_form or PinSetForm(),
        "policy_form": BadgePolicyForm(
            initial={"opens_all_pages": getattr(badge, "opens_all_pages", False)}
        ),
        "qualifications": selectors.person_qualifications(person),
    }
    return render(request, "operators/operator.html", context, status=status)


@require_GET
@permission_required("operators.issue_badge", raise_exception=True)
def operator_page(request, user_pk):
    return _operator_page(request, get_object_or_404(get_user_model(), pk=user_pk))


@require_POST
@permission_required("operators.issue_badge", raise_exception=True)
def badge_issue(request, user_pk):
    """Issue a badge and print its card in one step: the code is never shown again."""
    person = get_object_or_404(get_user_model(), pk=user_pk)
    form = BadgeIssueForm(request.POST)
    if not form.is_valid():
        return _operator_page(request, person, issue_form=form)
    code = form.cleaned_data["code"] or badge_code_new()
    printer = printer_of(form.cleaned_data["output"])
    try:
        with transaction.atomic():
            services.badge_issue(user=person, code=code, issued_by=request.user)
            # Printed inside the transaction: a card that cannot print leaves the old badge.
            if printer is None:
                pdf = badge_cards.badge_card_pdf(person, code)
            else:
                badge_cards.badge_card_print(person, code, printer=printer)
    except (ValidationError, PrinterError) as error:
        message = error.messages[0] if isinstance(error, ValidationError) else str(error)
        form.add_error(None, message)
        return _operator_page(request, person, issue_form=form)
    if printer is None:
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="badge-{person.pk}.pdf"'
        response["Cache-Control"] = "no-store"
        return response
    messages.success(
        request, _("Badge issued; its card was sent to %(printer)s.") % {"printer": printer.name}
    )
    return redirect("operators:operator", user_pk=person.pk)


@require_POST
@permission_required("operators.issue_badge", raise_exception=True)
def badge_withdraw(request, user_pk):
    person = get_object_or_404(get_user_model(), pk=user_pk)
    services.badge_withdraw(user=person)
    messages.success(request, _("The badge was withdrawn: its card no longer signs in."))
    return redirect("operators:operator", user_pk=person.pk)


@require_POST
@permission_required("operators.issue_badge", raise_exception=True)
def pin_set(request, user_pk):
    person = get_object_or_404(get_user_model(), pk=user_pk)
    form = PinSetForm(request.POST)
    if not form.is_valid():
        return _operator_page(request, person, pin_form=form)
    services.badge_pin_set(user=person, pin=form.cleaned_data["pin"])
    messages.success(request, _("PIN set.") if form.cleaned_data["pin"] else _("PIN removed."))
    return redirect("operators:operator", user_pk=person.pk)


@require_POST
@permission_required("operators.issue_badge", raise_exception=True)
def policy_set(request, user_pk):
    person = get_object_or_404(get_user_model(), pk=user_pk)
    form = BadgePolicyForm(request.POST)
    form.is_valid()
    services.badge_policy_set(user=person, opens_all_pages=form.cleaned_data["opens_all_pages"])
    messages.success(request, _("Badge policy saved."))
    return redirect("operators:operator", user_pk=person.pk)


# Qualifications ------------------------------------------------------------------------------


def _qualifications_page(request, *, rule_form=None, grant_form=None, status=200):
    context = {
        "rules": selectors.qualification_board(),
        "rule_form": rule_form or QualificationRuleForm(),
        "grant_form": grant_form or QualificationGrantForm(),
    }
    return render(request, "operators/qualifications.html", context, status=status)


@require_GET
@permission_required("operators.view_qualification", raise_exception=True)
def qualifications(request):
    return _qualifications_page(request)


@require_POST
@permission_required("operators.add_qualificationrule", raise_exception=True)
def rule_create(request):
    form = QualificationRuleForm(request.POST)
    if not form.is_valid():
        return _qualifications_page(request, rule_form=form)
    data = form.cleaned_data
    QualificationRule.objects.create(
        station=data["station"], part=data["part"], stage=data["stage"], created_by=request.user
    )
    token_cache_clear()  # API tokens keep whether their station is limited: read it again
    messages.success(request, _("Only qualified operators work there now."))
    return redirect("operators:qualifications")


@require_POST
@permission_required("operators.delete_qualificationrule", raise_exception=True)
def rule_delete(request, rule_pk):
    get_object_or_404(QualificationRule, pk=rule_pk).delete()
    token_cache_clear()
    messages.success(request, _("Every operator may work there again."))
    return redirect("operators:qualifications")


@require_POST
@permission_required("operators.add_qualification", raise_exception=True)
def qualification_grant(request):
    form = QualificationGrantForm(request.POST)
    if form.is_valid():
        try:
            services.qualification_grant(granted_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("expires_on", error)
        else:
            messages.success(request, _("Qualification saved."))
            return redirect("operators:qualifications")
    return _qualifications_page(request, grant_form=form)
