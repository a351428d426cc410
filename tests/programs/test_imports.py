"""Spreadsheet imports without HTTP: reading files, checking rows, applying them all or not at all."""

import io
import time
import zipfile
from datetime import datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programs import imports, services
from programs.imports import CellError, ImportFileError, Outcome
from programs.models import ActivityReport, Certificate, Enrollment, ImportUpload, Session
from tests.factories import ProgramFactory, SessionFactory, UserFactory
from tests.programs.import_files import (
    ATTENDANCE_HEADER,
    attendance_of,
    csv_bytes,
    enroll,
    many_people,
    started_session,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def check(content, *, organization, kind=ImportUpload.Kind.ATTENDANCE):
    return imports.check_table(imports.read_table(content), kind=kind, organization=organization)


def upload_of(content, *, organization, by=None, kind=ImportUpload.Kind.ATTENDANCE):
    return imports.import_upload_create(
        organization=organization, by=by, kind=kind, filename="file.csv", content=content
    )


def errors_of(result):
    return [(error.row, error.column, str(error.message)) for error in result.errors]


@pytest.fixture
def started(program):
    return started_session(program)


@pytest.fixture
def people(started):
    """Three people with a seat in `started`: one Korean, one Arabic name, one plain."""
    users = [
        UserFactory(username="minseo", email="Minseo.Kang@Example.org", display_name="김민서"),
        UserFactory(username="yazan", email="yazan@example.org", display_name="يزن حداد"),
        UserFactory(username="ana", email="ana@example.org"),
    ]
    enroll(started, users)
    return users


# --- reading files ---------------------------------------------------------------------


def test_csv_with_a_byte_order_mark_and_semicolons_reads_like_plain_csv():
    rows = [ATTENDANCE_HEADER, ["12", "김민서", "attended", ""], ["13", "يزن", "no_show", "yes"]]
    plain = imports.read_table(csv_bytes(rows))
    excel = imports.read_table(csv_bytes(rows, delimiter=";", bom=True))
    tabbed = imports.read_table(csv_bytes(rows, delimiter="\t"))
    assert plain == excel == tabbed
    assert plain.columns == ("session_id", "person", "attendance", "completed")
    assert plain.rows[0] == (2, {"session_id": "12", "person": "김민서", "attendance": "attended", "completed": ""})


def test_header_names_ignore_case_spaces_and_hyphens():
    table = imports.read_table(csv_bytes([[" Session ID ", "PERSON", "Attendance", "completed"], ["1", "a", "x", ""]]))
    assert table.columns == ("session_id", "person", "attendance", "completed")


def test_row_numbers_are_the_spreadsheets_even_after_blank_rows():
    content = b"session_id,person,attendance\n1,a,attended\n\n,,\n2,b,no_show\n"
    assert [number for number, _cells in imports.read_table(content).rows] == [2, 5]
    workbook = xlsx_bytes([["session_id", "person", "attendance"], [1, "a", "attended"], [], [], [2, "b", "no_show"]])
    assert [number for number, _cells in imports.read_table(workbook).rows] == [2, 5]


def test_xlsx_cells_arrive_as_numbers_dates_and_text():
    when = datetime(2026, 3, 1, 10, 30)
    table = imports.read_table(xlsx_bytes([["session_id", "person", "attendance"], [12.0, "김민서", when]]))
    cells = table.rows[0][1]
    assert cells["session_id"] == 12
    assert imports.parse_session_id(cells["session_id"]) == 12
    assert isinstance(cells["attendance"], datetime)
    with pytest.raises(CellError):
        imports.parse_attendance(cells["attendance"])
    with pytest.raises(CellError, match="date"):
        imports.parse_whole_number(cells["attendance"])


def test_a_formula_in_a_workbook_is_never_evaluated():
    # openpyxl writes formulas without a cached result; read with values only, the cell is empty.
    table = imports.read_table(
        xlsx_bytes([["session_id", "person", "attendance"], ["=1+1", "=cmd|' /C calc'!A0", "a"]])
    )
    cells = table.rows[0][1]
    assert cells["session_id"] is None and cells["person"] is None


def workbook_with_a_far_cell(cell):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["session_id", "person", "attendance"])
    sheet[cell] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_tiny_workbook_claiming_a_far_column_is_refused_unread():
    # A few kilobytes claiming column XFD would otherwise be read into gigabytes.
    content = workbook_with_a_far_cell("XFD100000")
    assert len(content) < 10_000
    with pytest.raises(ImportFileError, match="16,384 columns"):
        imports.read_table(content)


