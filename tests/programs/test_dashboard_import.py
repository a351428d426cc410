"""Importing a Programs & Events Dashboard course CSV into a session's activity report."""

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from programs import services
from programs.dashboard import COLUMNS, DashboardFileError, parse_course_csv
from programs.models import ActivityReport
from tests.factories import ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "data" / "dashboard-course.csv"
COURSE = "Wikimedians_of_Lagos_User_Group/Yoruba_Edit-a-thon,_Women_in_Science_(2026)"


def sample_row():
    with FIXTURE.open(encoding="utf-8", newline="") as file:
        return next(csv.DictReader(file))


def course_file(*rows, header=COLUMNS, encoding="utf-8", line_end="\r\n"):
    """A course CSV as the Dashboard writes it; each row is the sample with some cells changed."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator=line_end)
    writer.writerow(header)
    for changes in rows or ({},):
        row = {**sample_row(), **changes}
        writer.writerow([row.get(column, "") for column in header])
    return text.getvalue().encode(encoding)


@pytest.fixture
def linked_session(program):
    """A session that took place two days ago, linked to the sample's Dashboard course."""
    start = timezone.now() - timedelta(days=2)
    return SessionFactory(
        program=program, starts_at=start, ends_at=start + timedelta(hours=6), dashboard_course=COURSE, seats=40
    )


def import_url(session):
    return f"/en/workspace/sessions/{session.pk}/report/dashboard/"


def report_url(session):
    return f"/en/workspace/sessions/{session.pk}/report/"


