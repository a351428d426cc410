"""Withdrawing invitations attacked: other people's and other organizations' invitations, wrong methods, twice."""

import pytest
from django.test import Client

from stakeholders.models import Invitation, Membership
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(organization, volunteer, affiliate_admin):
    return Invitation.objects.create(
        organization=organization, user=volunteer, role="staff", invited_by=affiliate_admin
    )


def withdraw_url(invitation, slug=None):
    return f"/en/organizations/{slug or invitation.organization.slug}/invitations/{invitation.pk}/withdraw/"


def status_of(invitation):
    return Invitation.objects.get(pk=invitation.pk).status


@pytest.mark.parametrize("persona", ["volunteer", "staff", "other_staff", "funder"])
def test_only_admins_withdraw_and_the_invited_person_cannot_withdraw_their_own(client, request, invitation, persona):
    # The invited person is the volunteer: they decline, they do not withdraw.
    client.force_login(request.getfixturevalue(persona))
    assert client.post(withdraw_url(invitation)).status_code == 403
    assert status_of(invitation) == Invitation.Status.PENDING


def test_an_admin_of_another_organization_cannot_withdraw_through_either_address(invitation, other_organization):
    their_admin = MembershipFactory(organization=other_organization, role=Membership.Role.ADMIN).user
    client = Client()
    client.force_login(their_admin)
    assert client.post(withdraw_url(invitation)).status_code == 403
    assert client.post(withdraw_url(invitation, slug=other_organization.slug)).status_code == 404
    assert status_of(invitation) == Invitation.Status.PENDING


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_withdrawing_takes_only_post(client, affiliate_admin, invitation, method):
    client.force_login(affiliate_admin)
    assert getattr(client, method)(withdraw_url(invitation)).status_code == 405
    assert status_of(invitation) == Invitation.Status.PENDING


def test_withdrawing_twice_changes_nothing_the_second_time(client, affiliate_admin, invitation):
    client.force_login(affiliate_admin)
    assert client.post(withdraw_url(invitation)).status_code == 302
    withdrawn = Invitation.objects.get(pk=invitation.pk)
    assert client.post(withdraw_url(invitation)).status_code == 404
    again = Invitation.objects.get(pk=invitation.pk)
    assert (again.status, again.updated_at) == (Invitation.Status.WITHDRAWN, withdrawn.updated_at)


def test_a_withdrawn_invitation_can_no_longer_be_accepted(client, affiliate_admin, invitation, volunteer):
    client.force_login(affiliate_admin)
    client.post(withdraw_url(invitation))
    client.force_login(volunteer)
    assert client.post(f"/en/me/invitations/{invitation.pk}/accept/").status_code == 404
    assert not Membership.objects.filter(user=volunteer, organization=invitation.organization).exists()


@pytest.mark.parametrize("number", [2**31, 2**63, 2**64])
def test_ids_too_large_for_the_database_are_not_found(client, affiliate_admin, organization, number):
    client.force_login(affiliate_admin)
    assert client.post(f"/en/organizations/{organization.slug}/invitations/{number}/withdraw/").status_code == 404


def test_a_person_invited_by_someone_who_left_can_still_be_withdrawn(client, organization, affiliate_admin, volunteer):
    inviter = MembershipFactory(organization=organization, role=Membership.Role.ADMIN, user=UserFactory())
    invitation = Invitation.objects.create(
        organization=organization, user=volunteer, role="member", invited_by=inviter.user
    )
    inviter.user.delete()
    client.force_login(affiliate_admin)
    assert client.post(withdraw_url(invitation)).status_code == 302
    assert status_of(invitation) == Invitation.Status.WITHDRAWN
