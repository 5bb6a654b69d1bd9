import json

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parts.models import ModelPart
from shopfloor.browser_policies import allow_camera
from shopfloor.dashboards.views import unit_story_page
from shopfloor.genealogy.installing import components_from_form
from shopfloor.operators.badges import is_badge_card
from shopfloor.operators.services import scan_qualification_refusal
from shopfloor.operators.views import badge_from_scan_screen
from shopfloor.scanning.input import code_clean
from shopfloor.scanning.plans import plan_of_part
from shopfloor.scanning.rules import REFUSED, ScanOutcome, ScanRefused
from shopfloor.scanning.rules import scan_record as scan_service
from shopfloor.scanning.selectors import unit_find
from shopfloor.scanning.services import (
    EarlierPending,
    api_token_issue,
    unit_hold,
    unit_override,
    unit_release,
)
from shopfloor.scanning.stage_data import stage_fields_described
from shopfloor.scanning.unit_values import unit_values_edit
from shopfloor.stations.forms import (
    DefectReasonForm,
    OverrideForm,
    ReasonForm,
    ScanForm,
    StationForm,
    UnitValuesForm,
)
from shopfloor.stations.models import DefectReason, ScanEvent, Station
from shopfloor.stations.scan_read_ahead import station_snapshot_of
from shopfloor.stations.selectors import (
    defect_reason_in_use,
    defect_reasons,
    station_list,
    station_recent_events,
    station_stage_label,
    station_tiles,
)

REMEMBERED_STATION = "sf_station"
REMEMBERED_SALT = "shopfloor.stations.remembered"
REMEMBER_FOR = 365 * 24 * 60 * 60
WAITING_FOR_TAG = "waiting"
STAGE_FIELDS_PARTS_MAX = 200  # a station running every part: the parts it offers values for


def _remembered_station(request):
    try:
        pk = request.get_signed_cookie(REMEMBERED_STATION, salt=REMEMBERED_SALT)
    except (KeyError, signing.BadSignature):
        return None
    return Station.objects.filter(pk=pk, is_active=True).first() if pk.isdigit() else None


@require_GET
@permission_required("stations.scan_unit", raise_exception=True)
def station_current(request):
    station = _remembered_station(request)
    return redirect(station if station else "stations:pick")


@require_GET
@permission_required("stations.scan_unit", raise_exception=True)
def station_pick(request):
    context = {"tiles": station_tiles(), "remembered": _remembered_station(request)}
    return render(request, "stations/station_pick.html", context)