def test_a_tiny_workbook_claiming_the_last_row_is_refused_once_it_runs_past_the_row_limit(settings):
    settings.IMPORT_MAX_ROWS = 100
    with pytest.raises(ImportFileError, match="runs on past row 201"):
        imports.read_table(workbook_with_a_far_cell("C1048576"))


def test_blank_rows_within_the_limit_keep_the_sheets_numbering(settings):
    settings.IMPORT_MAX_ROWS = 100
    table = imports.read_table(workbook_with_a_far_cell("C150"))
    assert [number for number, _cells in table.rows] == [150]


def test_formula_like_text_in_csv_is_kept_as_plain_text():
    assert imports.parse_text('=HYPERLINK("http://evil.example")') == '=HYPERLINK("http://evil.example")'
    assert imports.parse_text("@SUM(A1)", multiline=True) == "@SUM(A1)"


def damaged_zip():
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return stream.getvalue()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "empty"),
        (bytes(range(256)) * 4, "not UTF-8"),
        (b"\x00\x01\x02binary junk", "control characters"),
        ("session_id,person\n1,José\n".encode("latin-1"), "line 2"),
        ("session_id,person\n1,José\n2,".encode() + "Zoë".encode("latin-1"), "not UTF-8"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (b"PK\x03\x04 this is no zip", "Excel workbook"),
        (damaged_zip(), "Excel workbook"),
        (b"session_id,person,attendance\n1,a,attended,extra\n", "Row 2 has 4 cells"),
        (b"session_id,person,attendance\n1," + b"x" * 200_000 + b",attended\n", "longer than"),
        (b"session_id,person,attendance\n", "no rows"),
        (b"session_id,person,session_id\n1,a,2\n", "appears twice"),
        (b"session_id,,attendance\n1,a,attended\n", "Column B has values but no name"),
        (b",,\n1,2,3\n", "first row must name the columns"),
    ],
    ids=[
        "empty",
        "binary",
        "nul-bytes",
        "latin-1",
        "mixed-encodings",
        "old-xls",
        "fake-xlsx",
        "zip-not-workbook",
        "row-too-wide",
        "huge-cell",
        "header-only",
        "duplicate-column",
        "nameless-column",
        "blank-header",
    ],
)
def test_files_that_cannot_be_read_say_why(content, says):
    with pytest.raises(ImportFileError) as error:
        imports.read_table(content)
    assert says in str(error.value.message)


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 1024
    with pytest.raises(ImportFileError, match="at most 1.0"):
        imports.read_table(b"session_id,person,attendance\n" + b"1,someone,attended\n" * 100)


def test_a_file_over_the_row_limit_is_refused(settings):
    settings.IMPORT_MAX_ROWS = 10
    with pytest.raises(ImportFileError, match="more than 10 rows"):
        imports.read_table(b"session_id,person,attendance\n" + b"1,someone,attended\n" * 11)
    assert len(imports.read_table(b"session_id,person,attendance\n" + b"1,someone,attended\n" * 10).rows) == 10


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_parsing(settings):
    settings.IMPORT_MAX_BYTES = 100_000
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * 3_000_000)
    content = stream.getvalue()
    assert len(content) < settings.IMPORT_MAX_BYTES
    with pytest.raises(ImportFileError, match="unpacks to"):
        imports.read_table(content)


@pytest.mark.parametrize(
    ("header", "says"),
    [
        (["session_id", "person"], "missing: attendance"),
        (["session_id", "person", "attendance", "atendance"], "not known here: “atendance”"),
    ],
)
def test_missing_and_unknown_columns_are_named(organization, header, says):
    with pytest.raises(ImportFileError, match=says):
        check(csv_bytes([header, ["1"] * len(header)]), organization=organization)


# --- attendance ------------------------------------------------------------------------


