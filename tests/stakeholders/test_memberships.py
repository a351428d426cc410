"""Organizations' admins invite people, change roles and remove members; one admin always stays."""

import threading

import pytest
from django.conf import settings
from django.core import mail
from django.db import connections

from stakeholders import services
from stakeholders.models import Invitation, Membership, Organization
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

HUGE = "999999999999999999999999999999"
MEMBERS = "/en/organizations/wiki-learning-hub/members/"
INVITE = "/en/organizations/wiki-learning-hub/members/invite/"
EDIT = "/en/organizations/wiki-learning-hub/edit/"
LEAVE = "/en/organizations/wiki-learning-hub/leave/"
MY_INVITATIONS = "/en/me/invitations/"


@pytest.fixture
def member(organization):
    """Member of `organization`: sees who belongs to it, manages nothing."""
    return MembershipFactory(
        organization=organization, user=UserFactory(username="member"), role=Membership.Role.MEMBER
    ).user


@pytest.fixture
def everyone(volunteer, member, staff, affiliate_admin, other_staff, funder, steward):
    return {
        "volunteer": volunteer,
        "member": member,
        "staff": staff,
        "admin": affiliate_admin,
        "other_staff": other_staff,
        "funder": funder,
        "steward": steward,
    }


def membership_of(user, organization):
    return Membership.objects.get(user=user, organization=organization)


def role_url(membership, action="role"):
    return f"/en/organizations/{membership.organization.slug}/members/{membership.pk}/{action}/"


# --- who may open what -----------------------------------------------------------------

