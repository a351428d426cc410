"""The import pages: who may use them, what a person sees for good and bad files, and that nothing is half-written."""

import html
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs import imports, services
from programs.models import ImportUpload, Session
from stakeholders.models import Membership
from tests.factories import MembershipFactory, ProgramFactory, UserFactory
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


def start_url(organization, lang="en"):
    return f"/{lang}/workspace/imports/{organization.slug}/"


def upload_file(client, organization, content, *, kind="attendance", name="attendance.csv", lang="en"):
    return client.post(
        f"{start_url(organization, lang)}upload/",
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def problems_listed(page):
    """(row, column, value, message) of each problem the preview lists, as text."""
    table = page.split('class="import-errors"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr role=\"row\">(.*?)</tr>", table.split("<tbody", 1)[1], re.S)
    return [
        tuple(
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        )
        for row in rows
    ]


def latest_upload():
    return ImportUpload.objects.order_by("-pk").first()


@pytest.fixture
def started(program):
    return started_session(program)


@pytest.fixture
def learners(started):
    users = [
        UserFactory(username="minseo", email="minseo@example.org", display_name="김민서"),
        UserFactory(username="yazan", email="yazan@example.org", display_name="يزن حداد"),
    ]
    enroll(started, users)
    return users


def test_the_start_page_offers_the_form_the_templates_and_the_columns(client, staff, organization):
    client.force_login(staff)
    response = client.get(start_url(organization))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="id_file">' in page
    assert reverse("imports:template", args=[organization.slug, "attendance", "xlsx"]) in page
    assert reverse("imports:template", args=[organization.slug, "reports", "csv"]) in page
    assert "<code>gender_not_answered</code>" in page
    assert "5.0\xa0MB" in page and "20,000" in page


@pytest.mark.parametrize("lang", ["ko", "ar"])
def test_the_start_page_speaks_the_readers_language(client, staff, organization, lang):
    client.force_login(staff)
    page = client.get(start_url(organization, lang)).content.decode()
    assert f'lang="{lang}"' in page


@pytest.mark.parametrize(
    ("persona", "status"),
    [("volunteer", 403), ("other_staff", 403), ("funder", 403), ("member", 403)],
)
def test_people_who_do_not_run_the_organization_are_refused_everywhere(
    client, request, organization, started, learners, persona, status
):
    if persona == "member":
        user = MembershipFactory(organization=organization, role=Membership.Role.MEMBER).user
    else:
        user = request.getfixturevalue(persona)
    upload = imports.import_upload_create(
        organization=organization,
        by=None,
        kind="attendance",
        filename="a.csv",
        content=csv_bytes([ATTENDANCE_HEADER, [started.pk, "minseo", "no_show", ""]]),
    )
    client.force_login(user)
    base = start_url(organization)
    assert client.get(base).status_code == status
    assert client.get(f"{base}template/attendance.csv").status_code == status
    assert upload_file(client, organization, b"session_id,person,attendance\n").status_code == status
    assert client.get(f"{base}{upload.pk}/").status_code == status
    assert client.post(f"{base}{upload.pk}/import/").status_code == status
    assert attendance_of(learners[0], started) == "unknown"
    assert ImportUpload.objects.count() == 1


def test_anonymous_people_are_sent_to_log_in(client, organization):
    response = client.get(start_url(organization))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["staff", "affiliate_admin", "steward"])
def test_staff_admins_and_stewards_import_attendance(client, request, organization, started, learners, persona):
    client.force_login(request.getfixturevalue(persona))
    content = csv_bytes(
        [ATTENDANCE_HEADER, [started.pk, "minseo", "attended", ""], [started.pk, "yazan", "no_show", ""]]
    )
    response = upload_file(client, organization, content)
    upload = latest_upload()
    assert response.status_code == 302
    assert response["Location"] == f"{start_url(organization)}{upload.pk}/"
    preview = client.get(response["Location"]).content.decode()
    assert "김민서" in preview and "يزن حداد" in preview
    assert f'action="{start_url(organization)}{upload.pk}/import/"' in preview
    response = client.post(f"{start_url(organization)}{upload.pk}/import/", follow=True)
    assert "Imported attendance.csv: 2 of 2 rows changed something." in response.content.decode()
    assert attendance_of(learners[0], started) == "attended"
    assert attendance_of(learners[1], started) == "no_show"
    upload.refresh_from_db()
    assert upload.committed_at is not None and upload.uploaded_by is not None


def test_a_preview_with_errors_lists_each_bad_row_and_offers_no_import(client, staff, organization, started, learners):
    client.force_login(staff)
    content = csv_bytes(
        [
            ATTENDANCE_HEADER,
            [started.pk, "minseo", "attended", ""],
            [started.pk, "nobody", "attended", ""],
            [started.pk, "yazan", "perhaps", ""],
        ]
    )
    preview = client.get(upload_file(client, organization, content)["Location"])
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "Rows to fix" in page
    assert problems_listed(page) == [
        ("3", "person", "nobody", "No one enrolled in this session has the username or email address nobody."),
        ("4", "attendance", "perhaps", "Give attended, no_show or not_marked."),
    ]
    assert "/import/" not in page
    # Posting anyway writes nothing.
    response = client.post(f"{start_url(organization)}{latest_upload().pk}/import/", follow=True)
    assert "Nothing was imported" in response.content.decode()
    assert attendance_of(learners[0], started) == "unknown"
    assert latest_upload().committed_at is None


def test_a_file_with_another_organizations_sessions_touches_nothing(client, staff, organization, other_organization):
    theirs = started_session(ProgramFactory(provider=other_organization))
    victim = UserFactory(username="victim")
    enroll(theirs, [victim])
    client.force_login(staff)
    page = client.get(
        upload_file(client, organization, csv_bytes([ATTENDANCE_HEADER, [theirs.pk, "victim", "no_show", ""]]))[
            "Location"
        ]
    ).content.decode()
    assert f"There is no session {theirs.pk} among Wiki Learning Hub&#x27;s sessions." in page
    client.post(f"{start_url(organization)}{latest_upload().pk}/import/")
    assert attendance_of(victim, theirs) == "unknown"


def test_another_organizations_upload_is_not_found(client, staff, organization, other_organization, other_staff):
    theirs = imports.import_upload_create(
        organization=other_organization, by=other_staff, kind="attendance", filename="t.csv", content=b"x"
    )
    client.force_login(staff)
    assert client.get(f"{start_url(organization)}{theirs.pk}/").status_code == 404
    assert client.post(f"{start_url(organization)}{theirs.pk}/import/").status_code == 404
    assert client.get(f"{start_url(organization)}999999/").status_code == 404


def test_importing_twice_is_refused_and_the_same_file_again_changes_nothing(
    client, staff, organization, started, learners
):
    client.force_login(staff)
    content = csv_bytes([ATTENDANCE_HEADER, [started.pk, "minseo", "attended", ""]])
    upload_file(client, organization, content)
    first = latest_upload()
    client.post(f"{start_url(organization)}{first.pk}/import/")
    again = client.post(f"{start_url(organization)}{first.pk}/import/", follow=True)
    assert "This file was already imported." in again.content.decode()
    page = client.get(upload_file(client, organization, content)["Location"]).content.decode()
    assert "The same file was already imported" in page
    assert "importing this file changes nothing" in page


NASTY_FILES = {
    "empty": (b"", "The submitted file is empty."),
    "binary": (bytes(range(256)) * 8, "not UTF-8"),
    "latin-1": ("session_id,person,attendance\n1,José,attended\n".encode("latin-1"), "not UTF-8"),
    "wrong-columns": (b"name,email\nx,y\n", "missing: session_id, person, attendance"),
    "duplicate-columns": (b"session_id,person,attendance,person\n1,a,b,c\n", "appears twice"),
    "huge-cell": (b"session_id,person,attendance\n1," + b"x" * 150_000 + b",attended\n", "longer than"),
    "old-excel": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, ".xls"),
    "fake-xlsx": (b"PK\x03\x04garbage", "Excel workbook"),
    "header-only": (b"session_id,person,attendance\n", "no rows"),
    "formula": (
        b'session_id,person,attendance\n=1+1,=HYPERLINK("x"),@SUM(A1)\n',
        "Give a whole number.",
    ),
    "hostile-text": ("session_id,person,attendance\n1,<script>alert(1)</script>\u202e,\r\n".encode(), "&lt;script&gt;"),
}


