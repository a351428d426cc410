import zoneinfo
from functools import cache
from urllib.parse import unquote

from django.utils import timezone

TIME_ZONE_COOKIE = "tz"


@cache
def _known_zones():
    return frozenset(zoneinfo.available_timezones())


def _zone(name):
    # Only names from the time zone database: anything else (a directory such as
    # "America", a path, garbage) would make ZoneInfo raise or read odd files.
    return zoneinfo.ZoneInfo(name) if name in _known_zones() else None


class TimeZoneMiddleware:
    """Show dates in the reader's time zone.

    Signed-in people have one in their profile; for everyone else the browser reports
    its own in a cookie (static/js/portal.js), and until it does dates are in UTC.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            zone = _zone(user.time_zone)
        else:
            zone = _zone(unquote(request.COOKIES.get(TIME_ZONE_COOKIE, ""))[:64])
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        return self.get_response(request)