MEMBERS_PAGE = {
    "volunteer": 403,
    "member": 200,
    "staff": 200,
    "admin": 200,
    "other_staff": 403,
    "funder": 403,
    "steward": 200,
}
ADMIN_ONLY = {
    "volunteer": 403,
    "member": 403,
    "staff": 403,
    "admin": 200,
    "other_staff": 403,
    "funder": 403,
    "steward": 200,
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona, expected", MEMBERS_PAGE.items())
def test_the_members_page_is_for_members_and_stewards(client, everyone, persona, expected):
    client.force_login(everyone[persona])
    response = client.get(MEMBERS)
    assert response.status_code == expected
    if expected == 200:
        html = response.content.decode()
        assert everyone["member"].public_name in html and everyone["admin"].public_name in html
        assert everyone["other_staff"].public_name not in html
        assert ("Send invitation" in html) == (persona in ("admin", "steward"))
        assert ("Change role" in html) == (persona in ("admin", "steward"))


@pytest.mark.django_db
@pytest.mark.parametrize("persona, expected", ADMIN_ONLY.items())
def test_only_admins_and_stewards_edit_the_profile(client, everyone, persona, expected):
    client.force_login(everyone[persona])
    assert client.get(EDIT).status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize("url", [MEMBERS, EDIT, MY_INVITATIONS])
def test_anonymous_people_are_sent_to_log_in(client, organization, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["volunteer", "member", "staff", "other_staff", "funder"])
def test_people_who_are_not_admins_cannot_invite_change_or_remove(client, everyone, organization, persona):
    target = membership_of(everyone["member"], organization)
    client.force_login(everyone[persona])
    assert client.post(INVITE, {"person": "volunteer", "role": "admin"}).status_code == 403
    assert client.post(role_url(target), {"role": "admin"}).status_code == 403
    assert client.post(role_url(target, "remove")).status_code == 403
    assert not Invitation.objects.exists()
    target.refresh_from_db()
    assert target.role == Membership.Role.MEMBER


@pytest.mark.django_db
def test_anonymous_posts_change_nothing(client, member, organization):
    target = membership_of(member, organization)
    for url in (INVITE, role_url(target), role_url(target, "remove"), LEAVE, EDIT):
        response = client.post(url, {"person": "volunteer", "role": "admin"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Membership.objects.filter(pk=target.pk, role="member").exists()
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_unknown_organizations_are_not_found(client, affiliate_admin, steward):
    client.force_login(steward)
    for url in ("/en/organizations/nope/members/", "/en/organizations/nope/edit/"):
        assert client.get(url).status_code == 404


# --- invitations -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["email", "username"])
def test_an_admin_invites_by_email_or_username_and_the_person_is_emailed(
    client, affiliate_admin, volunteer, organization, how, django_capture_on_commit_callbacks
):
    volunteer.preferred_language = "ko"
    volunteer.save()
    identifier = volunteer.email.upper() if how == "email" else volunteer.username
    client.force_login(affiliate_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(INVITE, {"person": identifier, "role": "staff"})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.user, invitation.role, invitation.status) == (volunteer, "staff", "pending")
    assert invitation.invited_by == affiliate_admin
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [volunteer.email]
    assert "\n" not in mail.outbox[0].subject
    assert f"{settings.PORTAL_URL}/ko/me/invitations/" in mail.outbox[0].body


@pytest.mark.django_db
def test_an_unknown_person_is_a_form_error_and_nothing_is_created(client, affiliate_admin):
    client.force_login(affiliate_admin)
    response = client.post(INVITE, {"person": "nobody@example.org", "role": "member"})
    assert response.status_code == 400
    assert "No one with this email or username" in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_a_second_pending_invitation_is_refused(client, affiliate_admin, volunteer, organization):
    client.force_login(affiliate_admin)
    client.post(INVITE, {"person": "volunteer", "role": "member"})
    response = client.post(INVITE, {"person": "volunteer", "role": "admin"})
    assert response.status_code == 400
    assert "already has a pending invitation" in response.content.decode()
    assert Invitation.objects.count() == 1


@pytest.mark.django_db
def test_an_existing_member_is_not_invited_again(client, affiliate_admin, member):
    client.force_login(affiliate_admin)
    response = client.post(INVITE, {"person": "member", "role": "admin"})
    assert response.status_code == 400
    assert "already a member" in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_two_pending_invitations(volunteer, organization, affiliate_admin):
    from django.db import IntegrityError, transaction

    Invitation.objects.create(organization=organization, user=volunteer, invited_by=affiliate_admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(organization=organization, user=volunteer, invited_by=affiliate_admin)


@pytest.mark.django_db
def test_accepting_makes_the_person_a_member_with_the_invited_role(client, affiliate_admin, volunteer, organization):
    invitation = services.membership_invite(
        organization=organization, person=volunteer, role="staff", by=affiliate_admin
    )
    client.force_login(volunteer)
    html = client.get(MY_INVITATIONS).content.decode()
    assert "Wiki Learning Hub" in html
    response = client.post(f"/en/me/invitations/{invitation.pk}/accept/")
    assert response.status_code == 302
    assert membership_of(volunteer, organization).role == "staff"
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    # Accepting twice does nothing more: the invitation is no longer pending.
    assert client.post(f"/en/me/invitations/{invitation.pk}/accept/").status_code == 404


@pytest.mark.django_db
def test_declining_leaves_the_person_outside(client, affiliate_admin, volunteer, organization):
    invitation = services.membership_invite(
        organization=organization, person=volunteer, role="admin", by=affiliate_admin
    )
    client.force_login(volunteer)
    assert client.post(f"/en/me/invitations/{invitation.pk}/decline/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "declined"
    assert not Membership.objects.filter(user=volunteer).exists()
    assert "no invitations waiting" in client.get(MY_INVITATIONS).content.decode()
    # Once declined, the organization may invite them again.
    services.membership_invite(organization=organization, person=volunteer, role="member", by=affiliate_admin)


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["accept", "decline"])
def test_someone_elses_invitation_is_not_found(client, affiliate_admin, volunteer, other_staff, organization, action):
    invitation = services.membership_invite(
        organization=organization, person=volunteer, role="admin", by=affiliate_admin
    )
    client.force_login(other_staff)
    assert client.post(f"/en/me/invitations/{invitation.pk}/{action}/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert not Membership.objects.filter(user=other_staff, organization=organization).exists()


# --- roles and the last admin ----------------------------------------------------------


@pytest.mark.django_db
def test_an_admin_changes_a_role_and_removes_a_member(client, affiliate_admin, member, organization):
    target = membership_of(member, organization)
    client.force_login(affiliate_admin)
    assert client.post(role_url(target), {"role": "staff"}).status_code == 302
    target.refresh_from_db()
    assert target.role == "staff"
    assert client.post(role_url(target, "remove")).status_code == 302
    assert not Membership.objects.filter(pk=target.pk).exists()


@pytest.mark.django_db
def test_the_last_admin_cannot_be_demoted_removed_or_leave(client, affiliate_admin, organization):
    own = membership_of(affiliate_admin, organization)
    client.force_login(affiliate_admin)
    response = client.post(role_url(own), {"role": "member"}, follow=True)
    assert "at least one administrator" in response.content.decode()
    response = client.post(role_url(own, "remove"), follow=True)
    assert "at least one administrator" in response.content.decode()
    response = client.post(LEAVE, follow=True)
    assert "at least one administrator" in response.content.decode()
    own.refresh_from_db()
    assert own.role == "admin"


@pytest.mark.django_db
def test_with_a_second_admin_the_first_may_leave(client, affiliate_admin, member, organization):
    services.membership_change_role(membership=membership_of(member, organization), role="admin")
    client.force_login(affiliate_admin)
    assert client.post(LEAVE).status_code == 302
    assert not Membership.objects.filter(user=affiliate_admin).exists()
    assert membership_of(member, organization).role == "admin"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["member", "staff"])
def test_members_may_leave(client, everyone, organization, persona):
    client.force_login(everyone[persona])
    assert client.post(LEAVE).status_code == 302
    assert not Membership.objects.filter(user=everyone[persona], organization=organization).exists()


@pytest.mark.django_db
def test_an_admin_cannot_touch_another_organizations_memberships(client, affiliate_admin, other_staff):
    foreign = Membership.objects.get(user=other_staff)
    client.force_login(affiliate_admin)
    assert client.post(f"/en/organizations/wiki-learning-hub/members/{foreign.pk}/remove/").status_code == 404
    assert client.post(f"/en/organizations/other-chapter/members/{foreign.pk}/remove/").status_code == 403
    assert Membership.objects.filter(pk=foreign.pk).exists()


@pytest.mark.usefixtures("seeded_transactional_db")
@pytest.mark.xdist_group("concurrent-memberships")
@pytest.mark.parametrize("round_number", range(3))
def test_two_admins_demoting_each_other_at_once_leave_one_admin(round_number):
    organization = Organization.objects.create(
        slug=f"race-{round_number}", name="Race", kind="chapter", region_id=_any_region_id()
    )
    first = MembershipFactory(organization=organization, role="admin")
    second = MembershipFactory(organization=organization, role="admin")
    barrier = threading.Barrier(2)
    outcomes = []

    def demote(membership):
        try:
            barrier.wait()
            services.membership_change_role(membership=membership, role="member")
            outcomes.append("demoted")
        except Exception as error:  # noqa: BLE001 — the refusal is counted, anything else fails below
            outcomes.append(type(error).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=demote, args=(m,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ValidationError", "demoted"]
    assert Membership.objects.filter(organization=organization, role="admin").count() == 1


def _any_region_id():
    from capacity.models import Region

    return Region.objects.values_list("pk", flat=True).first()


# --- the profile -----------------------------------------------------------------------


def profile_data(**overrides):
    data = {
        "name_en": "Wiki Learning Hub",
        "name_ko": "위키 학습 허브",
        "name_ar": "مركز ويكي للتعلم",
        "description_en": "We teach editing.",
        "description_ko": "편집을 가르칩니다.",
        "website": "https://example.org/",
        "languages": ["en", "ko"],
        "region": "south-asia",
        "kind": "hub",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_an_admin_edits_the_profile_in_several_languages(client, affiliate_admin, organization):
    client.force_login(affiliate_admin)
    assert client.post(EDIT, profile_data()).status_code == 302
    organization.refresh_from_db()
    assert organization.description_ko == "편집을 가르칩니다."
    assert organization.kind == "hub"
    assert sorted(organization.languages.values_list("code", flat=True)) == ["en", "ko"]
    assert "위키 학습 허브" in client.get("/ko/organizations/wiki-learning-hub/").content.decode()


@pytest.mark.django_db
def test_the_organization_page_links_to_members_and_edit_for_those_allowed(client, affiliate_admin, member):
    client.force_login(affiliate_admin)
    html = client.get("/en/organizations/wiki-learning-hub/").content.decode()
    assert MEMBERS in html and EDIT in html
    client.force_login(member)
    html = client.get("/en/organizations/wiki-learning-hub/").content.decode()
    assert MEMBERS in html and EDIT not in html


# --- hostile input ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"person": "volunteer\r\nBcc: x@example.org", "role": "member"},
        {"person": "x" * 10_000, "role": "member"},
        {"person": "volunteer", "role": "owner"},
        {"person": "volunteer", "role": "x" * 10_000},
        {},
    ],
)
def test_hostile_invitations_are_form_errors(client, affiliate_admin, volunteer, data):
    client.force_login(affiliate_admin)
    response = client.post(INVITE, data)
    assert response.status_code == 400
    assert not Invitation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"name_en": "Line\r\nbreak"}, 200),
        ({"name_en": "x" * 10_000}, 200),
        # A long description is allowed: saved as plain text, its trailing line break trimmed.
        ({"description_en": "x" * 10_000 + "\r\n"}, 302),
        ({"region": HUGE}, 200),
        ({"languages": [HUGE]}, 200),
        ({"kind": "emperor"}, 200),
        ({"website": "javascript:alert(1)"}, 200),
    ],
)
def test_hostile_profiles_are_refused_or_harmless(client, affiliate_admin, organization, overrides, status):
    client.force_login(affiliate_admin)
    response = client.post(EDIT, profile_data(**overrides))
    assert response.status_code == status
    organization.refresh_from_db()
    if status == 200:
        assert organization.kind == "chapter"
    else:
        assert organization.description_en == "x" * 10_000


@pytest.mark.django_db
def test_hostile_role_changes_and_ids_are_no_500(client, affiliate_admin, member, organization):
    target = membership_of(member, organization)
    client.force_login(affiliate_admin)
    assert client.post(role_url(target), {"role": "x" * 10_000}).status_code == 302
    assert client.post(role_url(target), {"role": "admin\r\n"}).status_code == 302
    target.refresh_from_db()
    assert target.role == "member"
    for url in (
        f"/en/organizations/wiki-learning-hub/members/{HUGE}/role/",
        f"/en/organizations/wiki-learning-hub/members/{HUGE}/remove/",
        f"/en/me/invitations/{HUGE}/accept/",
        f"/en/me/invitations/{HUGE}/decline/",
    ):
        assert client.post(url, {"role": "admin"}).status_code == 404
    assert client.get("/en/organizations/" + "x" * 10_000 + "/members/").status_code == 404


@pytest.mark.django_db
def test_wrong_methods_are_refused(client, affiliate_admin, volunteer, member, organization):
    invitation = services.membership_invite(
        organization=organization, person=volunteer, role="member", by=affiliate_admin
    )
    target = membership_of(member, organization)
    client.force_login(affiliate_admin)
    for url in (INVITE, role_url(target), role_url(target, "remove"), LEAVE):
        assert client.get(url).status_code == 405
    assert client.post(MEMBERS).status_code == 405
    assert client.put(EDIT).status_code == 405
    client.force_login(volunteer)
    assert client.get(f"/en/me/invitations/{invitation.pk}/accept/").status_code == 405
    assert client.delete(MY_INVITATIONS).status_code == 405
    assert Membership.objects.filter(pk=target.pk).exists()


# --- query ceilings --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 40])
def test_the_members_page_runs_a_fixed_number_of_queries(
    client, affiliate_admin, organization, count, django_assert_max_num_queries
):
    for _ in range(count):
        MembershipFactory(organization=organization)
        services.membership_invite(organization=organization, person=UserFactory(), role="member", by=affiliate_admin)
    client.force_login(affiliate_admin)
    with django_assert_max_num_queries(8) as captured:
        response = client.get(MEMBERS)
    assert response.status_code == 200
    print(f"\nmembers page with {count} members and {count} invitations: {len(captured)} queries")


def test_an_admin_withdraws_a_pending_invitation_and_may_invite_the_person_again(
    client, affiliate_admin, volunteer, organization
):
    invitation = Invitation.objects.create(organization=organization, user=volunteer, role="member")
    client.force_login(affiliate_admin)
    response = client.post(f"/en/organizations/{organization.slug}/invitations/{invitation.pk}/withdraw/", follow=True)
    assert "was withdrawn" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.WITHDRAWN
    # The person no longer sees it, and a new invitation is allowed.
    client.force_login(volunteer)
    assert client.post(f"/en/me/invitations/{invitation.pk}/accept/").status_code == 404
    client.force_login(affiliate_admin)
    client.post(INVITE, {"person": volunteer.username, "role": "staff"})
    assert Invitation.objects.filter(user=volunteer, status="pending").count() == 1


def test_an_answered_invitation_cannot_be_withdrawn(client, affiliate_admin, volunteer, organization):
    invitation = Invitation.objects.create(organization=organization, user=volunteer, role="member", status="declined")
    client.force_login(affiliate_admin)
    response = client.post(f"/en/organizations/{organization.slug}/invitations/{invitation.pk}/withdraw/")
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "declined"


def test_an_admin_cannot_withdraw_another_organizations_invitation(client, affiliate_admin, volunteer, organization):
    other = OrganizationFactory()
    invitation = Invitation.objects.create(organization=other, user=volunteer, role="member")
    client.force_login(affiliate_admin)
    response = client.post(f"/en/organizations/{organization.slug}/invitations/{invitation.pk}/withdraw/")
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"