def test_attendance_rows_say_what_changes_and_the_import_marks_people(organization, staff, started, people):
    minseo, yazan, ana = people
    content = csv_bytes(
        [
            ATTENDANCE_HEADER,
            [started.pk, "minseo", "Attended", ""],
            [started.pk, "YAZAN@example.org", " No Show ", "no"],
            [started.pk, "ana", "not marked", ""],
        ],
        delimiter=";",
        bom=True,
    )
    result = check(content, organization=organization)
    assert not result.errors
    assert [(row.row, row.outcome) for row in result.rows] == [
        (2, Outcome.UPDATE),
        (3, Outcome.UPDATE),
        (4, Outcome.UNCHANGED),
    ]
    assert result.rows[0].person.public_name == "김민서"
    imports.import_upload_commit(upload=upload_of(content, organization=organization), by=staff)
    assert attendance_of(minseo, started) == "attended"
    assert attendance_of(yazan, started) == "no_show"
    assert attendance_of(ana, started) == "unknown"


def test_completed_yes_marks_the_person_completed_with_a_certificate(organization, staff, started, people):
    minseo = people[0]
    content = csv_bytes([ATTENDANCE_HEADER, [started.pk, "minseo", "", "yes"]])
    result = check(content, organization=organization)
    assert [row.outcome for row in result.rows] == [Outcome.UPDATE]
    imports.import_upload_commit(upload=upload_of(content, organization=organization), by=staff)
    enrollment = Enrollment.objects.get(user=minseo, session=started)
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert enrollment.attendance == Enrollment.Attendance.ATTENDED
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.holder_name == "김민서"
    assert certificate.program_title == "Wikidata basics"
    # Again: nothing changes, and there is still one certificate.
    again = upload_of(content, organization=organization)
    assert [row.outcome for row in imports.check_upload(again).rows] == [Outcome.UNCHANGED]
    imports.import_upload_commit(upload=again, by=staff)
    assert Certificate.objects.filter(enrollment=enrollment).count() == 1


def test_every_bad_row_is_named_with_its_column(organization, other_organization, program, started, people):
    upcoming = SessionFactory(program=program)
    cancelled = started_session(program, is_cancelled=True)
    theirs = started_session(ProgramFactory(provider=other_organization))
    enroll(upcoming, people[:1])
    enroll(cancelled, people[:1])
    waiting = UserFactory(username="waiting")
    enroll(started, [waiting], status=Enrollment.Status.WAITLISTED)
    UserFactory(username="outsider")
    enroll(started, [UserFactory(username="dana")])
    completed = people[2]
    Enrollment.objects.filter(user=completed, session=started).update(status=Enrollment.Status.COMPLETED)
    content = csv_bytes(
        [
            ATTENDANCE_HEADER,
            [started.pk, "minseo", "attended", ""],  # 2: fine
            [999_999, "minseo", "attended", ""],  # 3: no such session
            [theirs.pk, "minseo", "attended", ""],  # 4: another organization's
            [started.pk, "nobody-at-all", "attended", ""],  # 5: no such person
            [started.pk, "outsider", "attended", ""],  # 6: not enrolled
            [started.pk, "waiting", "attended", ""],  # 7: on the waiting list
            [started.pk, "yazan", "sometimes", ""],  # 8: not an attendance value
            [upcoming.pk, "minseo", "attended", ""],  # 9: not started
            [cancelled.pk, "minseo", "attended", ""],  # 10: cancelled
            [started.pk, "MINSEO.KANG@example.org", "no_show", ""],  # 11: row 2's person again
            [started.pk, "ana", "no_show", ""],  # 12: completed, so attended
            [started.pk, "dana", "attended", "maybe"],  # 13: not yes or no
            ["twelve", "", "", ""],  # 14: no id, no person, no attendance
        ]
    )
    result = check(content, organization=organization)
    by_row = {}
    for row, column, message in errors_of(result):
        by_row.setdefault(row, []).append((column, message))
    assert 2 not in by_row
    assert by_row[3] == [("session_id", f"There is no session 999999 among {organization.name}'s sessions.")]
    assert by_row[4] == [("session_id", f"There is no session {theirs.pk} among {organization.name}'s sessions.")]
    # The same words whether or not the person has an account, so no address is revealed.
    assert by_row[5] == [("person", "No one enrolled in this session has the username or email address nobody-at-all.")]
    assert by_row[6] == [("person", "No one enrolled in this session has the username or email address outsider.")]
    assert by_row[7] == [("person", "Attendance is marked only for people who have a seat in the session.")]
    assert by_row[8] == [("attendance", "Give attended, no_show or not_marked.")]
    assert by_row[9] == [("session_id", "Attendance can be marked once the session has started.")]
    assert by_row[10] == [("session_id", "The session was cancelled, so there is no attendance to mark.")]
    assert by_row[11] == [("person", "This person already has a row for this session: row 2.")]
    assert by_row[12] == [("attendance", "A person who completed the session attended it.")]
    assert by_row[13] == [("completed", "Give yes or no.")]
    assert {column for column, _message in by_row[14]} == {"session_id", "person", "attendance"}
    assert [row.row for row in result.rows] == [2]
    assert result.row_count == 13
    assert not result.can_commit


