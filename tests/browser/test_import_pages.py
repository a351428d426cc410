"""Staff import an attendance spreadsheet in a browser: upload, a preview with problems, a clean import."""

from datetime import timedelta

import pytest
from django.utils import timezone

from programs.models import Enrollment
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import MembershipFactory, ProgramFactory, SessionFactory, UserFactory
from tests.programs.import_files import enroll

pytestmark = pytest.mark.browser


@pytest.fixture
def started(live_site):
    program = ProgramFactory(slug="wikidata-101", title_en="Wikidata 101", title_ko="위키데이터 101")
    now = timezone.now()
    session = SessionFactory(program=program, starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1))
    MembershipFactory(
        organization=program.provider, user=UserFactory(username="organizer", email="organizer@example.org")
    )
    enroll(session, [UserFactory(username="minseo", display_name="김민서"), UserFactory(username="yazan")])
    return session


def upload(page, content, name):
    page.check("input[name=kind][value=attendance]")
    page.set_input_files("input[name=file]", files=[{"name": name, "mimeType": "text/csv", "buffer": content}])
    page.locator(".import-form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize(("language", "viewport"), [("en", DESKTOP), ("ko", PHONE), ("ar", PHONE)])
def test_staff_fix_a_file_and_import_it(log_in, started, language, viewport):
    slug = started.program.provider.slug
    page = log_in(language=language, viewport=viewport)
    page.goto(f"/{language}/workspace/imports/{slug}/")
    assert_accessible(page)

    bad = f"session_id;person;attendance\n{started.pk};minseo;attended\n{started.pk};nobody;attended\n"
    upload(page, bad.encode("utf-8-sig"), "출석.csv")
    assert page.locator(".import-errors tbody tr").count() == 1
    assert page.locator("form.import-commit").count() == 0
    assert_accessible(page)

    good = f"session_id,person,attendance\n{started.pk},minseo,attended\n{started.pk},yazan,no_show\n"
    page.goto(f"/{language}/workspace/imports/{slug}/")
    upload(page, good.encode(), "attendance.csv")
    assert page.locator(".import-errors").count() == 0
    assert_accessible(page)
    page.locator("form.import-commit button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".message-success").is_visible()
    assert dict(Enrollment.objects.filter(session=started).values_list("user__username", "attendance")) == {
        "minseo": "attended",
        "yazan": "no_show",
    }
