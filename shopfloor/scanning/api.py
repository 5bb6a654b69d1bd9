"""Scan API v1: ``POST /api/v1/scans``, ``GET /api/v1/units/<usid>``,
``GET /api/v1/parts/<part_no>/summary``.

Bearer-token authentication (no session, so no CSRF); every answer is JSON, and every refusal
has a stable ``error.code`` and a ``message`` in plain words. Status codes follow the contract
in the product brief: 201 recorded, 200 already recorded, 400 invalid, 401/403 token, 404
unknown part or unit, 409 stage order, hold or another conflict. A scan sent again with the
same ``scan_id`` by the same token is given its first answer again (same status, same
``event_id``) and writes nothing.
"""

import functools

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from parts.models import ModelPart
from shopfloor.characters import first_refused
from shopfloor.genealogy.selectors import unit_genealogy_json
from shopfloor.json_input import DuplicateKey, json_loads
from shopfloor.labels.selectors import unit_label_events
from shopfloor.operators.services import api_scan_qualification_refusal, operator_find
from shopfloor.scanning.input import code_clean
from shopfloor.scanning.openapi import openapi_document
from shopfloor.scanning.rules import (
    PART_NO_MAX_LENGTH,
    RECORDED,
    ScanRefused,
    StationSnapshot,
    invalid,
    scan_record,
)
from shopfloor.scanning.selectors import (
    part_summary,
    unit_data,
    unit_events,
    unit_find,
    unit_stage_states,
)
from shopfloor.scanning.tokens import TokenRefused, token_authenticate, token_from_header
from shopfloor.stations.models import ScanEvent, Station

MAX_BODY_BYTES = 16 * 1024
OPERATOR_MAX_LENGTH = 254
STATION_NAME_MAX_LENGTH = Station._meta.get_field("name").max_length
SCAN_FIELDS = (
    "usid",
    "stage",
    "result",
    "part_no",
    "tag_no",
    "defect",
    "station",
    "scan_id",
    "components",
    "data",
    "operator",
)
SCAN_FIELD_SET = frozenset(SCAN_FIELDS)
STATUS_OF = {
    "invalid": 400,
    "token_missing": 401,
    "token_invalid": 401,
    "stage_not_allowed": 403,
    "station_not_allowed": 403,
    "station_inactive": 403,
    "read_not_allowed": 403,
    "unknown_part": 404,
    "unknown_unit": 404,
    "not_found": 404,
    "method_not_allowed": 405,
}
CONFLICT = 409


def error_response(code, message, **details):
    body = {"error": {"code": code, "message": message, **details}}
    return JsonResponse(body, status=STATUS_OF.get(code, CONFLICT))


def api_endpoint(method):
    """An API view: token checked, only ``method`` allowed, refusals answered as JSON.

    A GET reads units or summaries: only tokens given the read scope may.
    """

    def decorate(view):
        @csrf_exempt
        @login_not_required
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != method:
                response = error_response(
                    "method_not_allowed",
                    _("Use %(method)s for this endpoint.") % {"method": method},
                    allowed=[method],
                )
                response["Allow"] = method
                return response
            try:
                token = token_authenticate(
                    token_from_header(request.META.get("HTTP_AUTHORIZATION", ""))
                )
            except TokenRefused as refusal:
                response = error_response(refusal.code, refusal.message)
                response["WWW-Authenticate"] = 'Bearer realm="shopfloor"'
                return response
            if method == "GET" and not token.may_read:
                return error_response(
                    "read_not_allowed",
                    _(
                        "The token of %(token)s may scan but not read units; an engineer can "
                        "issue it with reading allowed (issue_token --read, or the admin)."
                    )
                    % {"token": token.name},
                )
            try:
                return view(request, token, *args, **kwargs)
            except ScanRefused as refusal:
                return error_response(refusal.code, refusal.message, **refusal.details)

        return wrapper

    return decorate


