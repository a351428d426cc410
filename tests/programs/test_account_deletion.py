"""Deleting an account: what goes, what stays counted without a name, and that nothing personal is left."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from simple_history.models import HistoricalChanges

from capacity.models import CapacityCategory, Language
from programs import services
from programs.models import ActivityReport, Certificate, Enrollment, ImportUpload, PersonDemographics, Session
from stakeholders.models import (
    ContactRequest,
    ExchangeCapacity,
    ExchangeLanguage,
    ExchangeProfile,
    Invitation,
    Membership,
    ProfileVisibility,
    SupportNotification,
    SupportOffer,
    SupportRequest,
    SupportResponder,
    User,
)
from stakeholders.personal_data import everything_about
from tests.factories import (
    MembershipFactory,
    SessionFactory,
    SupportOfferFactory,
    SupportRequestFactory,
    UserFactory,
)

USERNAME = "zanele-q7"
EMAIL = "zq.mail@example.org"
DISPLAY_NAME = "Zanele Quartermaine"
PASSWORD = "correct horse battery"
URL = "/en/me/delete/"


def _ended_session(program, *, days_ago=3):
    start = timezone.now() - timedelta(days=days_ago)
    return SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=2))


@pytest.fixture
def person(program, organization, other_organization, staff, steward):
    """A person with every kind of data the portal keeps, and others whose rows point at them."""
    user = UserFactory(username=USERNAME, email=EMAIL, display_name=DISPLAY_NAME)
    user.languages.set([Language.objects.get(code="en"), Language.objects.get(code="ko")])
    SocialAccount.objects.create(user=user, provider="mediawiki", uid="4242", extra_data={"username": DISPLAY_NAME})
    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "0123abcd"})
    MembershipFactory(user=user, organization=organization, role=Membership.Role.STAFF)
    Invitation.objects.create(user=user, organization=other_organization, invited_by=None)

    # A session that took place: completed, with a certificate and a report they submitted.
    attended = SessionFactory(program=program)  # still to come, so people can enroll
    enrollment = services.enrollment_create(user=user, session=attended).enrollment
    other_enrollment = services.enrollment_create(user=UserFactory(), session=attended).enrollment
    start = timezone.now() - timedelta(days=3)
    Session.objects.filter(pk=attended.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    attended.refresh_from_db()
    services.enrollment_complete(enrollment=enrollment)
    services.enrollment_complete(enrollment=other_enrollment)
    services.report_save(session=attended, values={"participants": 2, "newcomers": 1}, by=user)
    # A session they facilitated, changed with them as the audit trail's author.
    facilitated = _ended_session(program, days_ago=5)
    facilitated.facilitators.add(user)
    facilitated.venue = "Community hall"
    facilitated._history_user = user
    services.session_save(session=facilitated)
    # A place in a session to come, with someone waiting for it.
    upcoming = SessionFactory(program=program, seats=1)
    services.enrollment_create(user=user, session=upcoming)
    services.enrollment_create(user=UserFactory(), session=upcoming)
    # Files: one they uploaded, one staff uploaded that lists them, one of counts only.
    listing = f"session_id,person,attendance\n{attended.pk},{USERNAME},attended\n".encode()
    ImportUpload.objects.create(
        organization=organization, uploaded_by=user, kind="attendance", original_filename="a.csv", content=listing
    )
    ImportUpload.objects.create(
        organization=organization, uploaded_by=staff, kind="attendance", original_filename="b.csv", content=listing
    )
    ImportUpload.objects.create(
        organization=organization,
        uploaded_by=user,
        kind="reports",
        original_filename="c.csv",
        content=b"session_id\n1\n",
    )
    services.person_demographics_save(user=user, data={"consent": True, "gender": "woman", "age": "25_34"})
    ProfileVisibility.objects.create(user=user, is_public=True)
    # The capacity exchange and contact requests both ways.
    profile = ExchangeProfile.objects.create(user=user, about="I run edit-a-thons.")
    ExchangeLanguage.objects.create(profile=profile, language=Language.objects.get(code="ko"), proficiency=4)
    category = CapacityCategory.objects.get(slug="event-organizing")
    ExchangeCapacity.objects.create(profile=profile, category=category, has=True, level=3, shares=True)
    ContactRequest.objects.create(sender=user, recipient=staff, message="Could you mentor me?")
    ContactRequest.objects.create(sender=staff, recipient=user, message=f"Hello {DISPLAY_NAME}!")
    # Support: a public request, a sensitive one, an offer, a responder row, a notification.
    public = SupportRequestFactory(author=user, title="Venue cancelled")
    SupportRequestFactory(author=user, is_sensitive=True, title="Harassment at our meetup")
    SupportOfferFactory(request=public, author=staff)
    someone_elses = SupportRequestFactory(author=staff)
    SupportOfferFactory(request=someone_elses, author=user, message="I can help you find a venue.")
    sensitive_of_others = SupportRequestFactory(author=staff, is_sensitive=True)
    SupportResponder.objects.create(request=sensitive_of_others, user=user, chosen_by=steward)
    SupportNotification.objects.create(request=someone_elses, user=user)
    # The Django admin's log of a steward editing the person.
    LogEntry.objects.log_actions(
        user_id=steward.pk, queryset=[user], action_flag=CHANGE, change_message="Changed display name."
    )
    return user


def _figures():
    """What organizers, reports and dashboards count."""
    return {
        "enrollments": Enrollment.objects.count(),
        "completed": Enrollment.objects.filter(status="completed").count(),
        "attended": Enrollment.objects.filter(attendance="attended").count(),
        "seats_taken": Session.objects.aggregate(total=Sum("seats_taken"))["total"],
        "report_participants": ActivityReport.objects.aggregate(total=Sum("participants"))["total"],
        "reports": ActivityReport.objects.count(),
        "certificates": Certificate.objects.count(),
        "support_requests": SupportRequest.objects.count(),
        "offers": SupportOffer.objects.count(),
    }


def _text_columns():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() "
            "AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea')"
        )
        return cursor.fetchall()


def _places_naming(needle):
    """Every table and column of the database that holds the text, found with SQL over information_schema."""
    found = []
    with connection.cursor() as cursor:
        for table, column, data_type in _text_columns():
            if data_type == "bytea":
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE position(%s::bytea in "{column}") > 0', [needle.encode()]
                )
            else:
                cursor.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s', [f"%{needle}%"])
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def _delete_through_the_page(client, user):
    client.force_login(user)
    return client.post(URL, {"confirmation": PASSWORD, "understood": "on"})


def test_the_export_holds_every_kind_of_data_before_the_deletion(person):
    document = everything_about(person)
    for kind in (
        "account",
        "memberships",
        "invitations_received",
        "enrollments",
        "certificates",
        "sessions_facilitated",
        "activity_reports_submitted",
        "files_imported",
        "demographics",
        "exchange_profile",
        "contact_requests_sent",
        "contact_requests_received",
        "support_requests",
        "support_offers",
        "profile_page",
    ):
        assert document[kind], kind
    assert document["account"]["two_factor_methods"] == ["recovery_codes"]
    assert document["demographics"]["gender"] == "woman"
    assert document["demographics"]["consent_given"]
    assert document["exchange_profile"]["languages"] == [{"language": "ko", "proficiency": 4}]
    # Nobody accepted: the other person's address stays theirs.
    assert document["contact_requests_sent"][0]["email"] is None


def test_nothing_personal_remains_in_any_table_after_the_deletion(client, person, django_capture_on_commit_callbacks):
    for needle in (USERNAME, EMAIL, DISPLAY_NAME):
        assert _places_naming(needle), f"the test's person should be findable before: {needle}"
    person_id = person.pk
    with django_capture_on_commit_callbacks(execute=True):
        response = _delete_through_the_page(client, person)
    assert response.status_code == 302
    for needle in (USERNAME, EMAIL, DISPLAY_NAME):
        assert _places_naming(needle) == [], needle
    assert not User.objects.filter(pk=person_id).exists()


def test_no_audit_history_row_points_at_the_deleted_person(person):
    person_id = person.pk
    services.person_delete(user=person)
    for model in apps.get_models():
        if not issubclass(model, HistoricalChanges):
            continue
        for field in model._meta.fields:
            if field.is_relation and field.related_model is User:
                assert not model.objects.filter(**{field.attname: person_id}).exists(), (model, field.name)


def test_counts_on_sessions_reports_and_support_stay_the_same(person):
    before = _figures()
    services.person_delete(user=person)
    after = _figures()
    assert after == before
    assert Enrollment.objects.filter(user__isnull=True, status="completed").count() == 1


def test_the_place_in_a_session_to_come_passes_to_the_waiting_list(person, django_capture_on_commit_callbacks):
    upcoming = Session.objects.filter(starts_at__gt=timezone.now(), seats=1).get()
    with django_capture_on_commit_callbacks(execute=True):
        services.person_delete(user=person)
    assert upcoming.enrollments.get(status="enrolled").user is not None
    upcoming.refresh_from_db()
    assert upcoming.seats_taken == 1


def test_the_certificate_is_revoked_and_anonymized_and_its_badge_answers_gone(client, person):
    certificate = Certificate.objects.get(enrollment__user=person)
    salt = certificate.badge_salt
    services.person_delete(user=person)
    certificate.refresh_from_db()
    assert certificate.is_revoked
    assert certificate.revocation_reason == "The holder deleted their account."
    assert certificate.holder_name == ""
    assert certificate.badge_salt != salt
    badge = client.get(f"/badges/assertions/{certificate.code}.json")
    assert badge.status_code == 410
    assert "recipient" not in badge.json()
    page = client.get(f"/en/certificates/{certificate.code}/")
    assert page.status_code == 200
    assert "A person who deleted their account" in page.content.decode()


def test_the_other_participants_certificate_is_untouched(person):
    other = Certificate.objects.exclude(enrollment__user=person).get()
    services.person_delete(user=person)
    other.refresh_from_db()
    assert not other.is_revoked
    assert other.holder_name


def test_a_sensitive_request_is_closed_and_its_story_erased(person):
    sensitive = SupportRequest.objects.get(author=person, is_sensitive=True)
    services.person_delete(user=person)
    sensitive.refresh_from_db()
    assert sensitive.author is None
    assert sensitive.status == "closed"
    assert (sensitive.what_happened, sensitive.what_is_needed) == ("", "")
    assert sensitive.title == f"#{sensitive.pk}"
    assert sensitive.events.last().to_status == "closed"


def test_a_public_request_stays_without_its_author_and_offers_stay_counted_without_words(person):
    public = SupportRequest.objects.get(author=person, is_sensitive=False)
    offer = SupportOffer.objects.get(author=person)
    services.person_delete(user=person)
    public.refresh_from_db()
    offer.refresh_from_db()
    assert public.author is None
    assert public.what_happened  # written for the community, it stays
    assert offer.author is None
    assert offer.message == ""


def test_the_steps_the_person_took_stay_in_the_timeline_without_them_or_their_notes(person):
    from stakeholders import services as stakeholder_services
    from stakeholders.models import SupportEvent

    public = SupportRequest.objects.get(author=person, is_sensitive=False)
    stakeholder_services.support_request_move(
        request=public, to_status="closed", by=person, note=f"{DISPLAY_NAME} found a venue at her cousin's."
    )
    services.person_delete(user=person)
    closing = SupportEvent.objects.get(request=public, to_status="closed")
    assert (closing.actor, closing.note) == (None, "")


def test_rows_that_only_describe_the_person_are_gone(person):
    person_id = person.pk
    services.person_delete(user=person)
    assert not Membership.objects.filter(user_id=person_id).exists()
    assert not Invitation.objects.filter(user_id=person_id).exists()
    assert not ExchangeProfile.objects.filter(user_id=person_id).exists()
    assert not ContactRequest.objects.filter(sender_id=person_id).exists()
    assert not ContactRequest.objects.filter(recipient_id=person_id).exists()
    assert not PersonDemographics.objects.filter(user_id=person_id).exists()
    assert not ProfileVisibility.objects.filter(user_id=person_id).exists()
    assert not SocialAccount.objects.filter(user_id=person_id).exists()
    assert not Authenticator.objects.filter(user_id=person_id).exists()
    assert not LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(person_id)
    ).exists()
    # The attendance files that listed them go; the file of counts stays, without its uploader.
    assert list(ImportUpload.objects.values_list("original_filename", "uploaded_by")) == [("c.csv", None)]


def test_the_last_administrator_of_an_organization_is_refused_with_a_clear_message(client, organization):
    admin = MembershipFactory(organization=organization, role=Membership.Role.ADMIN).user
    client.force_login(admin)
    page = client.get(URL).content.decode()
    assert "You are the only administrator of Wiki Learning Hub" in page
    response = client.post(URL, {"confirmation": PASSWORD, "understood": "on"})
    assert response.status_code == 400
    assert User.objects.filter(pk=admin.pk).exists()
    with pytest.raises(services.ValidationError):
        services.person_delete(user=admin)


def test_an_administrator_may_go_once_another_is_named(client, organization, affiliate_admin):
    second = MembershipFactory(organization=organization, role=Membership.Role.ADMIN).user
    assert _delete_through_the_page(client, second).status_code == 302
    assert Membership.objects.admins().filter(organization=organization).count() == 1


def test_a_wrong_password_or_no_checkbox_deletes_nothing(client, volunteer):
    client.force_login(volunteer)
    wrong = client.post(URL, {"confirmation": "not it", "understood": "on"})
    unticked = client.post(URL, {"confirmation": PASSWORD})
    assert wrong.status_code == unticked.status_code == 400
    assert "This is not your password." in wrong.content.decode()
    assert "Tick the box" in unticked.content.decode()
    assert User.objects.filter(pk=volunteer.pk).exists()


def test_a_person_without_a_password_types_their_username(client, volunteer):
    volunteer.set_unusable_password()
    volunteer.save()
    client.force_login(volunteer)
    assert client.post(URL, {"confirmation": "someone", "understood": "on"}).status_code == 400
    response = client.post(URL, {"confirmation": "volunteer", "understood": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(username="volunteer").exists()


def test_after_the_deletion_the_person_is_signed_out_and_told_so_on_the_home_page(client, volunteer):
    response = _delete_through_the_page(client, volunteer)
    assert response.url == "/en/"
    page = client.get(response.url).content.decode()
    assert "Your account is deleted." in page
    assert client.get("/en/me/").status_code == 302  # the login page again


def test_the_page_says_what_happens_before_anything_is_deleted(client, volunteer):
    client.force_login(volunteer)
    page = client.get(URL).content.decode()
    assert "revoked and your name is removed" in page
    assert "Download my data" in page


def test_the_django_admin_deletes_through_the_same_service(client, person, steward):
    certificate = Certificate.objects.get(enrollment__user=person)
    client.force_login(steward)
    assert client.get(f"/admin/stakeholders/user/{person.pk}/delete/").status_code == 200
    response = client.post(f"/admin/stakeholders/user/{person.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.holder_name == ""
    assert not Membership.objects.filter(user_id=person.pk).exists()


def test_the_support_pages_still_show_the_requests_left_without_their_author(client, person, steward):
    public = SupportRequest.objects.get(author=person, is_sensitive=False)
    sensitive = SupportRequest.objects.get(author=person, is_sensitive=True)
    services.person_delete(user=person)
    assert client.get(f"/en/support/{public.pk}/").status_code == 200
    client.force_login(steward)
    page = client.get(f"/en/support/{sensitive.pk}/")
    assert page.status_code == 200
    assert "Harassment" not in page.content.decode()
