"""A volunteer in Arabic asks for support, someone offers help in Korean, a steward triages and matches, the author resolves."""

import pytest

from stakeholders.models import SupportRequest
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

TITLE = "نحتاج إلى مدرب لورشة ويكي بيانات"
OFFER = "저희 교재를 공유하고 첫 세션을 함께 진행할 수 있어요."


def move(page, to_status):
    page.click(f"button[name=to_status][value={to_status}]")
    page.wait_for_load_state()


def test_a_request_goes_from_arabic_post_to_korean_offer_to_resolved(log_in, live_site):
    UserFactory(username="yazan", email="yazan@example.org", preferred_language="ar")
    UserFactory(username="minseo", email="minseo@example.org", preferred_language="ko")
    UserFactory(username="steward", email="steward@example.org", is_staff=True, is_superuser=True)

    # The volunteer posts in Arabic, on a phone; the page reads right to left.
    author = log_in("yazan@example.org", language="ar", viewport=PHONE)
    author.goto("/ar/support/new/")
    assert author.locator("html").get_attribute("dir") == "rtl"
    assert_accessible(author)
    author.fill("#id_title", TITLE)
    author.fill("#id_what_happened", "اعتذر المدرب الوحيد لدينا.")
    author.fill("#id_what_is_needed", "مدرب يتحدث العربية.")
    author.select_option("#id_categories", ["wikidata", "training-design"])
    author.select_option("#id_region", "middle-east-north-africa")
    author.select_option("#id_urgency", "high")
    author.click("form.narrow button[type=submit]")
    author.wait_for_url("**/ar/support/*/")
    assert author.locator("h1").get_attribute("dir") == "rtl"
    assert_accessible(author)
    request = SupportRequest.objects.get(title=TITLE)
    assert request.language.code == "ar"  # the interface language, chosen for them

    # Someone answers in Korean, from the Korean interface.
    helper = log_in("minseo@example.org", language="ko", viewport=DESKTOP)
    helper.goto(f"/ko/support/{request.pk}/")
    helper.select_option("#id_kind", "resources")
    helper.fill("#id_message", OFFER)
    helper.click("form[action$='/offers/'] button[type=submit]")
    helper.wait_for_load_state()
    offer = helper.locator(".support-offers .written-text")
    assert offer.get_attribute("lang") == "ko"
    assert OFFER in offer.inner_text()
    assert_accessible(helper)

    # The steward triages, accepts the offer for the community, and marks the request matched.
    steward = log_in("steward@example.org", language="en", viewport=DESKTOP)
    steward.goto(f"/en/support/{request.pk}/")
    assert steward.locator("button[name=to_status][value=matched]").count() == 0
    move(steward, "triaged")
    steward.click("form[action$='/accept/'] button")
    steward.wait_for_load_state()
    move(steward, "matched")
    assert_accessible(steward)

    # The author resolves it; the timeline shows every step.
    author.goto(f"/ar/support/{request.pk}/")
    author.fill("#move-note", "شكراً للجميع")
    move(author, "resolved")
    request.refresh_from_db()
    assert request.status == "resolved"
    assert author.locator(".support-timeline li").count() == 4
    assert author.locator("button[name=to_status]").count() == 0
    assert_accessible(author)
    author.goto("/ar/support/")
    assert_accessible(author)
