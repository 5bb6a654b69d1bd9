"""Where a unit stands at each stage of its part, defined once for counts, filters and pages.

A unit's row in its part's unit table says, per stage, whether it is done (``is_<key>``)
and, for a pass/fail stage, its last result (``<key>_result``). From that, at a stage:

- **done**: the stage is passed (or ticked);
- **failed**: its last result is a fail and it is not passed since: it awaits rework;
- **waiting**: every non-optional stage before it is done, it is neither done nor failed,
  and the unit has not moved past it (no later stage done or failed): it is in the stage's
  queue. A unit may wait at an optional stage and the next one at once;
- **not done**: anything but done (waiting, failed, skipped or not reached yet).

A unit is **finished** when every non-optional stage is done (the last stage, when all are
optional), and it finished at the time its last non-optional stage was done. Between two
neighbouring stages sit the units whose furthest done stage is the first of them and that are
not finished: the work in progress between them. Each unfinished unit with a done stage sits in
exactly one such gap.

The words are the same everywhere a person reads them (the unit page, the part dashboard, its
filters): **done**, **failed**, **waiting**, **not reached** (a unit not at the stage yet, or
one that skipped an optional stage), and **not done** to filter on anything but done. The scan
API keeps its own contract (``GET /api/v1/units/<usid>`` gives each stage's ``done`` and
``result``; the part summary counts ``done``, ``failed`` and ``pending``, pending meaning not
done); exports for people give results and flags as words, raw exports the stored values
(``pass``/``fail`` results, done flags).

Every state is given both as a Q object on the unit model (to filter lists, and compiled into
the counting query) and as a Python check of one row (to show a listed unit's states), and
the two are tested to agree.
"""

from django.db.models import Q
from django.utils.translation import pgettext_lazy

DONE = "done"
WAITING = "waiting"
FAILED = "failed"
NOT_DONE = "not_done"
# The words people read for each state (one word per state on every page, chart and filter).
NOT_REACHED = pgettext_lazy("stage state", "not reached")  # a stage none of the states holds for
STATES = {
    DONE: pgettext_lazy("stage state", "done"),
    WAITING: pgettext_lazy("stage state", "waiting"),
    FAILED: pgettext_lazy("stage state", "failed"),
    NOT_DONE: pgettext_lazy("stage state", "not done"),
}


def _all(conditions):
    combined = Q()
    for condition in conditions:
        combined &= condition
    return combined


def _any(conditions):
    combined = None
    for condition in conditions:
        combined = condition if combined is None else combined | condition
    return combined


def done_q(stage):
    return Q(**{stage.flag: True})


def failed_q(stage):
    """Failed and not reworked yet; None for a stage that has no pass or fail."""
    if not stage.pass_fail:
        return None
    return Q(**{stage.result: "fail", stage.flag: False})


def required_before(plan, stage):
    return [earlier for earlier in plan.stages[: stage.position] if not earlier.optional]


def later_stages(plan, stage):
    return list(plan.stages[stage.position + 1 :])


def reached_q(stage):
    """Done, or with a result (a fail) at ``stage``: the unit got there."""
    if not stage.pass_fail:
        return done_q(stage)
    return done_q(stage) | Q(**{f"{stage.result}__isnull": False})


def waiting_q(plan, stage):
    condition = _all(done_q(earlier) for earlier in required_before(plan, stage))
    condition &= ~done_q(stage)
    failed = failed_q(stage)
    if failed is not None:
        condition &= ~failed
    moved_past = _any(reached_q(later) for later in later_stages(plan, stage))
    if moved_past is not None:
        condition &= ~moved_past
    return condition


def state_q(plan, stage, state):
    """The unit-model filter of units in ``state`` at ``stage``; None when it cannot happen."""
    if state == DONE:
        return done_q(stage)
    if state == FAILED:
        return failed_q(stage)
    if state == WAITING:
        return waiting_q(plan, stage)
    if state == NOT_DONE:
        return ~done_q(stage)
    raise ValueError(f"Unknown stage state {state!r}.")


def finishing_stages(plan):
    """The stages a unit must have done to be finished."""
    required = [stage for stage in plan.stages if not stage.optional]
    return required or list(plan.stages[-1:])


def finished_q(plan):
    return _all(done_q(stage) for stage in finishing_stages(plan))


def furthest_done_q(plan, stage):
    """Units whose furthest done stage is ``stage``."""
    condition = done_q(stage)
    moved_past = _any(done_q(later) for later in later_stages(plan, stage))
    return condition & ~moved_past if moved_past is not None else condition


def gap_q(plan, stage):
    """Unfinished units whose furthest done stage is ``stage``: between it and the next."""
    return furthest_done_q(plan, stage) & ~finished_q(plan)


def row_state(plan, stage, row):
    """The state of one unit row (a dict of its columns) at ``stage``: done, failed, waiting,
    or None when it is none of those (skipped, or not reached yet)."""
    if row.get(stage.flag):
        return DONE
    if stage.pass_fail and row.get(stage.result) == "fail":
        return FAILED
    if all(row.get(earlier.flag) for earlier in required_before(plan, stage)) and not any(
        row.get(later.flag) or (later.pass_fail and row.get(later.result) is not None)
        for later in later_stages(plan, stage)
    ):
        return WAITING
    return None
