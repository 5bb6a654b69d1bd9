"""The floor: bare Django views doing a scan's writes with plain SQL, and a view doing nothing.

Served only by the scan benchmark's gunicorn (``bench_settings``), beside the whole app, so
all answer under the same server, middleware, settings and database:

- ``/bench/bare`` parses the JSON body and answers it, touching no database: what the load
  generator gets from this gunicorn at all (the ceiling of every other figure);
- ``/bench/floor/register`` writes a new unit the way a registration must: its USID in the
  global index, its row in the part's unit table (first stage passed) and the scan event;
- ``/bench/floor/stage`` records a stage of a registered unit: the UPDATE of the unit row
  (pass, or fail with a defect and the hold) and the INSERT of the event;
- ``/bench/floor/components`` records a stage with two components (genealogy): the same two
  writes and the INSERT of both installations.
- ``/bench/floor/stage_data`` the same with the stage's values: the UPDATE also sets their
  columns, the event carries them as JSON.

Each writes in one statement committed on its own (a CTE: ``WITH unit AS (UPDATE … RETURNING 1)
INSERT … SELECT … FROM unit``), with no rule checked: the least database work of the scan, one
round trip and one commit, through Django and gunicorn, against which the app is measured.
The statements run through ``shopfloor.prepared_statements`` as the app's do: prepared on
PostgreSQL from their second use on a connection, so the floor is not planned afresh each scan
while the app is not.
"""

import json

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from shopfloor.prepared_statements import prepared_cursor

FIRST_STAGE = "smd"
STAGE = "qc"
EVENT_COLUMNS = (
    '"created_at", "usid", "part_id", "stage", "action", "result", "defect_id", "source", '
    '"token_id", "tag_no", "reason"'
)
EVENT_VALUES = "%s, %s, %s, %s, 'scan', %s, %s, 'api', %s, '', ''"
# Each scan's writes in one statement, committed on its own (autocommit): one round trip.
REGISTER = (
    'WITH registration AS (INSERT INTO "stations_unitregistration" '
    '("usid", "usid_key", "part_id", "created_at") VALUES (%s, %s, %s, %s) RETURNING 1), '
    'unit AS (INSERT INTO "parts_unit_{part_id}" ("usid", "is_smd", "smd_result", "smd_at", '
    '"on_hold", "created_at", "updated_at") SELECT %s, true, %s, %s, false, %s, %s '
    "FROM registration RETURNING 1) "
    f'INSERT INTO "stations_scanevent" ({EVENT_COLUMNS}) SELECT {EVENT_VALUES} FROM unit'
)
STAGE_RECORD = (
    'WITH unit AS (UPDATE "parts_unit_{part_id}" SET "is_qc" = %s, "qc_result" = %s, '
    '"qc_at" = %s, "on_hold" = %s, "updated_at" = %s WHERE "usid" = %s RETURNING 1) '
    f'INSERT INTO "stations_scanevent" ({EVENT_COLUMNS}) SELECT {EVENT_VALUES} FROM unit'
)

# The same with the stage's values: the UPDATE sets their columns, the event keeps them.
STAGE_DATA_RECORD = (
    'WITH unit AS (UPDATE "parts_unit_{part_id}" SET "is_qc" = %s, "qc_result" = %s, '
    '"qc_at" = %s, "f_v_out" = %s, "f_i_in" = %s, "f_fw" = %s, "on_hold" = %s, '
    '"updated_at" = %s WHERE "usid" = %s RETURNING 1) '
    f'INSERT INTO "stations_scanevent" ({EVENT_COLUMNS}, "data") '
    f"SELECT {EVENT_VALUES}, %s::jsonb FROM unit"
)
# The same with two components: the event's INSERT, then both installations.
COMPONENTS_RECORD = (
    'WITH unit AS (UPDATE "parts_unit_{part_id}" SET "is_qc" = %s, "qc_result" = %s, '
    '"qc_at" = %s, "on_hold" = %s, "updated_at" = %s WHERE "usid" = %s RETURNING 1), '
    f'event AS (INSERT INTO "stations_scanevent" ({EVENT_COLUMNS}) SELECT {EVENT_VALUES} '
    "FROM unit RETURNING 1) "
    'INSERT INTO "genealogy_installation" ("parent_usid", "parent_part_id", "stage", '
    '"component", "child_usid", "child_part_id", "lot", "installed_at", "designator", '
    "\"removal_reason\") SELECT %s, %s, %s, %s, %s, %s, %s, %s, '', '' FROM event "
    "UNION ALL SELECT %s, %s, %s, %s, %s, %s, %s, %s, '', '' FROM event"
)


def _scan(request):
    data = json.loads(request.body)
    return data, int(data["part_id"]), data.get("result") or "pass", timezone.now()


@csrf_exempt
@login_not_required
def bare(request):
    data = json.loads(request.body)
    return JsonResponse({"status": "recorded", "usid": data["usid"]}, status=201)


@csrf_exempt
@login_not_required
def floor_register(request):
    data, part_id, result, now = _scan(request)
    usid = data["usid"]
    with prepared_cursor() as cursor:
        cursor.execute(
            REGISTER.format(part_id=part_id),
            [
                *(usid, usid.lower(), part_id, now, usid, result, now, now, now),
                *(now, usid, part_id, FIRST_STAGE, result, None, data["token_id"]),
            ],
        )
    return JsonResponse({"status": "recorded"}, status=201)


@csrf_exempt
@login_not_required
def floor_stage(request):
    data, part_id, result, now = _scan(request)
    passed = result == "pass"
    usid = data["usid"]
    with prepared_cursor() as cursor:
        cursor.execute(
            STAGE_RECORD.format(part_id=part_id),
            [
                *(passed, result, now, not passed, now, usid),
                *(now, usid, part_id, STAGE, result, data.get("defect_id"), data["token_id"]),
            ],
        )
    return JsonResponse({"status": "recorded"}, status=201)


@csrf_exempt
@login_not_required
def floor_components(request):
    """A stage recorded with two components (a child unit and a lot)."""
    data, part_id, result, now = _scan(request)
    usid, child = data["usid"], data["components"]["psu"]
    with prepared_cursor() as cursor:
        cursor.execute(
            COMPONENTS_RECORD.format(part_id=part_id),
            [
                *(True, result, now, False, now, usid),
                *(now, usid, part_id, STAGE, result, None, data["token_id"]),
                *(usid, part_id, STAGE, "psu", child, data["child_part_id"], None, now),
                *(usid, part_id, STAGE, "paste", None, None, data["components"]["paste"], now),
            ],
        )
    return JsonResponse({"status": "recorded"}, status=201)


@csrf_exempt
@login_not_required
def floor_stage_data(request):
    """A stage recorded with three values."""
    data, part_id, result, now = _scan(request)
    values = data["data"]
    usid = data["usid"]
    with prepared_cursor() as cursor:
        cursor.execute(
            STAGE_DATA_RECORD.format(part_id=part_id),
            [
                *(True, result, now, values["v_out"], values["i_in"], values["fw"]),
                *(False, now, usid),
                *(now, usid, part_id, STAGE, result, None, data["token_id"], json.dumps(values)),
            ],
        )
    return JsonResponse({"status": "recorded"}, status=201)


urlpatterns = [
    path("bench/bare", bare),
    path("bench/floor/register", floor_register),
    path("bench/floor/stage", floor_stage),
    path("bench/floor/components", floor_components),
    path("bench/floor/stage_data", floor_stage_data),
    path("", include("shopfloor.urls")),
]
