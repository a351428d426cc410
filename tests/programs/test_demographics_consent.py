"""Demographics are kept only with a person's explicit consent, and erased when they withdraw it."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from programs import services
from programs.models import PersonDemographics
from stakeholders.personal_data import everything_about

URL = "/en/me/demographics/"


@pytest.fixture
def signed_in(client, volunteer):
    client.force_login(volunteer)
    return client


def test_answers_without_the_consent_box_store_nothing_and_say_why(signed_in, volunteer):
    response = signed_in.post(URL, {"gender": "woman", "age": "25_34"})
    assert response.status_code == 400
    assert "Nothing was saved: tick the box" in response.content.decode()
    assert not PersonDemographics.objects.exists()


def test_answers_with_consent_are_kept_with_the_moment_of_consent(signed_in, volunteer):
    response = signed_in.post(URL, {"gender": "non_binary", "age": "", "consent": "on"})
    assert response.status_code == 302
    stored = PersonDemographics.objects.get(user=volunteer)
    assert (stored.gender, stored.age) == ("non_binary", "")
    assert stored.consented_at <= timezone.now()


def test_prefer_not_to_say_is_an_answer(signed_in, volunteer):
    assert signed_in.post(URL, {"gender": "prefer_not", "consent": "on"}).status_code == 302
    assert PersonDemographics.objects.get(user=volunteer).gender == "prefer_not"


def test_consent_with_no_answer_at_all_stores_nothing(signed_in):
    response = signed_in.post(URL, {"consent": "on"})
    assert response.status_code == 400
    assert not PersonDemographics.objects.exists()


def test_an_answer_outside_the_choices_is_refused(signed_in):
    response = signed_in.post(URL, {"gender": "not_answered\r\nX", "consent": "on"})
    assert response.status_code == 400
    assert not PersonDemographics.objects.exists()


def test_withdrawing_consent_erases_the_answers(signed_in, volunteer):
    services.person_demographics_save(user=volunteer, data={"consent": True, "age": "18_24"})
    response = signed_in.post(URL, {"action": "withdraw"})
    assert response.status_code == 302
    assert not PersonDemographics.objects.exists()
    assert "Your consent is withdrawn" in signed_in.get(URL).content.decode()


def test_the_service_refuses_without_consent_whatever_the_caller(volunteer):
    with pytest.raises(ValidationError):
        services.person_demographics_save(user=volunteer, data={"gender": "man", "consent": False})
    assert not PersonDemographics.objects.exists()


def test_there_is_no_history_table_that_would_keep_a_copy():
    assert not hasattr(PersonDemographics, "history")


def test_the_export_includes_the_answers_and_the_date_of_consent(volunteer):
    services.person_demographics_save(user=volunteer, data={"consent": True, "gender": "woman"})
    exported = everything_about(volunteer)["demographics"]
    assert exported["gender"] == "woman"
    assert exported["age_band"] is None
    assert exported["consent_given"]


def test_the_page_shows_the_stored_answers_and_the_consent_date(signed_in, volunteer):
    services.person_demographics_save(user=volunteer, data={"consent": True, "gender": "woman"})
    page = signed_in.get(URL).content.decode()
    assert '<option value="woman" selected>' in page
    assert "You gave your consent on" in page


def test_the_page_is_for_signed_in_people_only(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _participants_sharing(session, count, gender):
    from programs.models import Enrollment
    from tests.factories import UserFactory

    for _ in range(count):
        person = UserFactory()
        Enrollment.objects.create(user=person, session=session, status="completed", attendance="attended")
        services.person_demographics_save(user=person, data={"consent": True, "gender": gender})


def test_the_report_page_counts_shared_demographics_only_from_the_privacy_threshold(
    client, staff, past_session, settings
):
    settings.K_ANONYMITY_DEMOGRAPHIC = 3
    client.force_login(staff)
    report_url = f"/en/workspace/sessions/{past_session.pk}/report/"
    _participants_sharing(past_session, 2, "woman")
    assert "shared their demographics" not in client.get(report_url).content.decode()
    _participants_sharing(past_session, 2, "man")
    _participants_sharing(past_session, 1, "non_binary")
    page = client.get(report_url).content.decode()
    assert "5 participants shared their demographics" in page
    # One non-binary person would stand out, and subtracting the others from the total
    # would find them again: the smallest shown answer joins them, so neither is shown.
    assert '<th scope="row">Woman</th><td class="number">2</td>' not in page
    assert '<th scope="row">Non-binary</th>' not in page
    assert "Other answers together" in page
