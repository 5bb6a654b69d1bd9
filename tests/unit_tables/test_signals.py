"""Code that wants to react to unit-table changes gets a signal once the change is committed."""

import pytest

from parts.models import ModelPart
from parts.unit_tables import signals
from procedures.services import procedure_drop_retired_column
from tests.unit_tables.support import SMD_QC, config, stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    got = []

    def receiver(signal, sender, **kwargs):
        got.append((signal, sender, kwargs))

    every = [
        signals.unit_table_created,
        signals.unit_table_changed,
        signals.unit_column_retired,
        signals.unit_column_dropped,
    ]
    for signal in every:
        signal.connect(receiver)
    yield got
    for signal in every:
        signal.disconnect(receiver)


def names(got):
    names_of = {
        signals.unit_table_created: "created",
        signals.unit_table_changed: "changed",
        signals.unit_column_retired: "retired",
        signals.unit_column_dropped: "dropped",
    }
    return [names_of[signal] for signal, _sender, _kwargs in got]


def test_receivers_hear_of_creation_change_retirement_and_drop(
    part, apply, engineer, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        apply(part, SMD_QC)
    created = received[-1]
    assert names(received) == ["created"]
    assert created[1] is ModelPart
    assert created[2]["part"] == part
    assert created[2]["model"]._meta.db_table == f"parts_unit_{part.pk}"

    with django_capture_on_commit_callbacks(execute=True):
        apply(part, config(stage("smd", result="pass_fail"), stage("testing")))
    changed = received[1]
    assert names(received) == ["created", "changed", "retired", "retired", "retired"]
    assert changed[2]["plan"].added == ["is_testing", "testing_at", "testing_by_id"]
    assert [kw["column"] for _s, _snd, kw in received[2:]] == ["is_qc", "qc_at", "qc_by_id"]

    with django_capture_on_commit_callbacks(execute=True):
        procedure_drop_retired_column(
            part=part, column="qc_at", confirmation="qc_at", user=engineer
        )
    assert names(received)[-1] == "dropped"
    assert received[-1][2]["column"] == "qc_at"


def test_nothing_is_signalled_when_nothing_changes_or_the_change_is_refused(
    part, apply, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        apply(part, SMD_QC)
        apply(part, SMD_QC)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception, match="QC"):
        apply(part, config(stage("QC")))

    assert names(received) == ["created"]