def test_an_organization_cannot_touch_another_organizations_sessions(organization, other_organization, staff):
    theirs = started_session(ProgramFactory(provider=other_organization))
    victim = UserFactory(username="victim")
    enroll(theirs, [victim])
    content = csv_bytes([ATTENDANCE_HEADER, [theirs.pk, "victim", "no_show", ""]])
    result = imports.import_upload_commit(upload=upload_of(content, organization=organization), by=staff)
    assert [error.column for error in result.errors] == ["session_id"]
    assert attendance_of(victim, theirs) == "unknown"
    reports = csv_bytes([imports.REPORT_COLUMNS, [theirs.pk, 5] + [""] * (len(imports.REPORT_COLUMNS) - 2)])
    result = imports.import_upload_commit(
        upload=upload_of(reports, organization=organization, kind=ImportUpload.Kind.REPORTS), by=staff
    )
    assert [error.column for error in result.errors] == ["session_id"]
    assert not ActivityReport.objects.filter(session=theirs).exists()


def test_importing_the_same_file_twice_changes_nothing_the_second_time(organization, staff, started, people):
    content = csv_bytes(
        [ATTENDANCE_HEADER, [started.pk, "minseo", "attended", ""], [started.pk, "yazan", "no_show", ""]]
    )
    imports.import_upload_commit(upload=upload_of(content, organization=organization), by=staff)
    stamps = dict(Enrollment.objects.filter(session=started).values_list("pk", "updated_at"))
    again = upload_of(content, organization=organization)
    assert [row.outcome for row in imports.check_upload(again).rows] == [Outcome.UNCHANGED] * 2
    assert imports.earlier_import_of_same_file(again) is not None
    imports.import_upload_commit(upload=again, by=staff)
    assert dict(Enrollment.objects.filter(session=started).values_list("pk", "updated_at")) == stamps
    assert Enrollment.objects.filter(session=started).count() == 3


def test_an_upload_is_imported_only_once(organization, staff, started, people):
    upload = upload_of(
        csv_bytes([ATTENDANCE_HEADER, [started.pk, "minseo", "attended", ""]]), organization=organization
    )
    imports.import_upload_commit(upload=upload, by=staff)
    with pytest.raises(imports.AlreadyImported):
        imports.import_upload_commit(upload=upload, by=staff)


def test_the_import_checks_every_row_again(organization, staff, started, people):
    upload = upload_of(
        csv_bytes([ATTENDANCE_HEADER, [started.pk, "minseo", "attended", ""]]), organization=organization
    )
    assert imports.check_upload(upload).can_commit
    Session.objects.filter(pk=started.pk).update(is_cancelled=True)  # after the preview
    result = imports.import_upload_commit(upload=upload, by=staff)
    assert [error.column for error in result.errors] == ["session_id"]
    assert attendance_of(people[0], started) == "unknown"
    upload.refresh_from_db()
    assert upload.committed_at is None


def test_one_refusal_by_the_bulk_service_writes_nothing(started, people):
    minseo, yazan, ana = (Enrollment.objects.get(user=user, session=started) for user in people)
    Enrollment.objects.filter(pk=ana.pk).update(status=Enrollment.Status.CANCELLED)
    changes = [
        services.AttendanceChange(enrollment_id=minseo.pk, attendance="attended"),
        services.AttendanceChange(enrollment_id=yazan.pk, attendance="no_show", complete=True),
    ]
    with pytest.raises(services.EnrollmentError, match="يزن حداد: A person who completed the session attended it."):
        services.attendance_import_apply(changes=changes)
    with pytest.raises(services.EnrollmentError, match="have a seat"):
        services.attendance_import_apply(
            changes=[services.AttendanceChange(enrollment_id=ana.pk, attendance="attended")]
        )
    assert set(Enrollment.objects.filter(session=started).values_list("attendance", flat=True)) == {"unknown"}
    assert not Certificate.objects.exists()


