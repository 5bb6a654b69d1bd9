"""Rebuilding a part's model again and again leaves nothing behind."""

import gc
import tracemalloc
import warnings

import pytest
from django.apps import apps
from django.db.models.deletion import Collector

from parts.unit_tables import cache
from parts.unit_tables.builder import build_model
from tests.unit_tables.support import config, stage

pytestmark = pytest.mark.django_db

REBUILDS = 200


def registry_size():
    return sum(len(models) for models in apps.all_models.values())


def use(Unit):
    """What requests do with a model: query, create, delete (which walks its relations)."""
    unit = Unit.objects.create(usid="U1", is_smd=True)
    list(Unit.objects.filter(is_smd=True))
    Unit._meta.get_fields()
    Collector(using="default").collect([unit])
    unit.delete()


def rebuild(part, procedure, times):
    for _ in range(times):
        cache.forget(part.pk)
        use(cache.unit_model_for(part, procedure))


def test_rebuilding_a_model_many_times_leaks_nothing(part, apply):
    procedure = apply(part, config(stage("smd"), stage("qc")))
    rebuild(part, procedure, 50)  # warm up Django's own caches
    gc.collect()
    registry_before, pending_before = registry_size(), len(apps._pending_operations)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Model was already registered" would fail here
            rebuild(part, procedure, REBUILDS // 3)
            gc.collect()
            after_a_third = tracemalloc.get_traced_memory()[0]
            rebuild(part, procedure, REBUILDS)
            gc.collect()
            after_all = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()

    assert registry_size() == registry_before
    assert len(apps._pending_operations) == pending_before
    # 200 more rebuilds (a class and its fields take ~100 KB) may not grow memory by 300 KB.
    assert after_all - after_a_third < 300_000, (after_a_third, after_all)


def test_an_old_model_class_is_freed_once_replaced(part, apply):
    import weakref

    procedure = apply(part, config(stage("smd")))
    cache.forget(part.pk)
    old = weakref.ref(cache.unit_model_for(part, procedure))
    use(old())

    cache.forget(part.pk)
    use(cache.unit_model_for(part, procedure))
    gc.collect()

    assert old() is None


def test_building_a_model_registers_nothing_globally(part):
    before = registry_size()

    Unit = build_model(part=part, columns={})

    assert registry_size() == before
    assert Unit not in apps.get_models()


def test_scan_plans_live_in_the_bounded_model_cache_and_go_with_their_model(
    make_part, apply, settings
):
    from shopfloor.scanning.plans import part_plan

    settings.UNIT_MODEL_CACHE_SIZE = 2
    parts = [make_part(part_no=f"PLAN-{n}") for n in range(3)]
    procedures = [apply(part, config(stage("smd"))) for part in parts]
    cache.forget()

    plans = [
        part_plan(part.pk, procedure.version, procedure.schema_fingerprint)
        for part, procedure in zip(parts, procedures, strict=True)
    ]

    assert cache.cached_count() == 2
    first, last = procedures[0], procedures[-1]
    assert cache.kept(parts[0].pk, first.version, first.schema_fingerprint, "scan_plan") is None
    assert part_plan(parts[-1].pk, last.version, last.schema_fingerprint) is plans[-1]
    assert part_plan(parts[0].pk, first.version, first.schema_fingerprint) is not plans[0]
