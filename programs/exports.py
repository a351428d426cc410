"""Spreadsheet files people download: CSV that opens right in Excel and cannot run formulas.

Every export goes through `spreadsheet_safe` and `csv_response`, so the defence against
CSV injection and the encoding live in one place.
"""

import csv
import re
from collections.abc import Iterable
from datetime import UTC
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from . import selectors
from .models import DASHBOARD_FIGURES, DEMOGRAPHIC_DIMENSIONS, demographic_columns
from .services import REPORT_FIGURES

# A cell starting with one of these is read as a formula by Excel, LibreOffice and
# Google Sheets (OWASP, "CSV Injection"): a name like =HYPERLINK("http://…") would run.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Where a cell may begin inside a text: Excel in much of Europe opens a .csv file
# splitting on semicolons, and sees quotes only at the start of a cell, so a semicolon
# or a line break inside our quoted text starts a cell of its own there. A formula
# (after any spaces or quotes) at such a place gets its leading quote too.
FORMULA_AFTER_A_BREAK = re.compile(r"(?:^|(?<=[;\r\n]))(?=[ \t\"]*[=+\-@])")
FORMULA_CHARACTERS = frozenset("=+-@")  # a text without any of them holds no formula

# Excel reads a CSV file as UTF-8 only when it starts with a byte order mark; without
# it, Korean and Arabic names come out as mojibake.
BYTE_ORDER_MARK = "\ufeff"


def spreadsheet_safe(value):
    """The value as a spreadsheet cell that is never a formula: text starting with a trigger gets a leading '.

    So does each part of the text after a semicolon or a line break that would start
    a formula (see FORMULA_AFTER_A_BREAK). Numbers are written as they are (a
    spreadsheet reads them as numbers); everything else is text and is checked,
    whatever it came from.
    """
    kind = type(value)
    if kind is int or kind is Decimal or kind is float:
        # A number, negative too, is written as a number: only text can be a formula
        # (a negative capacity gain or interval bound must open as a number).
        return value
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):  # a subclass (an IntegerChoices member, say)
        return value
    text = str(value)
    if FORMULA_CHARACTERS.intersection(text):  # checked first: a million cells go through here
        text = FORMULA_AFTER_A_BREAK.sub("'", text)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write() hands back what it was given, for streaming rows."""

    def write(self, value):
        return value


def csv_rows(header: Iterable, rows: Iterable[Iterable]) -> Iterable[str]:
    """The lines of a formula-safe CSV file: the byte order mark and header first, then each row."""
    writer = csv.writer(_Echo())
    yield BYTE_ORDER_MARK + writer.writerow([spreadsheet_safe(cell) for cell in header])
    for row in rows:
        yield writer.writerow([spreadsheet_safe(cell) for cell in row])


def csv_response(*, filename: str, header: Iterable, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """A download of the rows as a CSV file; rows may be a generator, read as the file is sent."""
    response = StreamingHttpResponse(csv_rows(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    # Personal data: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


def utc_text(moment) -> str:
    """A time as spreadsheets sort it, in UTC (the column header says so)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


# A session's people: personal data, for its organizers only.
PARTICIPANT_HEADER = ("name", "username", "status", "attendance", "enrolled_at_utc")


def participant_rows(enrollments) -> Iterable[tuple]:
    for enrollment in enrollments:
        yield (
            enrollment.user.public_name,
            enrollment.user.username,
            enrollment.status,
            enrollment.attendance if enrollment.holds_seat else "",
            utc_text(enrollment.created_at),
        )


# One activity report per row, every figure and the whole breakdown; the same columns
# for one session and for an organization's sessions.
REPORT_HEADER = (
    "organization",
    "program",
    "session_id",
    "starts_at_utc",
    "ends_at_utc",
    "time_zone",
    "session_cancelled",
    *REPORT_FIGURES,
    *(
        column
        for dimension in DEMOGRAPHIC_DIMENSIONS
        for column in (f"{dimension}_asked", *demographic_columns(dimension))
    ),
    "dashboard_course",
    "dashboard_imported_at_utc",
    *DASHBOARD_FIGURES,
    "reported_by",
    "updated_at_utc",
)


def report_rows(reports) -> Iterable[tuple]:
    """Rows under REPORT_HEADER from an ActivityReport queryset, read in chunks as the file is sent.

    Each report is read as plain values, not as model instances (a hundred thousand
    reports would make six hundred thousand objects); the programs' titles and the
    reporters' names are looked up once each. A question that was not asked has empty
    counts, not zeros.
    """
    programs, reporters = selectors.report_export_names(reports=reports)
    breakdown_fields = [
        field
        for dimension in DEMOGRAPHIC_DIMENSIONS
        for field in (f"{dimension}_asked", *demographic_columns(dimension))
    ]
    session_fields = ("session__program_id", "session_id", "session__starts_at", "session__ends_at")
    fields = (
        *session_fields,
        "session__time_zone",
        "session__is_cancelled",
        *REPORT_FIGURES,
        *breakdown_fields,
        "dashboard_course",
        "dashboard_imported_at",
        *DASHBOARD_FIGURES,
        "submitted_by_id",
        "updated_at",
    )
    for values in reports.values(*fields).iterator(chunk_size=2000):
        breakdown = []
        for dimension in DEMOGRAPHIC_DIMENSIONS:
            asked = values[f"{dimension}_asked"]
            breakdown.append(asked)
            breakdown += [values[column] if asked else None for column in demographic_columns(dimension)]
        provider, title = programs[values["session__program_id"]]
        yield (
            provider,
            title,
            values["session_id"],
            utc_text(values["session__starts_at"]),
            utc_text(values["session__ends_at"]),
            values["session__time_zone"],
            values["session__is_cancelled"],
            *(values[field] for field in REPORT_FIGURES),
            *breakdown,
            values["dashboard_course"],
            utc_text(values["dashboard_imported_at"]),
            *(values[field] for field in DASHBOARD_FIGURES),
            reporters.get(values["submitted_by_id"], ""),
            utc_text(values["updated_at"]),
        )