def _json_body(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise invalid({"body": _body_too_large()})
    raw = request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise invalid({"body": _body_too_large()})
    try:
        data = json_loads(raw)
    except DuplicateKey as duplicate:
        raise invalid({"body": str(duplicate)}) from None
    except (ValueError, RecursionError):
        raise invalid({"body": _("The body is not valid JSON.")}) from None
    if not isinstance(data, dict):
        raise invalid({"body": _('The body must be a JSON object, e.g. {"usid": ..., ...}.')})
    if data.keys() <= SCAN_FIELD_SET:
        return data
    unknown = sorted(str(key)[:40] for key in data if key not in SCAN_FIELDS)
    if unknown:
        known = _("Unknown field (known: %(fields)s).") % {"fields": ", ".join(SCAN_FIELDS)}
        raise invalid(dict.fromkeys(unknown, known))
    return data


def _body_too_large():
    return _("The body is larger than %(size)s KB.") % {"size": MAX_BODY_BYTES // 1024}


def _station_for(token, name):
    if name is None or name == "":
        return token.station
    if not isinstance(name, str):
        raise invalid({"station": _("The station must be text, e.g. QC-1.")})
    name = _cleaned("station", name, label="station", max_length=STATION_NAME_MAX_LENGTH)
    if token.station is not None:
        if name != token.station.name:
            raise ScanRefused(
                "station_not_allowed",
                _("The token of %(token)s belongs to station %(station)s, not %(sent)s.")
                % {"token": token.name, "station": token.station.name, "sent": name},
            )
        return token.station
    pk = Station.objects.filter(name=name).values_list("pk", flat=True).first()
    station = StationSnapshot.read(pk) if pk is not None else None
    if station is None:
        raise invalid({"station": _("There is no station %(name)s.") % {"name": repr(name)}})
    return station


def _operator_for(email):
    """The person the scan is made by, named by the email they sign in with; None when the
    scan names nobody."""
    if email is None or email == "":
        return None
    if (
        not isinstance(email, str)
        or len(email) > OPERATOR_MAX_LENGTH
        or first_refused(email) is not None
    ):
        raise invalid({"operator": _("The operator must be the email address they sign in with.")})
    operator = operator_find(email=email)
    if operator is None:
        raise invalid(
            {"operator": _("No active operator signs in as %(email)s.") % {"email": email[:80]}}
        )
    return operator


@api_endpoint("POST")
def scan_create(request, token):
    data = _json_body(request)
    station = _station_for(token, data.get("station"))
    operator = _operator_for(data.get("operator"))
    refusal = api_scan_qualification_refusal(
        station=station,
        stage=data.get("stage"),
        operator=operator,
        usid=data.get("usid"),
        part_no=data.get("part_no"),
    )
    if refusal is not None:
        return error_response(*refusal)
    outcome = scan_record(
        usid=data.get("usid"),
        stage=data.get("stage"),
        result=data.get("result"),
        part_no=data.get("part_no"),
        tag_no=data.get("tag_no"),
        defect=data.get("defect"),
        station=station,
        user=operator,
        token=token,
        scan_id=data.get("scan_id"),
        components=data.get("components"),
        data=data.get("data"),
        source=ScanEvent.Source.API,
    )
    if outcome.is_refused:
        return error_response(outcome.code, outcome.message, **outcome.details)
    body = {
        "status": outcome.status,
        "usid": outcome.usid,
        "stage": outcome.stage,
        "result": outcome.result,
        "part_no": outcome.part_no,
        "message": outcome.message,
    }
    if outcome.event_id is not None:
        body["event_id"] = outcome.event_id
    return JsonResponse(body, status=201 if outcome.status == RECORDED else 200)


def _cleaned(field, raw, **options):
    try:
        return code_clean(raw, **options)
    except ValidationError as error:
        raise invalid({field: " ".join(error.messages)}) from None


@api_endpoint("GET")
def unit_detail(request, token, usid):
    usid = _cleaned("usid", usid)
    found = unit_find(usid=usid)
    if found is None or found[2] is None:
        raise ScanRefused("unknown_unit", _("%(usid)s is not registered.") % {"usid": usid})
    registration, plan, row = found
    usid = registration.usid
    return JsonResponse(
        {
            "usid": usid,
            "part_no": registration.part.part_no,
            "model_no": registration.part.model_no,
            "tag_no": row["tag_no"] or "",
            "on_hold": row["on_hold"],
            "registered_at": registration.created_at,
            "stages": unit_stage_states(plan=plan, row=row),
            "data": unit_data(plan=plan, row=row),
            "history": [_event_json(event) for event in unit_events(usid=usid)],
            "labels": [_label_event_json(event) for event in unit_label_events(usid=usid)],
            **unit_genealogy_json(usid=usid),
        }
    )


def _label_event_json(event):
    return {
        "at": event.created_at,
        "action": event.action,
        "output": event.output,
        "printer": event.printer.name if event.printer else "",
        "station": event.station.name if event.station else "",
        "by": str(event.user or ""),
        "reason": event.reason,
        "error": event.error,
    }


def _event_json(event):
    return {
        "at": event.created_at,
        "action": event.action,
        "stage": event.stage,
        "result": event.result,
        "defect": event.defect.code if event.defect else "",
        "source": event.source,
        "station": event.station.name if event.station else "",
        "by": str(event.who or ""),
        "reason": event.reason,
        "tag_no": event.tag_no,
        "data": event.data,
    }


@api_endpoint("GET")
def part_summary_detail(request, token, part_no):
    part_no = _cleaned("part_no", part_no, label="part no.", max_length=PART_NO_MAX_LENGTH)
    part = ModelPart.objects.select_related("procedure").filter(part_no=part_no).first()
    if part is None:
        raise ScanRefused("unknown_part", _("There is no part %(part_no)s.") % {"part_no": part_no})
    return JsonResponse(part_summary(part=part))


@api_endpoint("GET")
def openapi(request, token):
    return JsonResponse(openapi_document())


@csrf_exempt
@login_not_required
def not_found(request, rest=""):
    return error_response("not_found", _("There is no such API endpoint."))