@require_GET
@permission_required("stations.scan_unit", raise_exception=True)
@allow_camera
@csp_update({"script-src": ["'wasm-unsafe-eval'"]})  # the camera barcode reader (WebAssembly)
def station_scan(request, pk):
    station = get_object_or_404(Station, pk=pk, is_active=True)
    context = _scan_context(station, ScanForm(station=station), outcome=None, pending="")
    if request.htmx:
        # The screen fetches the station's last scans when its queue of scans has been sent.
        return render(request, "stations/station_scan.html#recent", context)
    response = render(request, "stations/station_scan.html", context)
    response.set_signed_cookie(
        REMEMBERED_STATION,
        str(station.pk),
        salt=REMEMBERED_SALT,
        max_age=REMEMBER_FOR,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@require_POST
@permission_required("stations.scan_unit", raise_exception=True)
def scan_submit(request, pk):
    if is_badge_card(request.POST.get("code")):
        return badge_from_scan_screen(request, get_object_or_404(Station, pk=pk))
    outcome, pending = _scan_from_screen(_station_snapshot(request, pk), request.user, request.POST)
    if _wants_json(request):
        # The screen's queue of scans: each answer is shown against its own scan, and the
        # screen fetches the recent scans itself once its queue is sent, so nothing is drawn.
        return JsonResponse(_outcome_json(outcome))
    station = get_object_or_404(Station, pk=pk)
    form = ScanForm(request.POST, station=station)
    template = "stations/station_scan.html"
    if request.htmx:
        template += "#scan-response"
    return render(request, template, _scan_context(station, form, outcome, pending))


def _wants_json(request):
    """Whether the answer is JSON: the screen's queue of scans asks with exactly
    ``Accept: application/json``, which needs no negotiation (parsing it cost the scan). Read
    from ``META``: ``request.headers`` copies every header of the request first."""
    if request.META.get("HTTP_ACCEPT") == "application/json":
        return True
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _station_snapshot(request, pk):
    """What the rules check of the station, its parts included, read with the session."""
    snapshot = station_snapshot_of(request, pk)
    if snapshot is None:
        raise Http404("No such station.")
    return snapshot


def _outcome_json(outcome):
    fields = ("status", "code", "message", "usid", "stage", "part_no", "result", "event_id")
    return {name: getattr(outcome, name) for name in fields}


def _scan_from_screen(station, user, data):
    """The outcome of one scan at ``station`` (a ``StationSnapshot``), and the USID still
    waiting for its tag. A scan sent with a ``scan_id`` is answered once for this person at
    this station."""
    code = data.get("code", "")
    pending = data.get("pending_usid", "")
    if station.pairs_tag and not pending:
        try:
            usid = code_clean(code)
        except ValidationError as error:
            return ScanOutcome(REFUSED, "invalid", " ".join(error.messages)), ""
        message = _("Now scan the tag label of %(usid)s.") % {"usid": usid}
        return ScanOutcome(WAITING_FOR_TAG, "scan_tag", message, usid=usid), usid
    refusal = scan_qualification_refusal(
        station=station, user=user, usid=pending or code, part_no=data.get("part_no") or None
    )
    if refusal:
        return ScanOutcome(REFUSED, "not_qualified", refusal), ""
    outcome = scan_service(
        usid=pending or code,
        tag_no=code if pending else None,
        stage=station.stage,
        result=data.get("result") or None,
        defect=data.get("defect") or None,
        part_no=data.get("part_no") or None,
        station=station,
        user=user,
        source=ScanEvent.Source.SCREEN,
        scan_id=data.get("scan_id") or None,
        components=components_from_form(data),
        data=_screen_values(data.get("data")),
    )
    return outcome, ""


def _screen_values(raw):
    """The stage's values the screen sends as one JSON object (``data``), or None. Text that is
    not JSON is handed on as is, for the rules to refuse by name."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _stage_fields_by_part(station, parts):
    """{part no.: the fields of the station's stage} for the parts whose stage asks for values
    (every active part when the station runs any part)."""
    if not parts:
        parts = ModelPart.objects.active().select_related("procedure").order_by("part_no")
        parts = parts[:STAGE_FIELDS_PARTS_MAX]
    found = {}
    for part in parts:
        plan = plan_of_part(part)
        described = stage_fields_described(plan, station.stage) if plan else []
        if described:
            found[part.part_no] = described
    return found


def _scan_context(station, form, outcome, pending):
    parts = form.parts
    help_part = None
    if outcome is not None and outcome.part_no:
        # Usually one of the station's parts, read already with the form.
        help_part = next((part for part in parts if part.part_no == outcome.part_no), None)
        if help_part is None:
            help_part = ModelPart.objects.select_related("procedure")
            help_part = help_part.filter(part_no=outcome.part_no).first()
    elif len(parts) == 1:
        help_part = parts[0]
    return {
        "station": station,
        "form": form,
        "outcome": outcome,
        "pending": pending,
        "recent": station_recent_events(station=station),
        "help": _stage_help(help_part, station.stage),
        "shows_result_choice": _shows_result_choice(station, parts),
        "stage_label": station_stage_label(station, parts),
        "stage_fields": _stage_fields_by_part(station, parts),
    }


def _stage_help(part, stage_key):
    """The part's reference pictures and the stage's instructions and videos, for the screen."""
    if part is None:
        return None
    plan = plan_of_part(part)
    stage = plan.stage(stage_key) if plan else None
    media = [name for name in (stage.media if stage else ()) if getattr(part, name, None)]
    pictures = [name for name in ("part_image", "form_image") if getattr(part, name)]
    return {
        "part": part,
        "stage": stage,
        "pictures": [
            (ModelPart._meta.get_field(name).verbose_name, getattr(part, name).url)
            for name in pictures
        ],
        "media": [
            (ModelPart._meta.get_field(name).verbose_name, getattr(part, name).url, name)
            for name in media
            if name not in pictures
        ],
    }


def _shows_result_choice(station, parts):
    """Pass/fail is asked when the station's stage is a pass/fail stage in one of its parts;
    a station running every part asks it always (the rules refuse a fail where none exists)."""
    if not parts:
        return True
    for part in parts:
        plan = plan_of_part(part)
        stage = plan.stage(station.stage) if plan else None
        if stage is not None and stage.pass_fail:
            return True
    return False


@require_GET
@permission_required("stations.change_station", raise_exception=True)
def station_manage(request):
    stations = station_list(active_only=False).prefetch_related("parts", "api_tokens")
    context = {"stations": stations}
    return render(request, "stations/station_manage.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("stations.add_station", raise_exception=True)
def station_create(request):
    return _station_form(request, StationForm(request.POST or None))


@require_http_methods(["GET", "POST"])
@permission_required("stations.change_station", raise_exception=True)
def station_edit(request, pk):
    station = get_object_or_404(Station, pk=pk)
    return _station_form(request, StationForm(request.POST or None, instance=station))


@require_POST
@permission_required("stations.add_apitoken", raise_exception=True)
def station_token_issue(request, pk):
    station = get_object_or_404(Station, pk=pk)
    try:
        token, secret = api_token_issue(name=station.name, station=station, created_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("stations:manage")
    context = {"station": station, "token": token, "secret": secret}
    response = render(request, "stations/station_token.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _station_form(request, form):
    if request.method == "POST" and form.is_valid():
        station = form.save()
        messages.success(request, _("Station %(station)s saved.") % {"station": station.name})
        return redirect("stations:manage")
    return render(request, "stations/station_form.html", {"form": form})


@require_POST
@permission_required("stations.override_unit", raise_exception=True)
def unit_action(request, usid, action):
    found = unit_find(usid=usid)
    stages = found[1].stages if found and found[1] else ()
    if action == "override":
        form = OverrideForm(request.POST, stages=stages)
    else:
        form = ReasonForm(request.POST)
    if not form.is_valid():
        forms = {"override_form" if action == "override" else "reason_form": form}
        return unit_story_page(request, usid, **forms)
    data = form.cleaned_data
    try:
        if action == "override":
            unit_override(usid=usid, user=request.user, **data)
        elif action == "hold":
            unit_hold(usid=usid, user=request.user, **data)
        else:
            unit_release(usid=usid, user=request.user, **data)
    except EarlierPending as pending:
        # Asked again on the page, with the stages listed and the choice to make.
        return unit_story_page(request, usid, override_form=form, pending=pending)
    except ScanRefused as refusal:
        messages.error(request, refusal.message)
    else:
        done = {
            "override": _("%(usid)s: override recorded."),
            "hold": _("%(usid)s: hold recorded."),
        }.get(action, _("%(usid)s: release recorded."))
        messages.success(request, done % {"usid": usid})
    return redirect("dashboards:unit", usid=usid)


@require_GET
@permission_required("stations.view_defectreason", raise_exception=True)
def defect_reason_list(request):
    return render(request, "stations/defect_reasons.html", {"reasons": defect_reasons()})


@require_http_methods(["GET", "POST"])
@permission_required("stations.add_defectreason", raise_exception=True)
def defect_reason_create(request):
    return _defect_reason_form(request, DefectReasonForm(request.POST or None))


@require_http_methods(["GET", "POST"])
@permission_required("stations.change_defectreason", raise_exception=True)
def defect_reason_edit(request, pk):
    reason = get_object_or_404(DefectReason, pk=pk)
    form = DefectReasonForm(
        request.POST or None, instance=reason, code_in_use=defect_reason_in_use(reason)
    )
    return _defect_reason_form(request, form)


def _defect_reason_form(request, form):
    if request.method == "POST" and form.is_valid():
        reason = form.save()
        messages.success(request, _("Defect reason %(code)s saved.") % {"code": reason.code})
        return redirect("stations:defects")
    return render(request, "stations/defect_reason_form.html", {"form": form})


@require_POST
@permission_required("stations.edit_unit_values", raise_exception=True)
def unit_values(request, usid):
    """Change the values of a unit's fields without a stage; each change is an event."""
    found = unit_find(usid=usid)
    if found is None or found[1] is None:
        return unit_story_page(request, usid)
    form = UnitValuesForm(request.POST, fields=found[1].page_fields)
    if form.is_valid():
        try:
            changes = unit_values_edit(usid=usid, values=form.cleaned_data, user=request.user)
        except ValidationError as error:
            for key, messages_of_key in error.message_dict.items():
                form.add_error(key if key in form.fields else None, messages_of_key)
        except ScanRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            if changes:
                messages.success(
                    request,
                    _("%(usid)s: %(fields)s changed.")
                    % {"usid": usid, "fields": ", ".join(changes)},
                )
            else:
                messages.info(request, _("%(usid)s: nothing changed.") % {"usid": usid})
            return redirect("dashboards:unit", usid=found[0].usid)
    return unit_story_page(request, usid, values_form=form)