def upload(client, session, data, name="course.csv"):
    return client.post(import_url(session), {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


# --- reading the file ----------------------------------------------------------------------


def test_the_sample_course_file_reads_with_every_value_converted():
    course = parse_course_csv(FIXTURE.read_bytes(), course_slug=COURSE)
    assert course["course_slug"] == COURSE
    assert course["title"] == "Yoruba Edit-a-thon, Women in Science"
    assert (course["editors"], course["new_editors"], course["bytes_added"], course["upload_count"]) == (
        23,
        14,
        182340,
        9,
    )
    assert course["start_date"] == datetime(2026, 3, 7, tzinfo=UTC)
    assert course["training_completion_rate"] == pytest.approx(0.7391, abs=1e-4)


def test_a_byte_order_mark_crlf_lines_and_an_empty_completion_rate_are_fine():
    data = "\ufeff".encode() + course_file({"training_completion_rate": ""})
    course = parse_course_csv(data, course_slug=COURSE)
    assert course["training_completion_rate"] is None
    assert course["course_slug"] == COURSE


@pytest.mark.parametrize(
    "title",
    [
        '위키데이터 "기초", 서울 편집행사',
        'ورشة "ويكي بيانات"، القاهرة, 2026',
        '=HYPERLINK("http://example.org"),"quoted"',
    ],
)
def test_titles_in_any_script_with_commas_and_quotes_are_read_as_written(title):
    assert parse_course_csv(course_file({"title": title}), course_slug=COURSE)["title"] == title


def test_the_row_of_the_linked_course_is_picked_from_a_file_of_several():
    other = "Another_Group/Other_event_(2026)"
    data = course_file({"course_slug": other, "editors": "5", "new_editors": "1"}, {})
    assert parse_course_csv(data, course_slug=COURSE)["editors"] == 23
    assert parse_course_csv(data, course_slug=other)["editors"] == 5


def problems_of(data, course_slug=COURSE):
    with pytest.raises(DashboardFileError) as refused:
        parse_course_csv(data, course_slug=course_slug)
    return " ".join(str(problem) for problem in refused.value.problems)


NASTY_FILES = {
    "empty": (b"", "The file is empty."),
    "blank lines": (b"\r\n\r\n  \n", "The file is empty."),
    "only a byte order mark": ("\ufeff".encode(), "The file is empty."),
    "binary": (bytes(range(256)) * 4, "is not UTF-8 text"),
    "a PNG image": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "is not UTF-8 text"),
    "an Excel workbook": (b"PK\x03\x04" + b"\x14\x00" * 40, "spreadsheet workbook"),
    "NUL characters": (b"course_slug\x00,title\n", "NUL"),
    "Latin-1": (course_file({"title": "Édition été"}, encoding="latin-1"), "Line 2 is not UTF-8 text"),
    "header only": (",".join(COLUMNS).encode() + b"\r\n", "no course row"),
    "a missing column": (
        course_file(header=[column for column in COLUMNS if column != "editors"]),
        "lacks these columns: “editors”",
    ),
    "an unknown column": (course_file(header=[*COLUMNS, "participants"]), "does not have: “participants”"),
    "a column twice": (course_file(header=[*COLUMNS, "editors"]), "more than once: “editors”"),
    "another tool's file": (b"name,email\nAda,ada@example.org\n", "lacks these columns"),
    "a row longer than the header": (
        course_file() + b"x" + b",1" * len(COLUMNS) + b"\r\n",
        "Row 3 has 25 cells but the header has 24 columns",
    ),
    "a cell past the csv module's limit": (
        course_file({"title": "x" * 200_000}),
        "a cell is far too long",
    ),
    "a huge title": (course_file({"title": "위" * 5000}), "Row 2, column title: the cell is longer than 1000"),
    "an unclosed quote": (course_file() + b'"' + b"y" * 140_000, "a quote is never closed"),
    "a negative count": (course_file({"editors": "-3"}), "Row 2, column editors: “-3” is not a whole number"),
    "words for a count": (course_file({"total_edits": "many"}), "Row 2, column total_edits: “many”"),
    "a decimal count": (course_file({"upload_count": "9.5"}), "column upload_count: “9.5”"),
    "digits of another script": (course_file({"editors": "٢٣"}), "column editors: “٢٣”"),
    "an underscore in a number": (course_file({"editors": "1_000"}), "column editors: “1_000”"),
    "an empty count": (course_file({"articles_created": ""}), "column articles_created: the cell is empty"),
    "a count larger than any course": (
        course_file({"references_added": "9" * 30}),
        "column references_added",
    ),
    "a completion rate above 1": (course_file({"training_completion_rate": "1.5"}), "training_completion_rate"),
    "a completion rate that is not a number": (
        course_file({"training_completion_rate": "nan"}),
        "column training_completion_rate: “nan”",
    ),
    "a time in another format": (
        course_file({"start_date": "07/03/2026"}),
        "Row 2, column start_date: “07/03/2026” is not a time",
    ),
    "a date that does not exist": (course_file({"end_date": "2026-02-30 00:00:00 UTC"}), "column end_date"),
    "an unknown instructor kind": (course_file({"new_or_returning": "veteran"}), "column new_or_returning"),
    "more new editors than editors": (
        course_file({"editors": "3", "new_editors": "4"}),
        "column new_editors: 4 new editors are more than the 3 editors",
    ),
    "a course id without its institution": (
        course_file({"course_slug": "no-slash"}),
        "column course_slug: “no-slash” is not a course id",
    ),
    "a course id with a line break": (course_file({"course_slug": "A/B\nC"}), "column course_slug"),
}


@pytest.mark.parametrize("name", NASTY_FILES)
def test_a_nasty_file_is_refused_with_a_message_naming_what_is_wrong(name):
    data, expected = NASTY_FILES[name]
    assert expected in problems_of(data)


def test_every_problem_of_a_row_is_reported_at_once():
    message = problems_of(course_file({"editors": "-1", "total_edits": "x", "end_date": "soon"}))
    assert "column editors" in message and "column total_edits" in message and "column end_date" in message


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings):
    settings.DASHBOARD_CSV_MAX_BYTES = 1024
    assert "The file is larger than 1.0\xa0KB" in problems_of(course_file({"title": "x" * 2000}))


def test_an_upload_over_the_size_limit_is_refused(client, staff, linked_session, settings):
    settings.DASHBOARD_CSV_MAX_BYTES = 1024
    client.force_login(staff)
    response = upload(client, linked_session, course_file({"title": "x" * 2000}))
    assert "The file is larger than" in response.content.decode()
    assert not ActivityReport.objects.filter(session=linked_session).exists()


def test_a_file_of_several_courses_without_the_linked_one_is_refused():
    data = course_file({"course_slug": "A/One"}, {"course_slug": "B/Two"})
    assert "None of the 2 rows" in problems_of(data)
    assert "link the session to its course first" in problems_of(data, course_slug="")
    twice = course_file({}, {})
    assert "Rows 2, 3 are all for the course" in problems_of(twice)


# --- through the report page --------------------------------------------------------------


