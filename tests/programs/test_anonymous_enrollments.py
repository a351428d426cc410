"""A deleted account's places stay counted, without a name, and no organizer page can act on them."""

import pytest
from django.urls import reverse
from django.utils import timezone

from programs import services
from programs.models import Enrollment
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def past_session(organization):
    start = timezone.now() - timezone.timedelta(days=3)
    return SessionFactory(
        program__provider=organization, starts_at=start, ends_at=start + timezone.timedelta(hours=2), seats=10
    )


def anonymous_place(session, **fields):
    # What an account deletion leaves behind: the row, without its person.
    enrollment = Enrollment.objects.create(
        user=UserFactory(), session=session, status=Enrollment.Status.ENROLLED, **fields
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(user=None)
    session.seats_taken += 1
    session.save(update_fields=["seats_taken"])
    return enrollment


def test_the_participant_list_counts_anonymous_places_without_naming_them(client, staff, past_session):
    anonymous_place(past_session)
    named = UserFactory(display_name="Named Person")
    Enrollment.objects.create(user=named, session=past_session, status=Enrollment.Status.ENROLLED)
    past_session.seats_taken += 1
    past_session.save(update_fields=["seats_taken"])
    client.force_login(staff)
    url = reverse("programs:participants", args=[past_session.program.slug, past_session.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "Named Person" in response.text
    assert "One more place belongs to a person who deleted their account" in response.text


def test_an_anonymous_place_cannot_be_marked_or_completed(client, staff, past_session):
    enrollment = anonymous_place(past_session, attendance=Enrollment.Attendance.NO_SHOW)
    client.force_login(staff)
    slug = past_session.program.slug
    attendance = client.post(
        reverse("programs:attendance", args=[slug, past_session.pk, enrollment.pk]), {"attendance": "attended"}
    )
    complete = client.post(reverse("programs:complete", args=[slug, past_session.pk, enrollment.pk]))
    assert (attendance.status_code, complete.status_code) == (404, 404)
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.attendance) == (Enrollment.Status.ENROLLED, Enrollment.Attendance.NO_SHOW)


def test_marking_everyone_leaves_anonymous_places_as_they_were_recorded(past_session):
    enrollment = anonymous_place(past_session, attendance=Enrollment.Attendance.NO_SHOW)
    Enrollment.objects.create(user=UserFactory(), session=past_session, status=Enrollment.Status.ENROLLED)
    marked = services.session_mark_attendance_all(session=past_session, attendance=Enrollment.Attendance.ATTENDED)
    assert marked == 1
    enrollment.refresh_from_db()
    assert enrollment.attendance == Enrollment.Attendance.NO_SHOW


def test_the_participant_download_leaves_anonymous_places_out(client, staff, past_session):
    anonymous_place(past_session)
    client.force_login(staff)
    response = client.get(reverse("reports:participants_csv", args=[past_session.pk]))
    assert response.status_code == 200
    lines = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    assert len(lines.strip().splitlines()) == 1  # the header alone
