"""Trace API: ``GET /api/v1/trace?lot=<code>`` and ``GET /api/v1/trace?usid=<usid>``.

Same bearer tokens and error shape as the scan API; only tokens allowed to read units may.
"""

import json

from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from shopfloor.genealogy.models import LOT_MAX_LENGTH
from shopfloor.genealogy.selectors import (
    trace_forward,
    trace_forward_json,
    trace_tree,
    trace_up,
)
from shopfloor.scanning.api import api_endpoint
from shopfloor.scanning.input import ascii_check, code_clean
from shopfloor.scanning.rules import ScanRefused, invalid
from shopfloor.stations.models import UnitRegistration


def trace_code(field, raw, label):
    """A lot code or USID given to a trace: printable ASCII, at most 64 characters."""
    try:
        code = code_clean(raw, label=label, max_length=LOT_MAX_LENGTH)
        ascii_check(code, label=label)
    except ValidationError as error:
        raise invalid({field: " ".join(error.messages)}) from None
    return code


def trace_question(params):
    """("lot", code) or ("usid", registration) from the query string, or ``ScanRefused``."""
    lot, usid = params.get("lot"), params.get("usid")
    if (lot is None) == (usid is None):
        raise invalid({"query": _("Ask for one of ?lot=<lot code> or ?usid=<USID>.")})
    if lot is not None:
        return "lot", trace_code("lot", lot, _("lot code"))
    usid = trace_code("usid", usid, _("USID"))
    registration = UnitRegistration.objects.select_related("part").find(usid)
    if registration is None:
        raise ScanRefused("unknown_unit", _("%(usid)s is not registered.") % {"usid": usid})
    return "usid", registration


@api_endpoint("GET")
def trace(request, token):
    kind, found = trace_question(request.GET)
    if kind == "lot":
        # The units' array comes built from the database: 100,000 units in one value.
        units = trace_forward_json(lot=found)
        return HttpResponse(
            f'{{"lot": {json.dumps(found)}, "units": {units}}}', content_type="application/json"
        )
    chain = trace_up(usid=found.usid)
    return JsonResponse(
        {
            "usid": found.usid,
            "part_no": found.part.part_no,
            "components": trace_tree(usid=found.usid),
            "installed_in": chain[0] if chain else None,
            "chain": chain,
            "used_in": [
                {"usid": usid, "part_no": part_no, "via": via}
                for usid, part_no, via, _part_id in trace_forward(usid=found.usid)
            ],
        }
    )
