"""Survey pages: my surveys, the questionnaire behind each invitation, one answer per person and survey."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from capacity.models import CapacityCategory
from evaluation.models import Measurement, SurveyInvitation, SurveyKind, SurveyRating, SurveyResponse
from evaluation.surveys import invitations_schedule
from programs.models import Enrollment
from tests.factories import ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories():
    return [CapacityCategory.objects.get(slug=slug) for slug in ("public-speaking", "governance")]


@pytest.fixture
def program(organization, categories):
    return ProgramFactory(provider=organization, original_title="Wikidata basics", categories=categories)


def invite(program, person, kind=SurveyKind.POST):
    """An invitation of `kind` for `person` about a session of `program` that fits the kind."""
    now = timezone.now()
    if kind == SurveyKind.PRE:
        session = SessionFactory(program=program, starts_at=now + timedelta(days=5))
        status = Enrollment.Status.ENROLLED
    else:
        session = SessionFactory(
            program=program, starts_at=now - timedelta(days=200), ends_at=now - timedelta(days=199)
        )
        status = Enrollment.Status.COMPLETED
    enrollment = Enrollment.objects.create(user=person, session=session, status=status)
    return SurveyInvitation.objects.create(enrollment=enrollment, kind=kind, due_at=now - timedelta(minutes=1))


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def answer_url(invitation):
    return reverse("surveys:answer", kwargs={"token": invitation.token})


def post_answers(categories, **extra):
    return {
        **{f"rating_{category.pk}": "4" for category in categories},
        "satisfaction": "5",
        "comments": "Very useful.",
        **extra,
    }


# --- permissions -------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_log_in(program, volunteer):
    invitation = invite(program, volunteer)
    for url in (reverse("surveys:mine"), answer_url(invitation)):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["other_person", "staff", "other_staff", "steward"])
def test_only_the_invited_person_opens_the_survey_the_token_alone_is_not_enough(
    request, program, volunteer, categories, persona
):
    invitation = invite(program, volunteer)
    someone = UserFactory() if persona == "other_person" else request.getfixturevalue(persona)
    client = client_for(someone)
    assert client.get(answer_url(invitation)).status_code == 404
    assert client.post(answer_url(invitation), post_answers(categories)).status_code == 404
    assert client.get(reverse("surveys:thanks", kwargs={"token": invitation.token})).status_code == 404
    assert not SurveyResponse.objects.exists()
    assert client_for(volunteer).get(answer_url(invitation)).status_code == 200


def test_an_unknown_or_absurd_token_is_not_found(volunteer):
    client = client_for(volunteer)
    for token in ("nope", "x" * 500, "%00", "a%00b", "' OR 1=1 --", "%E2%80%AE"):
        assert client.get(f"/en/surveys/{token}/").status_code == 404


def test_wrong_methods_are_refused(program, volunteer):
    invitation = invite(program, volunteer)
    client = client_for(volunteer)
    assert client.post(reverse("surveys:mine")).status_code == 405
    assert client.put(answer_url(invitation)).status_code == 405
    assert client.delete(answer_url(invitation)).status_code == 405
    assert client.post(reverse("surveys:thanks", kwargs={"token": invitation.token})).status_code == 405


# --- the questionnaire ---------------------------------------------------------------------


def test_the_post_survey_asks_a_rating_per_capacity_and_satisfaction(program, volunteer, categories):
    invitation = invite(program, volunteer)
    html = client_for(volunteer).get(answer_url(invitation)).content.decode()
    for category in categories:
        assert f'name="rating_{category.pk}"' in html
        assert f'<label for="id_rating_{category.pk}_0">1</label>' in html
    assert html.count("<fieldset") == len(categories) + 1
    assert html.count("<legend") == len(categories) + 1
    assert 'name="satisfaction"' in html
    assert 'name="still_active"' not in html
    assert 'lang="en" dir="ltr">Wikidata basics</span>' in html
    assert 'maxlength="3000"' in html


def test_a_follow_up_asks_about_activity_and_use_not_ratings(program, volunteer):
    invitation = invite(program, volunteer, kind=SurveyKind.FOLLOW_UP_6)
    html = client_for(volunteer).get(answer_url(invitation)).content.decode()
    assert 'name="still_active"' in html
    assert 'name="using_learning"' in html
    assert "rating_" not in html
    assert 'name="satisfaction"' not in html


def test_an_arabic_reader_sees_the_page_right_to_left_and_the_title_in_its_language(program, volunteer):
    invitation = invite(program, volunteer)
    response = client_for(volunteer).get(f"/ar/surveys/{invitation.token}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in html
    assert 'lang="en" dir="ltr">Wikidata basics</span>' in html


def test_answering_saves_one_response_measures_it_and_thanks_the_person(program, volunteer, categories):
    invitation = invite(program, volunteer)
    client = client_for(volunteer)
    response = client.post(answer_url(invitation), post_answers(categories))
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:thanks", kwargs={"token": invitation.token})
    assert client.get(response["Location"]).status_code == 200

    saved = SurveyResponse.objects.get()
    assert saved.satisfaction == 5
    assert saved.comments == "Very useful."
    assert saved.language == "en"
    assert sorted(saved.ratings.values_list("category_id", "rating")) == sorted((c.pk, 4) for c in categories)
    invitation.refresh_from_db()
    assert invitation.responded_at is not None
    assert Measurement.objects.filter(
        source="survey_response", source_id=saved.pk, indicator__code="satisfaction", value=5
    ).exists()


def test_a_pre_and_a_post_answer_become_a_capacity_gain(program, volunteer, categories):
    pre = invite(program, volunteer, kind=SurveyKind.PRE)
    post = SurveyInvitation.objects.create(enrollment=pre.enrollment, kind=SurveyKind.POST, due_at=timezone.now())
    client = client_for(volunteer)
    client.post(answer_url(pre), {f"rating_{category.pk}": "2" for category in categories})
    # The session has taken place meanwhile: the post-session survey is answered after it.
    pre.enrollment.session.__class__.objects.filter(pk=pre.enrollment.session_id).update(
        starts_at=timezone.now() - timedelta(days=1), ends_at=timezone.now() - timedelta(hours=20)
    )
    client.post(answer_url(post), post_answers(categories))
    gains = Measurement.objects.filter(indicator__code="capacity_gain", category__isnull=False).values_list(
        "category_id", "value"
    )
    assert sorted(gains) == sorted((category.pk, 2) for category in categories)
    summary = Measurement.objects.get(indicator__code="capacity_gain", category__isnull=True)
    assert (summary.value, summary.people) == (2, 1)


def test_a_follow_up_answer_becomes_retention(program, volunteer):
    invitation = invite(program, volunteer, kind=SurveyKind.FOLLOW_UP_3)
    response = client_for(volunteer).post(
        answer_url(invitation), {"still_active": "yes", "using_learning": "often", "comments": ""}
    )
    assert response.status_code == 302
    saved = SurveyResponse.objects.get()
    assert saved.still_active is True
    assert saved.using_learning == "often"
    assert Measurement.objects.filter(indicator__code="retention_3m", numerator=1, denominator=1).exists()


def test_a_second_submission_is_refused_and_changes_nothing(program, volunteer, categories):
    invitation = invite(program, volunteer)
    client = client_for(volunteer)
    client.post(answer_url(invitation), post_answers(categories))
    again = client.post(answer_url(invitation), post_answers(categories, satisfaction="1", comments="Changed my mind"))
    assert again.status_code == 200
    assert "You already answered this survey" in again.content.decode()
    assert SurveyResponse.objects.count() == 1
    assert SurveyResponse.objects.get().satisfaction == 5
    assert "You already answered this survey" in client.get(answer_url(invitation)).content.decode()
    assert SurveyRating.objects.count() == len(categories)


def test_the_service_refuses_a_second_answer_with_a_clear_message(program, volunteer, categories):
    from django.core.exceptions import ValidationError

    from evaluation.surveys import survey_respond

    invitation = invite(program, volunteer)
    data = {"ratings": {categories[0].pk: 3}, "satisfaction": 4, "comments": ""}
    survey_respond(invitation=invitation, user=volunteer, data=data)
    stale = SurveyInvitation.objects.get(pk=invitation.pk)
    stale.responded_at = None  # as a second browser tab still believes
    with pytest.raises(ValidationError, match="already answered"):
        survey_respond(invitation=stale, user=volunteer, data=data)
    with pytest.raises(ValidationError, match="not yours"):
        survey_respond(invitation=invite(program, UserFactory()), user=volunteer, data=data)
    assert SurveyResponse.objects.count() == 1


def test_a_pre_survey_closes_when_the_session_starts(program, volunteer, categories):
    invitation = invite(program, volunteer, kind=SurveyKind.PRE)
    type(invitation.enrollment.session).objects.filter(pk=invitation.enrollment.session_id).update(
        starts_at=timezone.now() - timedelta(minutes=5)
    )
    client = client_for(volunteer)
    response = client.post(answer_url(invitation), {f"rating_{category.pk}": "3" for category in categories})
    assert response.status_code == 200
    assert "closed when the session started" in response.content.decode()
    assert not SurveyResponse.objects.exists()


# --- hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["0", "6", "x", "", "3.5", "-1", "99999999999999999999", "4\x00"])
def test_a_rating_outside_1_to_5_is_a_form_error_and_saves_nothing(program, volunteer, categories, bad):
    invitation = invite(program, volunteer)
    response = client_for(volunteer).post(answer_url(invitation), post_answers(categories, satisfaction=bad))
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert not SurveyResponse.objects.exists()
    invitation.refresh_from_db()
    assert invitation.responded_at is None


def test_errors_are_translated(program, volunteer, categories):
    from django.utils import translation
    from django.utils.translation import gettext

    invitation = invite(program, volunteer)
    english = client_for(volunteer).post(answer_url(invitation), {}).content.decode()
    assert "Choose a rating from 1 to 5." in english
    korean = client_for(volunteer).post(f"/ko/surveys/{invitation.token}/", {"satisfaction": "x"}).content.decode()
    with translation.override("ko"):
        required = gettext("Choose a rating from 1 to 5.")
        invalid = gettext("Select a valid choice. %(value)s is not one of the available choices.") % {"value": "x"}
    assert invalid != "Select a valid choice. x is not one of the available choices."
    assert invalid in korean
    assert required in korean
    assert not SurveyResponse.objects.exists()


def test_a_rating_for_a_capacity_the_program_does_not_teach_is_ignored(program, volunteer, categories):
    invitation = invite(program, volunteer)
    foreign = CapacityCategory.objects.exclude(pk__in=[c.pk for c in categories]).first()
    data = post_answers(categories, **{f"rating_{foreign.pk}": "5", "rating_999999999": "5", "rating_abc": "5"})
    assert client_for(volunteer).post(answer_url(invitation), data).status_code == 302
    assert not SurveyRating.objects.filter(category=foreign).exists()
    assert SurveyRating.objects.count() == len(categories)


def test_the_service_refuses_a_capacity_the_program_does_not_teach(program, volunteer, categories):
    from django.core.exceptions import ValidationError

    from evaluation.surveys import survey_respond

    invitation = invite(program, volunteer)
    foreign = CapacityCategory.objects.exclude(pk__in=[c.pk for c in categories]).first()
    with pytest.raises(ValidationError):
        survey_respond(invitation=invitation, user=volunteer, data={"ratings": {foreign.pk: 3}, "satisfaction": 3})
    with pytest.raises(ValidationError):
        survey_respond(
            invitation=invitation, user=volunteer, data={"ratings": {categories[0].pk: 9}, "satisfaction": 3}
        )
    assert not SurveyResponse.objects.exists()


def test_ten_kilobytes_of_comments_are_refused_with_a_reason(program, volunteer, categories):
    invitation = invite(program, volunteer)
    response = client_for(volunteer).post(answer_url(invitation), post_answers(categories, comments="a" * 10_000))
    assert response.status_code == 200
    assert "Keep your comments to 3000 characters" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_line_breaks_count_as_one_character_and_hostile_text_is_shown_as_text(program, volunteer, categories):
    invitation = invite(program, volunteer)
    # 1500 CR LF pairs: 3000 characters as the browser counts them, 3000 saved.
    client = client_for(volunteer)
    assert client.post(answer_url(invitation), post_answers(categories, comments="a\r\n" * 1000)).status_code == 302
    assert SurveyResponse.objects.get().comments == ("a\n" * 1000).strip()
    other = invite(program, volunteer)
    hostile = "<script>alert(1)</script>\r\n\u202eevil"
    response = client.post(answer_url(other), post_answers(categories, comments=hostile, satisfaction="9"))
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


# --- my surveys ---------------------------------------------------------------------------------


def test_my_surveys_starts_empty(volunteer):
    html = client_for(volunteer).get(reverse("surveys:mine")).content.decode()
    assert "No survey is waiting for you." in html
    assert "Surveys you answer appear here." in html


def test_my_surveys_lists_my_pending_and_answered_surveys_only(program, volunteer, categories):
    pending = invite(program, volunteer)
    answered = invite(program, volunteer, kind=SurveyKind.FOLLOW_UP_3)
    client = client_for(volunteer)
    client.post(answer_url(answered), {"still_active": "no", "using_learning": "no"})
    someone_elses = invite(program, UserFactory())
    html = client.get(reverse("surveys:mine")).content.decode()
    assert answer_url(pending) in html
    assert answer_url(answered) not in html
    assert "Three months later" in html
    assert "Answered on" in html
    assert someone_elses.token not in html


def test_surveys_scheduled_by_the_job_appear_in_the_list(program, volunteer):
    session = SessionFactory(program=program, starts_at=timezone.now() + timedelta(days=3))
    Enrollment.objects.create(user=volunteer, session=session, status=Enrollment.Status.ENROLLED)
    invitations_schedule(now=timezone.now())
    invitation = SurveyInvitation.objects.get()
    assert answer_url(invitation) in client_for(volunteer).get(reverse("surveys:mine")).content.decode()


@pytest.mark.parametrize("count", [1, 12])
def test_my_surveys_runs_a_fixed_number_of_queries(
    program, volunteer, categories, count, django_assert_max_num_queries
):
    for index in range(count):
        invitation = invite(ProgramFactory(categories=categories), volunteer)
        if index % 2:
            invitation.responded_at = timezone.now()
            invitation.save()
    client = client_for(volunteer)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("surveys:mine"))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "page,shown", [("", 20), ("2", 5), ("999", 5), ("abc", 20), ("-1", 5), ("99999999999999999999", 5)]
)
def test_answered_surveys_come_twenty_a_page_and_any_page_number_is_a_page(program, volunteer, page, shown):
    for _ in range(25):
        invitation = invite(program, volunteer)
        invitation.responded_at = timezone.now()
        invitation.save()
    response = client_for(volunteer).get(reverse("surveys:mine"), {"page": page} if page else {})
    assert response.status_code == 200
    assert len(response.context["answered"]) == shown
    assert response.context["page"].paginator.count == 25


def test_an_answer_saved_without_measuring_gets_the_same_rows_from_the_next_sync(program, volunteer, categories):
    """The demo answers thousands of surveys with measure=False and runs one full sync: the same rows as measuring each."""
    from evaluation.measurements import measurements_sync
    from evaluation.models import Measurement, Source
    from evaluation.surveys import survey_respond

    def rows():
        return sorted(
            Measurement.objects.filter(source=Source.SURVEY_RESPONSE).values_list(
                "indicator__code", "value", "numerator", "denominator", "people", "date", "category_id", "program_id"
            ),
            key=repr,
        )

    data = {"ratings": {categories[0].pk: 3}, "satisfaction": 4, "comments": ""}
    measured = survey_respond(invitation=invite(program, volunteer), user=volunteer, data=data)
    expected = rows()
    assert expected
    Measurement.objects.all().delete()
    SurveyResponse.objects.filter(pk=measured.pk).delete()
    survey_respond(invitation=invite(program, volunteer), user=volunteer, data=data, measure=False)
    assert rows() == []
    measurements_sync(now=timezone.now(), full=True)
    assert rows() == expected


@pytest.mark.parametrize("rated", [1, 5])
def test_an_answer_costs_the_same_few_queries_however_many_capacities_it_rates(
    program, volunteer, rated, django_assert_max_num_queries
):
    """Django's full_clean would ask the database again, per rating, what is settled already (its capacity, its once, its 1–5)."""
    from evaluation.surveys import survey_respond

    categories = list(CapacityCategory.objects.order_by("pk")[:rated])
    program.categories.set(categories)
    invitation = invite(program, volunteer)
    data = {"ratings": {category.pk: 4 for category in categories}, "satisfaction": 5, "comments": "Merci"}
    # The invitation locked (with its program), its answer looked for, the capacities taught, the answer saved
    # (in a savepoint), its ratings in one insert, the invitation marked answered.
    with django_assert_max_num_queries(10):
        survey_respond(invitation=invitation, user=volunteer, data=data, measure=False)
    assert SurveyRating.objects.filter(response__invitation=invitation).count() == rated
