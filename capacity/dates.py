"""A moment's date as the portal's figures read it: in the site's time zone (TIME_ZONE), whoever is looking.

Requests run in the reader's time zone (stakeholders.middleware), which is right for the
times a page shows, and wrong for what a figure counts: a session at 22:00 UTC on the eve
of an allocation's period is held within it in Tokyo and not in London. Figures, their
caches and the measurements tasks make (in the site's time zone) must agree, so every
rule "held within a period" reads the date through these.
"""

import zoneinfo
from datetime import date, datetime, time, timedelta
from functools import cache

from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone


def site_date(field):
    """The date of a moment (a DateTimeField's path) in the site's time zone, as an expression."""
    return TruncDate(field, tzinfo=timezone.get_default_timezone())


def within_site_days(field, first, last):
    """A Q: the moments of `field` (a DateTimeField's path) whose site_date is from `first` to `last`, both included.

    As a range of moments (from ≤ moment < the day after `last`), an index on the moment
    can serve it. A period from the first day of the calendar has no start, and one to its
    last day no end: their midnights may lie outside what a moment can hold in UTC.
    """
    zone = timezone.get_default_timezone()
    within = Q()
    if first > date.min:
        within &= Q(**{f"{field}__gte": datetime.combine(first, time(), tzinfo=zone)})
    if last < date.max:
        within &= Q(**{f"{field}__lt": datetime.combine(last + timedelta(days=1), time(), tzinfo=zone)})
    return within


def site_date_of(moment):
    """An aware moment's date in the site's time zone (what site_date gives in SQL)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


@cache
def _known_zones():
    return frozenset(zoneinfo.available_timezones())


def zone_named(name):
    """The time zone of that name, or None: only names from the time zone database (anything
    else, a directory such as "America", a path, garbage, would make ZoneInfo raise or read odd files)."""
    return zoneinfo.ZoneInfo(name) if name in _known_zones() else None