def test_staff_import_the_course_figures_and_see_them_with_the_import_time(client, staff, linked_session):
    client.force_login(staff)
    response = upload(client, linked_session, FIXTURE.read_bytes())
    assert response.status_code == 302
    report = ActivityReport.objects.get(session=linked_session)
    assert (report.dashboard_editors, report.dashboard_new_editors, report.dashboard_articles_created) == (23, 14, 38)
    assert (report.dashboard_edits, report.dashboard_bytes_added, report.dashboard_uploads) == (497, 182340, 9)
    assert report.dashboard_course == COURSE
    # A session without a report gets one, its participants the Dashboard's editors for now.
    assert report.participants == 23 and report.submitted_by == staff
    page = client.get(report_url(linked_session)).content.decode()
    assert "imported" in page and "182340" in page


def test_importing_the_same_file_again_changes_nothing_but_the_import_time(client, staff, linked_session):
    client.force_login(staff)
    upload(client, linked_session, FIXTURE.read_bytes())
    first = ActivityReport.objects.get(session=linked_session)
    upload(client, linked_session, FIXTURE.read_bytes())
    second = ActivityReport.objects.get(session=linked_session)
    ignored = {"dashboard_imported_at", "updated_at"}
    fields = [field.attname for field in ActivityReport._meta.concrete_fields if field.attname not in ignored]
    assert {name: getattr(first, name) for name in fields} == {name: getattr(second, name) for name in fields}
    assert second.dashboard_imported_at > first.dashboard_imported_at


def test_an_import_keeps_the_figures_staff_reported(client, staff, linked_session):
    services.report_save(session=linked_session, values={"participants": 30, "newcomers": 12}, by=staff)
    client.force_login(staff)
    upload(client, linked_session, FIXTURE.read_bytes())
    report = ActivityReport.objects.get(session=linked_session)
    assert (report.participants, report.newcomers, report.dashboard_editors) == (30, 12, 23)


@pytest.mark.parametrize("name", NASTY_FILES)
def test_a_nasty_upload_shows_the_problem_on_the_page_and_writes_nothing(client, staff, linked_session, name):
    data, _expected = NASTY_FILES[name]
    client.force_login(staff)
    response = upload(client, linked_session, data)
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not ActivityReport.objects.filter(session=linked_session).exists()


def test_a_file_for_another_course_is_refused(client, staff, linked_session):
    client.force_login(staff)
    response = upload(client, linked_session, course_file({"course_slug": "Other_Group/Other_course_(2026)"}))
    assert "This file is for the course Other_Group/Other_course_(2026)" in response.content.decode()
    assert not ActivityReport.objects.filter(session=linked_session).exists()


def test_a_session_not_linked_to_a_course_says_so_instead_of_offering_the_upload(client, staff, linked_session):
    linked_session.dashboard_course = ""
    services.session_save(session=linked_session)
    client.force_login(staff)
    page = client.get(report_url(linked_session)).content.decode()
    assert "not linked to a Dashboard course" in page and 'type="file"' not in page
    response = upload(client, linked_session, FIXTURE.read_bytes())
    assert "Link the session to its Dashboard course" in response.content.decode()
    assert not ActivityReport.objects.filter(session=linked_session).exists()


def test_no_figures_are_imported_before_the_session_starts(client, staff, program):
    session = SessionFactory(program=program, dashboard_course=COURSE)
    client.force_login(staff)
    response = upload(client, session, FIXTURE.read_bytes())
    assert response.status_code == 200
    assert "once the session has started" in response.content.decode()
    assert not ActivityReport.objects.filter(session=session).exists()


def test_an_upload_without_a_file_asks_for_one(client, staff, linked_session):
    client.force_login(staff)
    response = client.post(import_url(linked_session), {})
    assert response.status_code == 200 and "This field is required." in response.content.decode()


@pytest.mark.parametrize("persona", ["volunteer", "other_staff", "funder"])
def test_people_who_do_not_run_the_session_cannot_import(client, request, linked_session, persona):
    client.force_login(request.getfixturevalue(persona))
    assert upload(client, linked_session, FIXTURE.read_bytes()).status_code == 403
    assert not ActivityReport.objects.exists()


def test_anonymous_people_are_sent_to_log_in(client, linked_session):
    response = upload(client, linked_session, FIXTURE.read_bytes())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_draft_programs_session_is_not_found_by_outsiders(client, other_staff, organization):
    draft = ProgramFactory(provider=organization, is_published=False)
    session = SessionFactory(program=draft, dashboard_course=COURSE, starts_at=timezone.now() - timedelta(days=1))
    client.force_login(other_staff)
    assert upload(client, session, FIXTURE.read_bytes()).status_code == 404


def test_the_import_takes_only_post(client, staff, linked_session):
    client.force_login(staff)
    assert client.get(import_url(linked_session)).status_code == 405
