"""The audit trail attacked: another organization's people as a filter, markup in the query string, no Redis."""

import pytest
from django.test import Client
from django.utils import timezone

from programs import services
from stakeholders.models import Membership
from tests.capacity.test_without_redis import redis_down  # noqa: F401 — a fixture
from tests.factories import MembershipFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def audit_url(organization):
    return f"/en/organizations/{organization.slug}/audit/"


def test_someone_who_changed_only_another_organization_is_no_filter_and_shows_nothing_of_theirs(
    affiliate_admin_client, organization, other_organization, other_staff, program
):
    theirs = ProgramFactory(provider=other_organization, original_title="Their plan")
    theirs.original_title = "Their revised plan"
    theirs._history_user = other_staff
    services.program_save(program=theirs)

    response = affiliate_admin_client.get(audit_url(organization), {"person": other_staff.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="errorlist"' in html
    assert "Their revised plan" not in html and "Their plan" not in html
    assert program.original_title in html  # the filter is dropped, the organization's own trail stays


def test_an_admin_of_another_organization_cannot_read_this_trail_through_any_filter(organization, other_organization):
    their_admin = MembershipFactory(organization=other_organization, role=Membership.Role.ADMIN).user
    client = Client()
    client.force_login(their_admin)
    for query in ({}, {"kind": "program"}, {"person": their_admin.pk}, {"page": "2"}):
        assert client.get(audit_url(organization), query).status_code == 403


def test_markup_in_the_query_string_is_not_reflected(affiliate_admin_client, organization):
    response = affiliate_admin_client.get(
        audit_url(organization) + '?"><script>alert(1)</script>=1&kind=<svg onload=x>'
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)" not in html and "<svg onload" not in html


def test_the_trail_answers_without_redis(affiliate_admin_client, organization, program, redis_down):  # noqa: F811
    program.original_summary = "Changed while the cache is down"
    services.program_save(program=program)
    response = affiliate_admin_client.get(audit_url(organization))
    assert response.status_code == 200
    assert "Changed while the cache is down" in response.content.decode()


def test_a_record_of_a_deleted_person_still_shows(affiliate_admin_client, organization, program, affiliate_admin):
    leaving = MembershipFactory(organization=organization).user
    program.original_summary = f"Edited at {timezone.now():%H:%M}"
    program._history_user = leaving
    services.program_save(program=program)
    leaving.delete()
    response = affiliate_admin_client.get(audit_url(organization))
    assert response.status_code == 200
    assert program.original_summary in response.content.decode()