@pytest.mark.parametrize("name", NASTY_FILES)
def test_nasty_files_get_a_clear_message_and_no_500(client, staff, organization, name):
    content, says = NASTY_FILES[name]
    client.force_login(staff)
    response = upload_file(client, organization, content, name=f"{name}\r\n.csv")
    if response.status_code == 302:
        response = client.get(response["Location"])
    assert response.status_code == 200
    assert says in response.content.decode()
    if name == "formula":
        # Shown as the text it is, in the row and column it came from.
        assert problems_listed(response.content.decode())[0] == ("2", "session_id", "=1+1", "Give a whole number.")


def test_a_file_over_the_size_limit_is_refused_before_it_is_kept(client, staff, organization, settings):
    settings.IMPORT_MAX_BYTES = 2048
    client.force_login(staff)
    response = upload_file(client, organization, b"session_id,person,attendance\n" + b"1,a,attended\n" * 400)
    assert response.status_code == 200
    assert "files of at most 2.0" in response.content.decode()
    assert not ImportUpload.objects.exists()


def test_an_upload_without_a_kind_is_asked_again(client, staff, organization):
    client.force_login(staff)
    response = client.post(
        f"{start_url(organization)}upload/", {"file": SimpleUploadedFile("a.csv", b"session_id\n1\n")}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not ImportUpload.objects.exists()


def test_a_korean_workbook_of_reports_previews_and_imports(client, staff, organization, program):
    session = started_session(program)
    client.force_login(staff)
    row = {"session_id": float(session.pk), "participants": 7.0, "hours_of_learning": 10.5, "notes": "한국어 메모"}
    content = xlsx_bytes([list(imports.REPORT_COLUMNS), [row.get(column) for column in imports.REPORT_COLUMNS]])
    response = upload_file(client, organization, content, kind="reports", name="보고서.xlsx", lang="ko")
    page = client.get(response["Location"]).content.decode()
    assert "보고서.xlsx" in page and 'lang="ko"' in page
    client.post(f"{start_url(organization, 'ko')}{latest_upload().pk}/import/")
    assert session.report.notes == "한국어 메모"


@pytest.mark.parametrize(("kind", "file_format"), [("attendance", "csv"), ("reports", "xlsx")])
def test_templates_download_as_files(client, staff, organization, kind, file_format):
    client.force_login(staff)
    response = client.get(f"{start_url(organization)}template/{kind}.{file_format}")
    assert response.status_code == 200
    assert f'filename="capacity-{kind}.{file_format}"' in response["Content-Disposition"]
    if file_format == "csv":
        assert response.content.startswith(b"\xef\xbb\xbfsession_id,person,attendance,completed")
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert next(sheet.iter_rows(values_only=True))[:2] == ("session_id", "participants")


def test_unknown_templates_are_not_found(client, staff, organization):
    client.force_login(staff)
    assert client.get(f"{start_url(organization)}template/payments.csv").status_code == 404
    assert client.get(f"{start_url(organization)}template/attendance.exe").status_code == 404


def test_wrong_methods_are_refused(client, staff, organization, started):
    client.force_login(staff)
    upload = imports.import_upload_create(
        organization=organization, by=staff, kind="attendance", filename="a", content=b"x"
    )
    assert client.get(f"{start_url(organization)}upload/").status_code == 405
    assert client.get(f"{start_url(organization)}{upload.pk}/import/").status_code == 405
    assert client.post(start_url(organization)).status_code == 405
    assert client.post(f"{start_url(organization)}{upload.pk}/").status_code == 405


def test_the_preview_runs_the_same_few_queries_for_any_file(
    client, staff, organization, program, django_assert_max_num_queries
):
    client.force_login(staff)
    queries = {}
    for rows in (8, 600):
        sessions = [started_session(program) for _ in range(3)]
        people = many_people(rows, prefix=f"p{rows}-")
        for index, person in enumerate(people):
            enroll(sessions[index % 3], [person])
        lines = [ATTENDANCE_HEADER]
        for index, person in enumerate(people):
            # Half the rows are fine, a quarter name nobody, a quarter have a bad value: every kind of row is listed.
            name = person.username if index % 4 != 1 else f"ghost{index}"
            lines.append([sessions[index % 3].pk, name, "attended" if index % 4 != 2 else "?", ""])
        location = upload_file(client, organization, csv_bytes(lines))["Location"]
        with django_assert_max_num_queries(12) as captured:
            page = client.get(location).content.decode()
        assert "Rows to fix" in page
        # Past the preview's limit, the page says how many more problems it left out.
        assert ("more problems, not listed" in page) == (rows > imports.PREVIEW_LIMIT)
        queries[rows] = len(captured)
    assert queries[8] == queries[600], queries


def test_a_reports_preview_runs_the_same_few_queries_for_any_file(
    client, staff, organization, program, django_assert_max_num_queries
):
    client.force_login(staff)
    queries = {}
    for rows in (4, 300):
        template = started_session(program)
        sessions = Session.objects.bulk_create(
            Session(program=program, starts_at=template.starts_at, ends_at=template.ends_at, seats=10)
            for _ in range(rows)
        )
        for session in sessions[::2]:
            services.report_save(session=session, values={"participants": 3})
        lines = [list(imports.REPORT_COLUMNS)]
        for index, session in enumerate(sessions):
            # New, changed and unchanged reports, and every fourth row with more newcomers than participants.
            values = {"session_id": session.pk, "participants": 3 + index % 2, "newcomers": 9 if index % 4 == 3 else 1}
            lines.append([values.get(column, "") for column in imports.REPORT_COLUMNS])
        location = upload_file(client, organization, csv_bytes(lines), kind="reports")["Location"]
        with django_assert_max_num_queries(12) as captured:
            page = client.get(location).content.decode()
        assert "Newcomers cannot be more than the participants." in page
        queries[rows] = len(captured)
    assert queries[4] == queries[300], queries
