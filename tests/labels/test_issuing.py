"""Issuing numbers: consecutive runs, refused batches leave nothing behind, voids."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from procedures.services import procedure_apply
from shopfloor.accounts.roles import Role
from shopfloor.labels.models import LabelEvent, SerialBatch, SerialCounter, SerialVoid
from shopfloor.labels.services import serial_batch_issue, serial_scheme_set, serial_void
from tests.stations.scan_support import PROCEDURE, scan

pytestmark = pytest.mark.django_db(transaction=True)
NOV_30 = datetime.date(2026, 11, 30)


def with_usid_pattern(part, engineer, pattern, example=None):
    config = {**PROCEDURE, "usid_pattern": pattern}
    if example:
        config["usid_example"] = example
    procedure_apply(part=part, config=config, user=engineer, expected_version=1)
    part.refresh_from_db()


def test_batches_follow_each_other_without_gaps_and_record_who_and_how_many(part, engineer):
    serial_scheme_set(part=part, pattern="PWR-{YYMM}-{seq:05}", user=engineer)

    first = serial_batch_issue(part=part, count=3, user=engineer, work_run="WO-7", today=NOV_30)
    second = serial_batch_issue(part=part, count=2, user=engineer, today=NOV_30)

    assert [first.usid(seq) for seq in range(first.first_seq, first.last_seq + 1)] == [
        "PWR-2611-00001",
        "PWR-2611-00002",
        "PWR-2611-00003",
    ]
    assert (second.first_usid, second.last_usid) == ("PWR-2611-00004", "PWR-2611-00005")
    assert (first.issued_by, first.count, first.work_run) == (engineer, 3, "WO-7")


def test_a_new_month_starts_the_counter_again(part, engineer):
    serial_scheme_set(part=part, pattern="PWR-{YYMM}-{seq:05}", user=engineer)
    serial_batch_issue(part=part, count=3, user=engineer, today=NOV_30)

    december = serial_batch_issue(
        part=part, count=1, user=engineer, today=datetime.date(2026, 12, 1)
    )

    assert december.first_usid == "PWR-2612-00001"


@pytest.mark.parametrize("count", [0, 1_000_001, -5])
def test_a_batch_of_zero_or_over_a_million_is_refused_and_issues_nothing(part, engineer, count):
    serial_scheme_set(part=part, pattern="PWR-{seq:07}", user=engineer)

    with pytest.raises(ValidationError, match="between 1 and 1,000,000"):
        serial_batch_issue(part=part, count=count, user=engineer)

    assert not SerialBatch.objects.exists()
    assert not SerialCounter.objects.filter(last_seq__gt=0).exists()


def test_a_batch_of_a_million_is_issued(part, engineer):
    serial_scheme_set(part=part, pattern="PWR-{seq:07}", user=engineer)

    batch = serial_batch_issue(part=part, count=1_000_000, user=engineer)

    assert (batch.first_usid, batch.last_usid) == ("PWR-0000001", "PWR-1000000")


def test_a_batch_that_overflows_the_counter_is_refused_and_the_counter_stays(part, engineer):
    serial_scheme_set(part=part, pattern="PWR-{seq:02}", user=engineer)
    serial_batch_issue(part=part, count=95, user=engineer)

    with pytest.raises(ValidationError, match="has 4 numbers left"):
        serial_batch_issue(part=part, count=5, user=engineer)

    assert serial_batch_issue(part=part, count=4, user=engineer).first_usid == "PWR-96"


def test_a_pattern_that_cannot_match_the_parts_usid_pattern_is_refused(part, engineer):
    with_usid_pattern(part, engineer, "^PWR-[0-9]{4}$", example="PWR-0001")

    with pytest.raises(ValidationError) as caught:
        serial_scheme_set(part=part, pattern="PWR-{YYMM}-{seq:05}", user=engineer)

    assert "does not match the USID pattern of part PWR_Part (PWR-0001)" in caught.value.messages[0]
    serial_scheme_set(part=part, pattern="PWR-{seq:04}", user=engineer)


def test_issuing_after_the_usid_pattern_changed_issues_nothing(part, engineer):
    serial_scheme_set(part=part, pattern="PWR-{seq:04}", user=engineer)
    serial_batch_issue(part=part, count=2, user=engineer)
    with_usid_pattern(part, engineer, "^PWR-[0-9]{5}$")

    with pytest.raises(ValidationError, match="does not match the USID pattern"):
        serial_batch_issue(part=part, count=10, user=engineer)

    assert SerialBatch.objects.count() == 1
    assert SerialCounter.objects.get().last_seq == 2


def test_voiding_needs_a_reason_and_is_logged_and_a_registered_number_cannot_be_voided(
    part, engineer
):
    serial_scheme_set(part=part, pattern="PWR-{seq:04}", user=engineer)
    batch = serial_batch_issue(part=part, count=3, user=engineer)
    scan("PWR-0001", "smd", result="pass", part_no=part.part_no)

    with pytest.raises(ValidationError, match="Give a reason"):
        serial_void(batch=batch, usid="PWR-0002", reason=" ", user=engineer)
    with pytest.raises(ValidationError, match="registered"):
        serial_void(batch=batch, usid="PWR-0001", reason="scrapped", user=engineer)
    with pytest.raises(ValidationError, match="not a number of this batch"):
        serial_void(batch=batch, usid="PWR-0009", reason="scrapped", user=engineer)
    serial_void(batch=batch, usid="PWR-0002", reason="label torn", user=engineer)

    assert list(SerialVoid.objects.values_list("usid", flat=True)) == ["PWR-0002"]
    event = LabelEvent.objects.get()
    assert (event.usid, event.action, event.reason, event.user) == (
        "PWR-0002",
        "void",
        "label torn",
        engineer,
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need a server database; the SQLite test database is in-memory",
)
def test_engineers_issuing_at_once_never_get_the_same_number(part, engineer, make_user):
    """Eight engineers, each on a connection of their own, send issue requests at once."""
    serial_scheme_set(part=part, pattern="PWR-{seq:06}", user=engineer)
    workers, batches_each, size = 8, 5, 7
    clients = []
    for _ in range(workers):
        client = Client()
        client.force_login(make_user(Role.ENGINEER))
        clients.append(client)
    url = reverse("labels:issue", args=[part.pk])
    start = threading.Barrier(workers)
    answers, failures = [], []

    def issue(client):
        try:
            start.wait()
            for _ in range(batches_each):
                answers.append(client.post(url, {"count": str(size)}).status_code)
        except Exception as error:  # reported by the assertion below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert failures == [] and answers == [302] * workers * batches_each
    numbers = sorted(
        seq
        for batch in SerialBatch.objects.all()
        for seq in range(batch.first_seq, batch.last_seq + 1)
    )
    assert numbers == list(range(1, workers * batches_each * size + 1))
    assert SerialBatch.objects.values("issued_by").distinct().count() == workers
