"""Building spreadsheet files and enrolled people for the import tests."""

import csv
import io
from datetime import timedelta

import openpyxl
from django.db.models import F
from django.utils import timezone

from programs.models import Enrollment, Session
from stakeholders.models import User
from tests.factories import SessionFactory

ATTENDANCE_HEADER = ["session_id", "person", "attendance", "completed"]


def csv_bytes(rows, *, delimiter=",", bom=False, encoding="utf-8"):
    stream = io.StringIO(newline="")
    csv.writer(stream, delimiter=delimiter).writerows(rows)
    return (("\ufeff" if bom else "") + stream.getvalue()).encode(encoding)


def xlsx_bytes(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def started_session(program, **fields):
    """A session of `program` that started an hour ago and ends in an hour."""
    now = timezone.now()
    return SessionFactory(
        program=program, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1), **fields
    )


def enroll(session, users, *, status=Enrollment.Status.ENROLLED):
    """Seats for these people, as if they had enrolled before the session started (enrollment has closed since)."""
    waitlisted_at = timezone.now() if status == Enrollment.Status.WAITLISTED else None
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(user=user, session=session, status=status, waitlisted_at=waitlisted_at) for user in users
    )
    if status in Enrollment.SEAT_HOLDING:
        added = len(enrollments)
        Session.objects.filter(pk=session.pk).update(seats=F("seats") + added, seats_taken=F("seats_taken") + added)
    return enrollments


def many_people(count, *, prefix="bulk"):
    """People made in one INSERT, without the factories' per-person queries."""
    return User.objects.bulk_create(
        User(username=f"{prefix}{n}", email=f"{prefix}{n}@example.org", password="!", display_name=f"Bulk {n}")
        for n in range(count)
    )


def attendance_of(user, session):
    """The attendance recorded for this person in this session, read afresh."""
    return Enrollment.objects.get(user=user, session=session).attendance
