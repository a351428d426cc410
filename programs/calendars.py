"""iCalendar files for sessions: one session to download, or a person's private feed."""

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event


def _one_line(text):
    """Text for a one-line property or parameter: icalendar escapes LF but not a lone CR."""
    return " ".join(str(text).split())


def _lines(text):
    """Text for a multi-line property, with every kind of line break made a LF icalendar escapes."""
    return "\n".join(str(text).splitlines())


def _calendar():
    calendar = Calendar()
    calendar.add("prodid", "-//Capacity//Wikimedia capacity building//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    return calendar


def _event(enrollment, *, base_url):
    session = enrollment.session
    program = session.program
    event = Event()
    event.add("uid", f"session-{session.pk}@capacity")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", _one_line(program.shown("title")))
    event.add("description", _lines(program.shown("summary")))
    event.add("url", base_url + program.get_absolute_url())
    if session.is_cancelled:
        # Subscribed calendars learn of the cancellation instead of keeping a ghost.
        event.add("status", "CANCELLED")
        return event
    event.add("status", "CONFIRMED")
    location = _one_line(session.venue)
    if session.online_url and enrollment.may_see_online_link:
        location = f"{location} — {session.online_url}" if location else session.online_url
    if location:
        event.add("location", location)
    event.add(
        "organizer",
        f"mailto:{settings.DEFAULT_FROM_EMAIL.split('<')[-1].rstrip('>')}",
        parameters={"cn": _one_line(program.provider.shown("name"))},
    )
    return event


def calendar_for(enrollments, *, base_url, name):
    calendar = _calendar()
    calendar.add("x-wr-calname", _one_line(name))
    for enrollment in enrollments:
        calendar.add_component(_event(enrollment, base_url=base_url))
    return calendar.to_ical()
