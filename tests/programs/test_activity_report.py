"""Writing a session's activity report on its page: who may, what is checked, what is shown."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from programs import services
from programs.models import ActivityReport
from tests.factories import ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def report_url(session):
    return f"/en/workspace/sessions/{session.pk}/report/"


def form_data(**changes):
    """What a person types into the form: 20 participants, gender asked and answered by 17."""
    data = {
        "participants": "20",
        "newcomers": "8",
        "facilitators": "2",
        "hours_of_learning": "54.5",
        "pages_created": "12",
        "pages_improved": "30",
        "files_uploaded": "4",
        "evidence_url": "https://ko.wikipedia.org/wiki/위키백과:모임",
        "notes": "첫 모임 — the venue's wifi failed for an hour.",
        "gender_asked": "on",
        "gender_woman": "9",
        "gender_man": "6",
        "gender_non_binary": "1",
        "gender_prefer_not": "1",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_staff_write_a_report_and_see_it_with_who_submitted_it(client, staff, past_session):
    client.force_login(staff)
    response = client.post(report_url(past_session), form_data())
    assert response.status_code == 302 and response["Location"] == report_url(past_session)
    report = ActivityReport.objects.get(session=past_session)
    assert (report.participants, report.newcomers, report.hours_of_learning) == (20, 8, Decimal("54.5"))
    assert (report.gender_woman, report.gender_prefer_not, report.gender_not_answered) == (9, 1, 3)
    assert not report.age_asked and report.age_not_answered == 0
    assert report.submitted_by == staff
    page = client.get(report_url(past_session)).content.decode()
    assert "The activity report is saved." in page
    assert "Reported by staff" in page or f"Reported by {staff.public_name}" in page
    assert "<caption>Gender</caption>" in page
    assert "첫 모임" in page


@pytest.mark.parametrize("persona", ["affiliate_admin", "steward"])
def test_admins_and_stewards_write_reports_too(client, request, past_session, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(report_url(past_session)).status_code == 200
    assert client.post(report_url(past_session), form_data()).status_code == 302
    assert ActivityReport.objects.filter(session=past_session).exists()


def test_the_form_says_that_not_answered_is_computed(client, staff, past_session):
    services.report_save(session=past_session, values={"participants": 10, "age_asked": True, "age_25_34": 6})
    client.force_login(staff)
    page = client.get(report_url(past_session)).content.decode()
    assert "“Not answered” is computed" in page
    assert 'data-for="age">4</output>' in page
    assert 'name="age_not_answered"' not in page


def test_the_saved_figures_fill_the_form_for_a_change(client, staff, past_session):
    services.report_save(session=past_session, values={"participants": 14, "pages_created": 3}, by=staff)
    client.force_login(staff)
    page = client.get(report_url(past_session)).content.decode()
    assert 'name="participants" value="14"' in page
    assert "Change the report" in page


def test_saving_the_same_figures_again_writes_nothing(client, staff, past_session):
    client.force_login(staff)
    client.post(report_url(past_session), form_data())
    report = ActivityReport.objects.get(session=past_session)
    client.post(report_url(past_session), form_data())
    assert report.history.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # 9 + 6 + 1 + 1 + 4 answers from 20 participants.
        ({"gender_another": "4"}, "The answers add up to 21, more than the 20 participants."),
        ({"newcomers": "21"}, "Newcomers cannot be more than the participants."),
        # 20 people in a three-hour session cannot learn for 61 hours.
        ({"hours_of_learning": "61"}, "more than 20 participants could spend in a session of 3.0 hours"),
        ({"participants": "0", "newcomers": "0", "gender_asked": None, "hours_of_learning": "2"}, "no participants"),
        (
            {"age_25_34": "3"},
            "There are counts for a question that was not asked; tick it as asked or clear the counts.",
        ),
    ],
)
def test_inconsistent_figures_are_shown_next_to_the_fields_and_nothing_is_saved(
    client, staff, past_session, changes, message
):
    client.force_login(staff)
    response = client.post(report_url(past_session), form_data(**changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "The report is not saved" in page
    assert 'aria-invalid="true"' in page or 'class="errorlist' in page
    assert not ActivityReport.objects.filter(session=past_session).exists()


def test_the_breakdown_error_is_shown_in_its_question(client, staff, past_session):
    client.force_login(staff)
    page = client.post(report_url(past_session), form_data(gender_another="4")).content.decode()
    fieldset = page[page.index('data-dimension="gender"') : page.index('data-dimension="age"')]
    assert "The answers add up to 21" in fieldset


HOSTILE = [
    {"participants": ""},
    {"participants": "-1"},
    {"participants": "1e5"},
    {"participants": "9" * 400},
    {"hours_of_learning": "NaN"},
    {"hours_of_learning": "Infinity"},
    {"hours_of_learning": "1" * 60},
    {"hours_of_learning": "0.05"},
    {"gender_woman": "99999999999999999999"},
    {"evidence_url": "javascript:alert(1)"},
    {"evidence_url": "https://example.org/\r\nSet-Cookie: x=1"},
    {"evidence_url": "https://" + "a" * 300 + ".org/"},
    {"notes": "x" * 5001},
    {"notes": "nul \x00 inside"},
    {"gender_asked": "maybe", "gender_woman": "x"},
]


@pytest.mark.parametrize("changes", HOSTILE, ids=[next(iter(changes)) for changes in HOSTILE])
def test_hostile_input_gets_a_message_not_an_error_page(client, staff, past_session, changes):
    client.force_login(staff)
    response = client.post(report_url(past_session), form_data(**changes))
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not ActivityReport.objects.filter(session=past_session).exists()


def test_digits_typed_on_an_arabic_keyboard_are_numbers(client, staff, past_session):
    client.force_login(staff)
    client.post(report_url(past_session), form_data(participants="٢٠", newcomers="٨"))
    assert ActivityReport.objects.values_list("participants", "newcomers").get(session=past_session) == (20, 8)


def test_a_cancelled_session_shows_why_instead_of_the_form(client, staff, program):
    start = timezone.now() - timedelta(hours=1)
    session = SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=3), is_cancelled=True)
    client.force_login(staff)
    page = client.get(report_url(session)).content.decode()
    assert "The session was cancelled, so there is nothing to report." in page
    assert 'name="participants"' not in page
    response = client.post(report_url(session), form_data())
    assert response.status_code == 200
    assert not ActivityReport.objects.filter(session=session).exists()


def test_a_session_still_to_come_shows_why_instead_of_the_form(client, staff, session):
    client.force_login(staff)
    page = client.get(report_url(session)).content.decode()
    assert "A report can be written once the session has started." in page
    assert 'name="participants"' not in page
    client.post(report_url(session), form_data())
    assert not ActivityReport.objects.filter(session=session).exists()


def test_the_participant_list_links_to_the_report(client, staff, past_session):
    client.force_login(staff)
    page = client.get(f"/en/programs/{past_session.program.slug}/sessions/{past_session.pk}/participants/")
    assert report_url(past_session) in page.content.decode()


@pytest.mark.parametrize("persona", ["volunteer", "other_staff", "funder"])
def test_people_who_do_not_run_the_session_get_403(client, request, past_session, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(report_url(past_session)).status_code == 403
    assert client.post(report_url(past_session), form_data()).status_code == 403
    assert not ActivityReport.objects.exists()


def test_a_plain_member_of_the_organization_gets_403(client, organization, past_session):
    from stakeholders.models import Membership
    from tests.factories import MembershipFactory

    member = MembershipFactory(organization=organization, role=Membership.Role.MEMBER).user
    client.force_login(member)
    assert client.get(report_url(past_session)).status_code == 403


def test_anonymous_people_are_sent_to_log_in(client, past_session):
    response = client.get(report_url(past_session))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_draft_programs_report_is_not_found_by_outsiders(client, other_staff, organization):
    draft = ProgramFactory(provider=organization, is_published=False)
    session = SessionFactory(program=draft, starts_at=timezone.now() - timedelta(days=1))
    client.force_login(other_staff)
    assert client.get(report_url(session)).status_code == 404


def test_an_unknown_session_is_not_found(client, staff):
    client.force_login(staff)
    assert client.get("/en/workspace/sessions/999999999/report/").status_code == 404


def test_other_methods_are_refused(client, staff, past_session):
    client.force_login(staff)
    assert client.put(report_url(past_session)).status_code == 405
    assert client.delete(report_url(past_session)).status_code == 405


@pytest.mark.parametrize("language", ["ko", "ar"])
def test_the_page_speaks_the_readers_language(client, staff, past_session, language):
    services.report_save(session=past_session, values={"participants": 5, "gender_asked": True, "gender_woman": 5})
    client.force_login(staff)
    page = client.get(f"/{language}/workspace/sessions/{past_session.pk}/report/").content.decode()
    assert f'lang="{language}"' in page


def test_the_report_page_costs_the_same_queries_however_many_people(
    client, staff, past_session, django_assert_max_num_queries
):
    services.report_save(
        session=past_session,
        values={"participants": 20, "gender_asked": True, "gender_woman": 10, "age_asked": True, "age_18_24": 4},
        by=staff,
    )
    client.force_login(staff)
    queries = {}
    for facilitators in (1, 12):
        past_session.facilitators.set([UserFactory() for _ in range(facilitators)])
        with django_assert_max_num_queries(12) as captured:
            assert client.get(report_url(past_session)).status_code == 200
        queries[facilitators] = len(captured)
    assert queries[1] == queries[12], queries
