"""A volunteer in Arabic says what they want to learn, finds a mentor, writes; the mentor accepts and addresses are shared."""

import pytest

from stakeholders.models import ContactRequest
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import UserFactory
from tests.stakeholders.exchange_profiles import exchange_profile

pytestmark = pytest.mark.browser

MESSAGE = "مرحباً، أحضّر أول طلب منحة لمجموعتنا. هل يمكنك مساعدتي؟"


def test_an_arabic_speaker_finds_a_mentor_writes_and_gets_the_address_once_accepted(log_in, live_site):
    UserFactory(username="yazan", display_name="Yazan", email="yazan@example.org", preferred_language="ar")
    nourhan = UserFactory(username="nourhan", display_name="Nourhan", email="nourhan@example.org")
    exchange_profile(
        nourhan, shares=["grant-writing"], languages={"ar": 5}, about="أكتب طلبات المنح", about_language="ar"
    )
    # Shares the same capacity but speaks no language Yazan speaks: never suggested.
    exchange_profile(UserFactory(display_name="Jonas"), shares=["grant-writing"], languages={"de": 5})

    # Yazan fills in his profile on a phone, in Arabic.
    yazan = log_in("yazan@example.org", language="ar", viewport=PHONE)
    yazan.goto("/ar/exchange/me/")
    assert yazan.locator("html").get_attribute("dir") == "rtl"
    assert_accessible(yazan)
    yazan.check("#id_capacity-grant-writing-wants")
    yazan.select_option("#id_languages-0-language", "ar")
    yazan.select_option("#id_languages-0-proficiency", "5")
    yazan.click("form.exchange-edit button[type=submit]")
    yazan.wait_for_load_state()
    assert yazan.locator("#id_capacity-grant-writing-wants").is_checked()

    # The mentors page suggests Nourhan, with the reason, and not Jonas.
    yazan.goto("/ar/exchange/mentors/")
    assert_accessible(yazan)
    cards = yazan.locator(".exchange-card")
    assert cards.count() == 1
    assert "Nourhan" in cards.first.inner_text()
    assert cards.first.locator(".exchange-about").get_attribute("dir") == "rtl"

    # He writes to her; her address is nowhere on his pages before she answers.
    cards.first.locator("a.button").click()
    yazan.wait_for_load_state()
    assert_accessible(yazan)
    yazan.fill("#id_message", MESSAGE)
    yazan.click("main form button[type=submit]")
    yazan.wait_for_load_state()
    assert "nourhan@example.org" not in yazan.content()
    assert_accessible(yazan)

    # Nourhan accepts on a desktop, in English, and sees his address.
    mentor = log_in("nourhan@example.org", language="en", viewport=DESKTOP)
    mentor.goto("/en/exchange/contacts/")
    assert MESSAGE in mentor.locator(".contact-message").inner_text()
    assert "yazan@example.org" not in mentor.content()
    assert_accessible(mentor)
    mentor.click("form[action$='/accept/'] button")
    mentor.wait_for_load_state()
    assert ContactRequest.objects.get().status == ContactRequest.Status.ACCEPTED
    assert "yazan@example.org" in mentor.content()

    # Now Yazan sees hers.
    yazan.goto("/ar/exchange/contacts/?box=sent")
    assert "nourhan@example.org" in yazan.content()

    # The directory, for anyone, in Korean.
    yazan.goto("/ko/exchange/?capacity=fundraising")
    assert yazan.locator(".exchange-card").count() == 3  # Nourhan, Jonas, and Yazan who wants it
    assert_accessible(yazan)
