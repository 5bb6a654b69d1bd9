"""The periods the part page charts: the current shift, or a chosen range of days.

Shifts start at the local times in ``settings.SHIFT_STARTS`` (e.g. 06:00, 14:00, 22:00); each
runs until the next start. A chosen range runs from the start of its first day to the end of
its last, in local time. Short periods are charted per hour, longer ones per day.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _

HOURLY_UP_TO = datetime.timedelta(days=3)


@dataclass(frozen=True)
class Window:
    start: datetime.datetime
    end: datetime.datetime
    label: str
    is_shift: bool = False

    @property
    def hourly(self):
        return self.end - self.start <= HOURLY_UP_TO

    @property
    def step(self):
        return datetime.timedelta(hours=1) if self.hourly else datetime.timedelta(days=1)


def shift_starts():
    """The configured shift start times, in order."""
    starts = []
    for text in settings.SHIFT_STARTS:
        try:
            starts.append(datetime.time.fromisoformat(text))
        except ValueError:
            raise ImproperlyConfigured(
                f"SHIFT_STARTS holds {text!r}: each start is a time like 06:00."
            ) from None
    if not starts:
        raise ImproperlyConfigured("SHIFT_STARTS needs at least one start time, e.g. 06:00.")
    return sorted(starts)


def today_start(now=None):
    """Midnight at the start of today, local time."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def current_shift(now=None):
    """The shift running at ``now`` (default: now)."""
    local = timezone.localtime(now)
    zone = local.tzinfo
    candidates = []
    for day_offset in (-1, 0, 1):
        day = local.date() + datetime.timedelta(days=day_offset)
        for start in shift_starts():
            candidates.append(timezone.make_aware(datetime.datetime.combine(day, start), zone))
    candidates.sort()
    begun = [moment for moment in candidates if moment <= local]
    start = begun[-1]
    end = candidates[candidates.index(start) + 1]
    label = _("Shift %(start)s to %(end)s") % {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
    return Window(start=start, end=end, label=label, is_shift=True)


def days_window(first_day, last_day):
    """From the start of ``first_day`` to the end of ``last_day``, local time."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.datetime.combine(first_day, datetime.time()), zone)
    after = last_day + datetime.timedelta(days=1)
    end = timezone.make_aware(datetime.datetime.combine(after, datetime.time()), zone)
    if first_day == last_day:
        label = f"{first_day:%Y-%m-%d}"
    else:
        label = _("%(first)s to %(last)s") % {
            "first": f"{first_day:%Y-%m-%d}",
            "last": f"{last_day:%Y-%m-%d}",
        }
    return Window(start=start, end=end, label=label)


def buckets(window, now=None):
    """The start of every hour (or day) of ``window`` up to ``now``, local time."""
    last = min(window.end, timezone.localtime(now))
    start = timezone.localtime(window.start)
    if not window.hourly:
        zone = timezone.get_current_timezone()
        day = start.date()
        starts = []
        while not starts or starts[-1] + datetime.timedelta(days=1) < last:
            midnight = datetime.datetime.combine(day, datetime.time())
            starts.append(timezone.make_aware(midnight, zone))
            day += datetime.timedelta(days=1)
        return starts
    moment = start.replace(minute=0, second=0, microsecond=0)
    starts = []
    while moment < last or not starts:
        starts.append(moment)
        # Step in UTC and read back in local time, so a DST change neither skips nor repeats.
        moment = timezone.localtime(moment + window.step)
    return starts