def test_the_bulk_service_follows_the_rules_of_marking_one_person(started, people):
    minseo = Enrollment.objects.get(user=people[0], session=started)
    for attendance in ("attended", "no_show", "unknown"):
        services.attendance_import_apply(
            changes=[services.AttendanceChange(enrollment_id=minseo.pk, attendance=attendance)]
        )
        minseo.refresh_from_db()
        assert minseo.attendance == attendance
    assert (
        services.attendance_import_apply(
            changes=[services.AttendanceChange(enrollment_id=minseo.pk, attendance="unknown")]
        )
        == 0
    )


def test_a_10000_row_file_with_one_bad_row_writes_nothing_and_names_that_row(organization, staff, program):
    sessions = [started_session(program) for _ in range(20)]
    users = many_people(10_000)
    for index, session in enumerate(sessions):
        enroll(session, users[index * 500 : (index + 1) * 500])
    rows = [ATTENDANCE_HEADER] + [
        [sessions[index // 500].pk, user.username if index % 2 else user.email.upper(), "attended", ""]
        for index, user in enumerate(users)
    ]
    rows[7_777][2] = "présent?"  # rows[0] is the header, row 1 of the spreadsheet: this is row 7,778
    content = csv_bytes(rows)
    started_at = time.perf_counter()
    result = imports.import_upload_commit(upload=upload_of(content, organization=organization), by=staff)
    checked = time.perf_counter() - started_at
    assert [(error.row, error.column) for error in result.errors] == [(7_778, "attendance")]
    assert result.row_count == 10_000
    assert not Enrollment.objects.filter(attendance="attended").exists()

    rows[7_777][2] = "attended"
    started_at = time.perf_counter()
    result = imports.import_upload_commit(upload=upload_of(csv_bytes(rows), organization=organization), by=staff)
    committed = time.perf_counter() - started_at
    assert not result.errors
    assert Enrollment.objects.filter(attendance="attended").count() == 10_000
    print(f"\n10,000 attendance rows: checked (with one bad row) in {checked:.2f} s, imported in {committed:.2f} s")


# --- activity reports ------------------------------------------------------------------


def report_row(session, **values):
    """A report file's row: every column, empty unless given."""
    return [session.pk if column == "session_id" else values.get(column, "") for column in imports.REPORT_COLUMNS]


def report_file(*rows, delimiter=","):
    return csv_bytes([list(imports.REPORT_COLUMNS), *rows], delimiter=delimiter)


def test_report_rows_create_update_or_leave_reports_unchanged(organization, staff, program):
    new, changed, same = (started_session(program) for _ in range(3))
    figures = {"participants": 10, "newcomers": 4, "hours_of_learning": Decimal("15.0"), "gender_asked": True}
    services.report_save(session=changed, values=figures)
    services.report_save(session=same, values={**figures, "gender_woman": 6})
    content = report_file(
        report_row(new, participants=12, hours_of_learning="12,5", gender_asked="yes", gender_woman=5, gender_man=6),
        report_row(changed, participants=11, newcomers=4, hours_of_learning=15),
        report_row(
            same, participants="10.0", newcomers=" 4 ", hours_of_learning="15", gender_asked="TRUE", gender_woman=6
        ),
        delimiter=";",
    )
    result = check(content, organization=organization, kind=ImportUpload.Kind.REPORTS)
    assert not result.errors
    assert [row.outcome for row in result.rows] == [Outcome.CREATE, Outcome.UPDATE, Outcome.UNCHANGED]
    same_history = ActivityReport.history.filter(session_id=same.pk).count()
    imports.import_upload_commit(
        upload=upload_of(content, organization=organization, kind=ImportUpload.Kind.REPORTS), by=staff
    )
    report = ActivityReport.objects.get(session=new)
    assert (report.participants, report.hours_of_learning) == (12, Decimal("12.5"))
    assert (report.gender_woman, report.gender_man, report.gender_not_answered) == (5, 6, 1)
    assert report.submitted_by == staff
    assert ActivityReport.objects.get(session=changed).participants == 11
    assert ActivityReport.history.filter(session_id=same.pk).count() == same_history


def test_reports_that_do_not_add_up_are_refused_with_the_report_rules(organization, program):
    session = started_session(program)  # two hours long
    other = started_session(program)
    content = report_file(
        report_row(session, participants=5, newcomers=6, hours_of_learning=50, age_asked="no", age_18_24=2),
        report_row(other, participants=3, gender_asked="yes", gender_woman=2, gender_man=2, notes="=HYPERLINK(1)"),
        report_row(other, participants=3),
        report_row(session, participants=""),
    )
    result = check(content, organization=organization, kind=ImportUpload.Kind.REPORTS)
    assert [(row, column) for row, column, _message in errors_of(result)] == [
        (2, "newcomers"),
        (2, "hours_of_learning"),
        (2, "age_asked"),
        (3, "gender_asked"),
        (4, "session_id"),
        (5, "participants"),
        (5, "session_id"),
    ]
    messages = [message for _row, _column, message in errors_of(result)]
    assert messages[0] == "Newcomers cannot be more than the participants."
    assert "more than the 3 participants" in messages[3]
    assert messages[4] == "This session already has a row in this file: row 3."


def test_report_cells_out_of_range_or_of_the_wrong_kind_are_row_errors(organization, program):
    session = started_session(program)
    content = report_file(
        report_row(
            session,
            participants="1000001",
            newcomers="-1",
            facilitators="2.5",
            pages_created="lots",
            hours_of_learning="1.25",
            evidence_url="javascript:alert(1)",
            notes="x" * 5001,
            gender_asked="sometimes",
        )
    )
    result = check(content, organization=organization, kind=ImportUpload.Kind.REPORTS)
    assert dict((column, message) for _row, column, message in errors_of(result)) == {
        "participants": "Give a number of at most 1,000,000.",
        "newcomers": "Give a number of at least 0.",
        "facilitators": "Give a whole number, without decimals.",
        "pages_created": "Give a whole number.",
        "hours_of_learning": "Give hours with at most one decimal, like 12.5.",
        "evidence_url": "Give a web address starting with https://.",
        "notes": "This cell has 5,001 characters; at most 5,000 are accepted.",
        "gender_asked": "Give yes or no.",
    }


def test_not_answered_columns_may_be_left_out(organization, staff, program):
    session = started_session(program)
    columns = [column for column in imports.REPORT_COLUMNS if column not in imports.REPORT_OPTIONAL]
    values = {"session_id": session.pk, "participants": 8, "newcomer_asked": "yes", "newcomer_new": 3}
    content = csv_bytes([columns, [values.get(column, "") for column in columns]])
    imports.import_upload_commit(
        upload=upload_of(content, organization=organization, kind=ImportUpload.Kind.REPORTS), by=staff
    )
    assert ActivityReport.objects.get(session=session).newcomer_not_answered == 5


def test_a_report_workbook_with_floats_and_booleans(organization, staff, program):
    session = started_session(program)
    values = {"participants": 9.0, "hours_of_learning": 13.5, "gender_asked": True, "gender_woman": 4.0}
    content = xlsx_bytes(
        [list(imports.REPORT_COLUMNS), [float(session.pk), *(values.get(c) for c in imports.REPORT_COLUMNS[1:])]]
    )
    result = imports.import_upload_commit(
        upload=upload_of(content, organization=organization, kind=ImportUpload.Kind.REPORTS), by=staff
    )
    assert not result.errors
    report = ActivityReport.objects.get(session=session)
    assert (report.participants, report.hours_of_learning, report.gender_woman, report.gender_not_answered) == (
        9,
        Decimal("13.5"),
        4,
        5,
    )


def test_templates_hold_the_header_row_in_csv_and_xlsx():
    for kind in ImportUpload.Kind.values:
        csv_template = imports.template_file(kind, "csv")
        assert csv_template.startswith(b"\xef\xbb\xbf")
        assert (
            imports.read_table(csv_template + b"\n" + b",".join([b"1"] * len(imports.COLUMNS[kind]))).columns
            == (imports.COLUMNS[kind])
        )
        workbook = openpyxl.load_workbook(io.BytesIO(imports.template_file(kind, "xlsx")))
        assert tuple(cell.value for cell in next(workbook.active.iter_rows())) == imports.COLUMNS[kind]


def test_abandoned_uploads_are_dropped_when_someone_uploads_again(organization, staff):
    old = upload_of(b"a", organization=organization, by=staff)
    ImportUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    upload_of(b"b", organization=organization, by=staff)
    assert not ImportUpload.objects.filter(pk=old.pk).exists()


def test_upload_names_lose_control_and_direction_characters(organization):
    upload = imports.import_upload_create(
        organization=organization, by=None, kind="attendance", filename="att\r\nend\u202e.csv", content=b"x"
    )
    assert upload.original_filename == "attend.csv"
    assert len(upload.sha256) == 64


# --- properties ------------------------------------------------------------------------

PARSERS = [
    imports.parse_whole_number,
    imports.parse_hours,
    imports.parse_yes_no,
    imports.parse_attendance,
    imports.parse_text,
    imports.parse_url,
    imports.parse_session_id,
]
ANY_CELL = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=400),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.datetimes(),
)


