"""The waiting list is served first, whatever frees a seat, and only while it means something."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from programs import services, tasks
from programs.models import Enrollment
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_session(program):
    session = SessionFactory(program=program, seats=1)
    services.enrollment_create(user=UserFactory(), session=session)
    return session


def test_added_seats_go_to_the_people_waiting_before_any_newcomer(full_session, django_capture_on_commit_callbacks):
    waiting = services.enrollment_create(user=UserFactory(), session=full_session).enrollment
    with django_capture_on_commit_callbacks(execute=True):
        full_session.seats = 2
        services.session_save(session=full_session)  # as organizers do in the admin
    waiting.refresh_from_db()
    assert waiting.status == "enrolled"
    assert [message.to for message in mail.outbox] == [[waiting.user.email]]
    newcomer = services.enrollment_create(user=UserFactory(), session=full_session).enrollment
    assert newcomer.status == "waitlisted"


def test_a_newcomer_never_jumps_a_waiting_list_even_if_seats_changed_unnoticed(full_session):
    waiting = services.enrollment_create(user=UserFactory(), session=full_session).enrollment
    type(full_session).objects.filter(pk=full_session.pk).update(seats=2)  # no signal
    newcomer = services.enrollment_create(user=UserFactory(), session=full_session)
    waiting.refresh_from_db()
    assert waiting.status == "enrolled"
    assert newcomer.enrollment.status == "waitlisted"
    assert newcomer.promoted == (waiting,)


def test_nobody_is_promoted_in_a_cancelled_session(full_session, django_capture_on_commit_callbacks):
    holder = Enrollment.objects.get(session=full_session)
    waiting = services.enrollment_create(user=UserFactory(), session=full_session).enrollment
    full_session.is_cancelled = True
    services.session_save(session=full_session)
    with django_capture_on_commit_callbacks(execute=True):
        services.enrollment_cancel(enrollment=holder)
    waiting.refresh_from_db()
    assert waiting.status == "waitlisted"
    assert mail.outbox == []


def test_a_cancelled_session_is_marked_in_my_learning_and_in_the_feed(client, volunteer, full_session):
    full_session.seats = 2
    services.session_save(session=full_session)
    services.enrollment_create(user=volunteer, session=full_session)
    full_session.is_cancelled = True
    services.session_save(session=full_session)
    client.force_login(volunteer)
    html = client.get("/en/me/").content.decode()
    assert "The organizers cancelled this session." in html
    assert "secret-room" not in html
    event = Calendar.from_ical(client.get(f"/calendar/{volunteer.calendar_token}.ics").content).walk("VEVENT")[0]
    assert str(event["status"]) == "CANCELLED"
    assert "location" not in event


def test_a_leaving_person_hands_their_seat_to_the_waiting_list(full_session, django_capture_on_commit_callbacks):
    holder = Enrollment.objects.get(session=full_session).user
    waiting = services.enrollment_create(user=UserFactory(), session=full_session).enrollment
    with django_capture_on_commit_callbacks(execute=True):
        services.person_delete(user=holder)
    waiting.refresh_from_db()
    full_session.refresh_from_db()
    assert waiting.status == "enrolled"
    assert full_session.seats_taken == 1


def test_the_seat_opened_email_goes_out_once(full_session):
    holder = Enrollment.objects.get(session=full_session)
    waiting = services.enrollment_create(user=UserFactory(), session=full_session).enrollment
    services.enrollment_cancel(enrollment=holder)
    assert tasks.notify_promoted(waiting.pk) is True
    assert tasks.notify_promoted(waiting.pk) is False
    assert len(mail.outbox) == 1


def test_a_direct_enrollment_never_gets_a_seat_opened_email(session, volunteer):
    enrollment = services.enrollment_create(user=volunteer, session=session).enrollment
    assert tasks.notify_promoted(enrollment.pk) is False
    assert mail.outbox == []


def test_one_failing_reminder_does_not_hold_back_the_others(program, monkeypatch):
    session = SessionFactory(program=program, starts_at=timezone.now() + timedelta(hours=3))
    broken, fine = UserFactory(email="broken@example.org"), UserFactory(email="fine@example.org")
    services.enrollment_create(user=broken, session=session)
    services.enrollment_create(user=fine, session=session)
    real_send = tasks.send_mail

    def send_mail(subject, body, sender, recipients, **kwargs):
        # Outgoing mail is outside the machine: a refusing SMTP server is simulated here.
        if recipients == ["broken@example.org"]:
            raise OSError("mailbox unavailable")
        return real_send(subject, body, sender, recipients, **kwargs)

    monkeypatch.setattr(tasks, "send_mail", send_mail)
    assert tasks.send_session_reminders() == 1
    assert [message.to for message in mail.outbox] == [["fine@example.org"]]
    # The failed one is released and tried again on the next run.
    monkeypatch.setattr(tasks, "send_mail", real_send)
    assert tasks.send_session_reminders() == 1


def test_saving_a_session_loaded_earlier_keeps_the_seat_count(program):
    session = SessionFactory(program=program, seats=3)
    stale = type(session).objects.get(pk=session.pk)
    services.enrollment_create(user=UserFactory(), session=session)
    stale.venue = "Room 2"
    services.session_save(session=stale)
    session.refresh_from_db()
    assert (session.venue, session.seats_taken) == ("Room 2", 1)


def test_the_admin_refuses_fewer_seats_than_people_enrolled(client, steward, full_session):
    client.force_login(steward)
    url = f"/admin/programs/session/{full_session.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "seats": 0,
            "starts_at_0": full_session.starts_at.strftime("%Y-%m-%d"),
            "starts_at_1": full_session.starts_at.strftime("%H:%M:%S"),
            "ends_at_0": full_session.ends_at.strftime("%Y-%m-%d"),
            "ends_at_1": full_session.ends_at.strftime("%H:%M:%S"),
        }
    )
    data.pop("starts_at", None)
    data.pop("ends_at", None)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "seats cannot be fewer" in response.content.decode()
    full_session.refresh_from_db()
    assert full_session.seats == 1


def test_nobody_is_moved_into_a_session_already_under_way(full_session):
    waiting = services.enrollment_create(user=UserFactory(), session=full_session).enrollment
    full_session.seats = 3
    later = full_session.starts_at + timedelta(minutes=30)
    services.session_save(session=full_session, now=later)
    assert Enrollment.objects.filter(session=full_session, status="enrolled").count() == 1
    waiting.refresh_from_db()
    assert waiting.status == "waitlisted"


def test_a_seat_opened_email_that_failed_is_sent_by_the_sweep(
    full_session, monkeypatch, django_capture_on_commit_callbacks
):
    holder = Enrollment.objects.get(session=full_session)
    waiting = services.enrollment_create(user=UserFactory(), session=full_session).enrollment

    def refuse(*args, **kwargs):
        raise OSError("SMTP server unavailable")

    monkeypatch.setattr(tasks, "send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.enrollment_cancel(enrollment=holder)  # the request still succeeds
    assert [e.pk for e in result.promoted] == [waiting.pk]
    monkeypatch.undo()
    assert tasks.send_pending_promotion_emails() == 1
    assert tasks.send_pending_promotion_emails() == 0
    assert [message.to for message in mail.outbox] == [[waiting.user.email]]


def test_someone_who_cancels_during_the_reminder_run_gets_no_reminder(program, monkeypatch):
    session = SessionFactory(program=program, starts_at=timezone.now() + timedelta(hours=3))
    first, second = UserFactory(), UserFactory()
    services.enrollment_create(user=first, session=session)
    second_place = services.enrollment_create(user=second, session=session).enrollment
    real_send = tasks.send_mail

    def send_mail_while_the_second_person_cancels(subject, body, sender, recipients, **kwargs):
        if recipients == [first.email]:
            services.enrollment_cancel(enrollment=second_place)
        return real_send(subject, body, sender, recipients, **kwargs)

    monkeypatch.setattr(tasks, "send_mail", send_mail_while_the_second_person_cancels)
    assert tasks.send_session_reminders() == 1
    assert [message.to for message in mail.outbox] == [[first.email]]


def test_deleting_a_person_in_the_admin_hands_their_seat_to_the_waiting_list(
    client, steward, full_session, django_capture_on_commit_callbacks
):
    holder = Enrollment.objects.get(session=full_session).user
    waiting = services.enrollment_create(user=UserFactory(), session=full_session).enrollment
    client.force_login(steward)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/stakeholders/user/{holder.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    waiting.refresh_from_db()
    full_session.refresh_from_db()
    assert waiting.status == "enrolled"
    assert full_session.seats_taken == 1
    assert not type(holder).objects.filter(pk=holder.pk).exists()


def test_the_nightly_check_repairs_a_seat_count_that_drifted(full_session, caplog):
    # A write that went around the services: the enrollment is gone, the count is not.
    Enrollment.objects.filter(session=full_session).delete()
    assert tasks.check_seat_counts() == 1
    full_session.refresh_from_db()
    assert full_session.seats_taken == 0
    assert "counted 1 seats taken, but 0 are held" in caplog.text
    assert tasks.check_seat_counts() == 0
