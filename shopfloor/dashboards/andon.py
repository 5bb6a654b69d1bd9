"""Andon signals of the line TV: a stage shows red when its queue or its fail rate passes the
limit an engineer set for it (``AndonThreshold``); a stage without a limit never does.

The fail rate of a stage is the share of the units tested there that failed the first time
(100 % minus its first-pass yield), the same figure the dashboards chart.
"""

from dataclasses import dataclass

from django.db import transaction

from shopfloor.dashboards.models import AndonThreshold


@dataclass(frozen=True)
class StageSignal:
    """One stage as the TV shows it: its figures, its limits and whether it passed them."""

    key: str
    label: str
    waiting: int
    failed: int | None
    fail_percent: float | None
    max_waiting: int | None
    max_fail_percent: int | None

    @property
    def queue_alarm(self):
        return self.max_waiting is not None and self.waiting > self.max_waiting

    @property
    def fail_alarm(self):
        return (
            self.max_fail_percent is not None
            and self.fail_percent is not None
            and self.fail_percent > self.max_fail_percent
        )

    @property
    def alarm(self):
        return self.queue_alarm or self.fail_alarm

    @property
    def watched(self):
        return self.max_waiting is not None or self.max_fail_percent is not None


def thresholds_by_part(part_ids):
    """{part id: {stage key: AndonThreshold}} for the given parts, in one query."""
    found = {}
    for threshold in AndonThreshold.objects.filter(part_id__in=list(part_ids)):
        found.setdefault(threshold.part_id, {})[threshold.stage_key] = threshold
    return found


def stage_signals(figures, thresholds):
    """The figures of each stage of a part with its limits (``thresholds`` by stage key)."""
    signals = []
    for stage in figures.stages:
        limit = thresholds.get(stage.key)
        fail_percent = None
        if stage.pass_fail and stage.tested:
            fail_percent = 100 * (stage.tested - stage.first_pass) / stage.tested
        signals.append(
            StageSignal(
                key=stage.key,
                label=stage.label,
                waiting=stage.waiting,
                failed=stage.failed if stage.pass_fail else None,
                fail_percent=fail_percent,
                max_waiting=limit.max_waiting if limit else None,
                max_fail_percent=limit.max_fail_percent if limit else None,
            )
        )
    return signals


def andon_thresholds_save(*, part, limits, user):
    """Replace a part's limits with ``limits`` ({stage key: (max waiting, max fail %)}, None
    for no limit). A stage with neither limit keeps no row."""
    with transaction.atomic():
        AndonThreshold.objects.filter(part=part).exclude(stage_key__in=list(limits)).delete()
        for stage_key, (max_waiting, max_fail_percent) in limits.items():
            if max_waiting is None and max_fail_percent is None:
                AndonThreshold.objects.filter(part=part, stage_key=stage_key).delete()
                continue
            AndonThreshold.objects.update_or_create(
                part=part,
                stage_key=stage_key,
                defaults={
                    "max_waiting": max_waiting,
                    "max_fail_percent": max_fail_percent,
                    "updated_by": user,
                },
            )