@given(value=ANY_CELL)
def test_any_cell_gives_a_value_or_a_cell_error_never_anything_else(value):
    for parser in PARSERS:
        try:
            parser(value)
        except CellError as error:
            assert str(error.message)


@given(number=st.integers(min_value=0, max_value=1_000_000))
def test_whole_numbers_round_trip_however_a_spreadsheet_writes_them(number):
    for written in (number, float(number), str(number), f" {number} ", f"{number}.0", f"{number},00"):
        assert imports.parse_whole_number(written) == number
    arabic_indic = str(number).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert imports.parse_whole_number(arabic_indic) == number


@given(tenths=st.integers(min_value=0, max_value=100_000_000))
def test_hours_round_trip_with_a_point_or_a_comma(tenths):
    hours = Decimal(tenths) / 10
    assert imports.parse_hours(str(hours)) == hours
    assert imports.parse_hours(str(hours).replace(".", ",")) == hours
    assert imports.parse_hours(float(hours)) == hours


@given(
    value=st.sampled_from(["attended", "no_show", "no show", "not_marked", "not marked", "unknown"]),
    case=st.sampled_from([str.upper, str.lower, str.title, str.swapcase]),
    before=st.sampled_from(["", " ", "  ", "\t", "\u00a0"]),
    after=st.sampled_from(["", " ", "\t ", "\u3000"]),
)
def test_attendance_words_read_in_any_case_with_spaces_around(value, case, before, after):
    expected = {"no show": "no_show", "not_marked": "unknown", "not marked": "unknown"}.get(value, value)
    assert imports.parse_attendance(before + case(value) + after) == expected


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.binary(max_size=2000))
def test_any_bytes_read_as_a_table_or_give_a_file_error(content):
    try:
        imports.read_table(content)
    except ImportFileError as error:
        assert str(error.message)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.lists(st.text(max_size=40), min_size=4, max_size=4), min_size=1, max_size=5))
