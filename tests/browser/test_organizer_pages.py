"""The pages organizers and certificate holders use, checked in a browser."""

from datetime import timedelta

import pytest
from django.utils import timezone

from programs import services
from tests.browser.accessibility import assert_accessible
from tests.factories import MembershipFactory, ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def started_session(live_site):
    program = ProgramFactory(slug="commons-101", title_en="Commons 101", title_ar="كومنز 101")
    session = SessionFactory(program=program, starts_at=timezone.now() - timedelta(minutes=30))
    for person in UserFactory.create_batch(3):
        services.enrollment_create(user=person, session=session, now=timezone.now() - timedelta(days=1))
    MembershipFactory(
        organization=program.provider, user=UserFactory(username="organizer", email="organizer@example.org")
    )
    return session


@pytest.mark.parametrize("language", ["en", "ar"])
def test_an_organizer_marks_completion_and_the_certificate_verifies(log_in, started_session, language):
    page = log_in(language=language)
    page.goto(f"/{language}/programs/commons-101/sessions/{started_session.pk}/participants/")
    assert_accessible(page)
    page.locator("form[action$='/complete/'] button").first.click()
    page.wait_for_load_state()
    assert page.locator(".message-success").is_visible()

    certificate = page.locator("a[href*='/certificates/']").first
    certificate.click()
    page.wait_for_load_state()
    assert page.locator("#certificate-title").is_visible()
    assert_accessible(page)
    # The verification address reads left to right even on an Arabic page.
    assert page.locator(".certificate a[dir=ltr]").count() == 1
    # On a phone the long address breaks rather than widening the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
