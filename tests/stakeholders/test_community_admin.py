"""Stewards read support requests, exchange profiles and contact requests in the admin, and change nothing there."""

import pytest

from capacity.models import Language
from stakeholders.models import ContactRequest, ExchangeProfile, SupportEvent, SupportRequest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def support_request(volunteer):
    request = SupportRequest.objects.create(
        author=volunteer,
        title="Our meetup space closed",
        what_happened="The library closed.",
        what_is_needed="A room.",
        language=Language.objects.get(code="en"),
    )
    SupportEvent.objects.create(request=request, actor=volunteer, to_status="open")
    return request


def test_a_steward_reads_a_request_with_its_process(client, steward, support_request):
    client.force_login(steward)
    listing = client.get("/admin/stakeholders/supportrequest/")
    page = client.get(f"/admin/stakeholders/supportrequest/{support_request.pk}/change/")
    assert (listing.status_code, page.status_code) == (200, 200)
    assert "Our meetup space closed" in listing.text
    # Read-only: no form field for the status; moves go through the portal's service.
    assert 'name="status"' not in page.text


def test_a_steward_cannot_change_a_request_in_the_admin(client, steward, support_request):
    client.force_login(steward)
    response = client.post(
        f"/admin/stakeholders/supportrequest/{support_request.pk}/change/", {"status": "resolved", "title": "x"}
    )
    assert response.status_code == 403
    support_request.refresh_from_db()
    assert (support_request.status, support_request.title) == ("open", "Our meetup space closed")


def test_the_admin_shows_who_wrote_to_whom_but_not_the_message(client, steward):
    ContactRequest.objects.create(
        sender=UserFactory(), recipient=UserFactory(), message="Private words between two people"
    )
    ExchangeProfile.objects.create(user=UserFactory(), is_listed=False)
    client.force_login(steward)
    contacts = client.get("/admin/stakeholders/contactrequest/")
    contact = client.get(f"/admin/stakeholders/contactrequest/{ContactRequest.objects.get().pk}/change/")
    profiles = client.get("/admin/stakeholders/exchangeprofile/")
    assert (contacts.status_code, contact.status_code, profiles.status_code) == (200, 200, 200)
    assert "Private words" not in contact.text


def test_people_who_are_not_stewards_cannot_read_support_requests_in_the_admin(client, staff, support_request):
    client.force_login(staff)
    response = client.get(f"/admin/stakeholders/supportrequest/{support_request.pk}/change/")
    assert response.status_code == 302
    support_request.refresh_from_db()
    assert support_request.status == "open"