def test_any_text_in_an_attendance_file_gives_row_errors_not_failures(organization, cells):
    content = csv_bytes([ATTENDANCE_HEADER, *cells])
    try:
        result = check(content, organization=organization)
    except ImportFileError as error:
        assert str(error.message)
    else:
        assert not result.rows or all(row.outcome in Outcome.values for row in result.rows)
        assert all(error.row >= 2 and str(error.message) for error in result.errors)


def test_the_reports_bulk_service_writes_all_with_their_history_or_nothing(staff, program):
    first, second = started_session(program), started_session(program)
    good = {"participants": 6, "gender_asked": True, "gender_woman": 2}
    with pytest.raises(ValidationError, match=f"Session {second.pk}: Newcomers cannot be more"):
        services.reports_import_apply(reports=[(first, good), (second, {"participants": 2, "newcomers": 3})], by=staff)
    assert not ActivityReport.objects.exists()
    assert services.reports_import_apply(reports=[(first, good), (second, {"participants": 2})], by=staff) == 2
    assert ActivityReport.objects.get(session=first).gender_not_answered == 4
    assert services.reports_import_apply(reports=[(first, good), (second, {"participants": 2})], by=staff) == 0
    assert services.reports_import_apply(reports=[(first, good), (second, {"participants": 3})], by=staff) == 1
    history = ActivityReport.history.filter(session_id=second.pk).order_by("history_date")
    assert [(record.history_type, record.participants, record.history_user) for record in history] == [
        ("+", 2, staff),
        ("~", 3, staff),
    ]


def test_a_header_of_many_unknown_columns_gives_a_short_message(organization):
    header = ",".join(["session_id", "person", "attendance"] + [f"extra{n}" for n in range(50_000)])
    with pytest.raises(ImportFileError) as refused:
        check(f"{header}\n".encode() + b"1,a,attended\n", organization=organization)
    message = str(refused.value)
    assert "extra0" in message and "and 49976 more" in message
    assert len(message) < 2_000
