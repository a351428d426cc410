"""An affiliate admin runs `organization`'s sessions; a funder has no rights over them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from programs import services
from programs.models import Certificate, Enrollment
from tests.factories import ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollment(organization, volunteer):
    """The volunteer's place in a session of `organization` that started an hour ago."""
    session = SessionFactory(
        program=ProgramFactory(provider=organization), starts_at=timezone.now() - timedelta(hours=1)
    )
    return services.enrollment_create(
        user=volunteer, session=session, now=timezone.now() - timedelta(days=2)
    ).enrollment


def participants_url(enrollment):
    session = enrollment.session
    return reverse("programs:participants", kwargs={"slug": session.program.slug, "session_id": session.pk})


def complete_url(enrollment):
    session = enrollment.session
    return reverse(
        "programs:complete",
        kwargs={"slug": session.program.slug, "session_id": session.pk, "enrollment_id": enrollment.pk},
    )


@pytest.mark.parametrize(("persona", "status"), [("affiliate_admin", 200), ("funder", 403)])
def test_the_affiliate_admin_sees_the_participant_list_and_a_funder_does_not(
    client, request, persona, status, enrollment
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(participants_url(enrollment))
    assert response.status_code == status
    if status == 200:
        assert enrollment.user.public_name in response.content.decode()


def test_the_affiliate_admin_marks_a_participation_completed(client, affiliate_admin, enrollment):
    client.force_login(affiliate_admin)
    response = client.post(complete_url(enrollment))
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert Certificate.objects.filter(enrollment=enrollment).exists()


def test_a_funder_cannot_mark_a_participation_completed(client, funder, enrollment):
    client.force_login(funder)
    assert client.post(complete_url(enrollment)).status_code == 403
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ENROLLED
    assert not Certificate.objects.exists()


def test_a_plain_member_of_the_provider_does_not_manage_its_sessions(client, organization, enrollment):
    from stakeholders.models import Membership
    from tests.factories import MembershipFactory, UserFactory

    member = MembershipFactory(organization=organization, user=UserFactory(), role=Membership.Role.MEMBER).user
    client.force_login(member)
    assert client.get(participants_url(enrollment)).status_code == 403
    program = enrollment.session.program
    assert "participants" not in client.get(f"/en/programs/{program.slug}/").content.decode()
