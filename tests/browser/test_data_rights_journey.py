"""A person shares demographics, makes their profile page public, then deletes their account, in Arabic and Korean."""

from datetime import timedelta

import pytest
from django.utils import timezone

from programs import services
from programs.models import Certificate, PersonDemographics, Session
from stakeholders.models import User
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import DESKTOP, PASSWORD, PHONE
from tests.factories import ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def graduate(live_site):
    """Layla, who completed a session and holds its certificate."""
    person = UserFactory(username="layla", email="layla@example.org", display_name="ليلى")
    session = SessionFactory(program=ProgramFactory(original_title="Wikidata basics"))
    enrollment = services.enrollment_create(user=person, session=session).enrollment
    start = timezone.now() - timedelta(days=2)
    Session.objects.filter(pk=session.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    services.enrollment_complete(enrollment=enrollment)
    return person


@pytest.mark.parametrize(("language", "viewport"), [("ar", PHONE), ("ko", DESKTOP)])
def test_demographics_profile_page_and_account_deletion(log_in, open_page, graduate, language, viewport):
    page = log_in("layla@example.org", language=language, viewport=viewport)

    page.goto(f"/{language}/me/demographics/")
    assert_accessible(page)
    page.select_option("select[name=gender]", "woman")
    page.click("button[value=save]")  # no consent: refused
    assert_accessible(page)
    assert not PersonDemographics.objects.exists()
    page.check("input[name=consent]")
    page.click("button[value=save]")
    page.wait_for_load_state()
    assert PersonDemographics.objects.get(user=graduate).gender == "woman"

    page.goto(f"/{language}/me/recognition/")
    assert_accessible(page)
    page.check("input[name=is_public]")
    page.click(".manage-content form button[type=submit]")
    page.wait_for_load_state()
    visitor = open_page(f"/{language}/people/layla/", accept_language=language, viewport=viewport)
    assert visitor.locator("h1").inner_text() == "ليلى"
    assert_accessible(visitor)

    page.goto(f"/{language}/me/delete/")
    assert_accessible(page)
    page.fill("input[name=confirmation]", PASSWORD)
    page.check("input[name=understood]")
    page.click("button.button-danger")
    page.wait_for_url(f"**/{language}/")
    assert_accessible(page)
    assert not User.objects.filter(username="layla").exists()
    certificate = Certificate.objects.get()
    assert certificate.is_revoked and certificate.holder_name == ""
    visitor.goto(f"/{language}/certificates/{certificate.code}/")
    assert_accessible(visitor)
    assert visitor.goto(f"/{language}/people/layla/").status == 404
