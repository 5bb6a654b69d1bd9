"""The floor: a bare Django view doing a scan's two writes with plain SQL in one transaction.

Served only by the scan benchmark's gunicorn (``bench_settings``), beside the whole app, so
both answer under the same server, settings and database.
"""

import json

from django.contrib.auth.decorators import login_not_required
from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

UPDATE_UNIT = (
    'UPDATE "parts_unit_{part_id}" SET "is_dispatch" = true, "dispatch_at" = %s, '
    '"updated_at" = %s WHERE "usid" = %s'
)
INSERT_EVENT = (
    'INSERT INTO "stations_scanevent" ("created_at", "usid", "part_id", "stage", "action", '
    '"result", "source", "tag_no", "reason") VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)'
)


@csrf_exempt
@login_not_required
def floor_scan(request):
    data = json.loads(request.body)
    part_id = int(data["part_id"])
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(UPDATE_UNIT.format(part_id=part_id), [now, now, data["usid"]])
        cursor.execute(
            INSERT_EVENT, [now, data["usid"], part_id, "dispatch", "scan", "pass", "api", "", ""]
        )
    return JsonResponse({"status": "recorded"}, status=201)


urlpatterns = [
    path("bench/floor", floor_scan),
    path("", include("shopfloor.urls")),
]
