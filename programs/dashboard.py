"""Reading a Programs & Events Dashboard course CSV (docs/standards/programs-events-dashboard/).

The file is read by the csv module through tablib; this module only decides what is
acceptable and says, per row and column, what is not. Nothing here writes: the checked
row goes to services.dashboard_figures_apply.
"""

import csv
import io
import re
from collections import Counter
from datetime import UTC, datetime

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from capacity.models import single_line

from .models import ActivityReport, dashboard_course_id

TEXT_COLUMNS = ("course_slug", "title", "institution", "term", "home_wiki")
TIMESTAMP_COLUMNS = ("created_at", "start_date", "end_date")
COUNT_COLUMNS = (
    "editors",
    "new_editors",
    "articles_edited",
    "articles_created",
    "bytes_added",
    "references_added",
    "total_edits",
    "mainspace_edits",
    "article_talk_edits",
    "userspace_edits",
    "article_views",
    "upload_count",
    "uploads_used_in_articles",
    "upload_usage_count_across_all_wikis",
)
# The Dashboard's header row, in its order.
COLUMNS = (
    *TEXT_COLUMNS[:5],
    *TIMESTAMP_COLUMNS,
    "new_or_returning",
    *COUNT_COLUMNS,
    "training_completion_rate",
)
NEW_OR_RETURNING = ("first_time_instructor", "returning_instructor", "unknown")

# Columns named in a message about the header: every missing one, but a header may hold
# thousands of unknown cells, and a message naming them all would be megabytes long.
NAMES_SHOWN = len(COLUMNS)
# Longest text accepted in a cell; the course id is stored, so it has the column's limit.
MAX_TEXT = 1000
MAX_COURSE_SLUG = ActivityReport._meta.get_field("dashboard_course").max_length
# Counts stored in a 32-bit column (every report figure but bytes added) must fit it;
# the others only have to be sane.
MAX_STORED_COUNT = 2_147_483_647
MAX_OTHER_COUNT = 10**15
BIG_COUNT_COLUMNS = ("bytes_added", "article_views")

WHOLE_NUMBER = re.compile(r"[0-9]+", re.ASCII)
RATE = re.compile(r"[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?", re.ASCII)
TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC", re.ASCII)
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S UTC"
# Excel workbooks (and other zip files) start with these bytes.
ZIP_SIGNATURE = b"PK\x03\x04"


class DashboardFileError(Exception):
    """Everything wrong with an uploaded file, as messages fit to show the person."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


def parse_course_csv(data: bytes, *, course_slug: str = "") -> dict:
    """The one course row of a Dashboard course CSV, its values converted, or DashboardFileError.

    A file with several courses is accepted when exactly one of its rows is for
    `course_slug` (the course the session is linked to); that row is the one checked.
    """
    text = _decode(data)
    dataset = _load(text)
    _check_header(dataset.headers)
    row_number, row = _pick_row(dataset, course_slug)
    return _convert(row_number, row)


def _decode(data: bytes) -> str:
    if len(data) > settings.DASHBOARD_CSV_MAX_BYTES:
        raise DashboardFileError(
            [
                _("The file is larger than %(limit)s; a Dashboard course file is much smaller.")
                % {"limit": filesizeformat(settings.DASHBOARD_CSV_MAX_BYTES)}
            ]
        )
    if data.startswith(ZIP_SIGNATURE):
        raise DashboardFileError(
            [_("This is a spreadsheet workbook, not a CSV file. Download the course's CSV from the Dashboard.")]
        )
    try:
        # utf-8-sig: with or without the byte order mark Excel writes.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DashboardFileError(
            [
                _(
                    "Line %(line)s is not UTF-8 text. The Dashboard writes UTF-8; if the file was saved "
                    "by a spreadsheet, save it again as “CSV UTF-8”."
                )
                % {"line": line}
            ]
        ) from None
    if not text.strip():
        raise DashboardFileError([_("The file is empty.")])
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DashboardFileError(
            [_("Line %(line)s holds binary data (a NUL character); this is not a CSV text file.") % {"line": line}]
        )
    return text


def _load(text: str) -> tablib.Dataset:
    try:
        return tablib.Dataset().load(text, format="csv")
    except tablib.InvalidDimensions:
        raise DashboardFileError([_long_row_problem(text)]) from None
    except csv.Error:
        # The csv module refuses a cell past its field limit (an unclosed quote swallows
        # the rest of the file into one cell, which ends up there too).
        raise DashboardFileError(
            [_("The file could not be read as CSV: a cell is far too long, or a quote is never closed.")]
        ) from None


def _long_row_problem(text: str) -> str:
    """Which row has more cells than the header; tablib only says that one has."""
    rows = csv.reader(io.StringIO(text))
    width = len(next(rows, []))
    for number, row in enumerate(rows, start=2):
        if len(row) > width:
            return _(
                "Row %(row)s has %(cells)s cells but the header has %(columns)s columns; "
                "look for a comma outside quotes."
            ) % {"row": number, "cells": len(row), "columns": width}
    return _("A row has more cells than the header has columns; look for a comma outside quotes.")


def _check_header(headers) -> None:
    headers = list(headers or [])
    problems = []
    missing = [column for column in COLUMNS if column not in headers]
    unknown = list(dict.fromkeys(column for column in headers if column not in COLUMNS))
    # Counted once: a header may repeat a name thousands of times.
    counts = Counter(headers)
    duplicated = sorted(column for column in COLUMNS if counts[column] > 1)
    if missing:
        problems.append(_("Row 1 (the header) lacks these columns: %(columns)s.") % {"columns": listed_names(missing)})
    if unknown:
        problems.append(
            _("Row 1 (the header) has columns a Dashboard course file does not have: %(columns)s.")
            % {"columns": listed_names(unknown)}
        )
    if duplicated:
        problems.append(
            _("Row 1 (the header) has these columns more than once: %(columns)s.")
            % {"columns": listed_names(duplicated)}
        )
    if problems:
        raise DashboardFileError(problems)


def listed_names(columns) -> str:
    """Column names for a message: quoted, shortened, at most NAMES_SHOWN of them and how many more."""
    # Shortened: an unknown column may be anything, even a whole paragraph.
    names = ", ".join(f"“{shortened(column)}”" for column in columns[:NAMES_SHOWN])
    more = len(columns) - NAMES_SHOWN
    if more > 0:
        names += " " + ngettext("and %(count)s more", "and %(count)s more", more) % {"count": more}
    return names


def shortened(text, length=60) -> str:
    """Text for a message, cut to `length` characters with an ellipsis: a cell may hold anything."""
    text = str(text)
    return text if len(text) <= length else text[: length - 1] + "…"


def _pick_row(dataset: tablib.Dataset, course_slug: str) -> tuple[int, dict]:
    """(spreadsheet row number, row) of the course; the header is row 1."""
    rows = [(number, dict(zip(dataset.headers, values, strict=True))) for number, values in enumerate(dataset, 2)]
    if not rows:
        raise DashboardFileError([_("The file has a header but no course row under it.")])
    if len(rows) == 1:
        return rows[0]
    matching = [(number, row) for number, row in rows if row["course_slug"].strip() == course_slug]
    if not course_slug:
        raise DashboardFileError(
            [
                _(
                    "The file has %(count)s course rows; link the session to its course first, "
                    "so the right row can be picked."
                )
                % {"count": len(rows)}
            ]
        )
    if not matching:
        raise DashboardFileError(
            [
                _("None of the %(count)s rows of the file, in column course_slug, is the course %(course)s.")
                % {"count": len(rows), "course": course_slug}
            ]
        )
    if len(matching) > 1:
        raise DashboardFileError(
            [
                _("Rows %(rows)s are all for the course %(course)s; keep only one.")
                % {"rows": ", ".join(str(number) for number, _row in matching), "course": course_slug}
            ]
        )
    return matching[0]


def _convert(number: int, row: dict) -> dict:
    """The row's values as Python values, or every problem in it at once."""
    problems = []
    course = {}

    def problem(column, message, **values):
        problems.append(
            _("Row %(row)s, column %(column)s: %(problem)s")
            % {"row": number, "column": column, "problem": message % values if values else message}
        )

    for column in COLUMNS:
        value = row[column].strip()
        if len(value) > MAX_TEXT:
            problem(column, _("the cell is longer than %(limit)s characters."), limit=MAX_TEXT)
            continue
        shown = shortened(value)
        if column in TEXT_COLUMNS:
            course[column] = value
        elif column in TIMESTAMP_COLUMNS:
            try:
                if not TIMESTAMP.fullmatch(value):
                    raise ValueError
                course[column] = datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
            except ValueError:
                problem(
                    column,
                    _("“%(value)s” is not a time like 2026-03-07 09:30:00 UTC."),
                    value=shown,
                )
        elif column == "new_or_returning":
            if value not in NEW_OR_RETURNING:
                problem(
                    column,
                    _("“%(value)s” is not one of %(choices)s."),
                    value=shown,
                    choices=", ".join(NEW_OR_RETURNING),
                )
            else:
                course[column] = value
        elif column in COUNT_COLUMNS:
            limit = MAX_OTHER_COUNT if column in BIG_COUNT_COLUMNS else MAX_STORED_COUNT
            if not value:
                problem(column, _("the cell is empty; it needs a whole number, 0 or more."))
            elif not WHOLE_NUMBER.fullmatch(value):
                problem(column, _("“%(value)s” is not a whole number of 0 or more."), value=shown)
            elif int(value) > limit:
                problem(column, _("%(value)s is larger than any course has."), value=shown)
            else:
                course[column] = int(value)
        else:  # training_completion_rate
            if not value:
                course[column] = None
            elif not RATE.fullmatch(value) or not 0 <= float(value) <= 1:
                problem(column, _("“%(value)s” is not a share between 0 and 1, or empty."), value=shown)
            else:
                course[column] = float(value)

    slug = course.get("course_slug", "")
    if "course_slug" in course:
        if not slug:
            problem("course_slug", _("the course id is empty."))
        elif len(slug) > MAX_COURSE_SLUG:
            problem("course_slug", _("the course id is longer than %(limit)s characters."), limit=MAX_COURSE_SLUG)
        else:
            try:
                single_line(slug)
                dashboard_course_id(slug)
            except ValidationError:
                problem(
                    "course_slug",
                    _("“%(value)s” is not a course id like Institution/Course_title_(term)."),
                    value=shortened(slug),
                )
    editors, new_editors = course.get("editors"), course.get("new_editors")
    if editors is not None and new_editors is not None and new_editors > editors:
        problem(
            "new_editors",
            _("%(new)s new editors are more than the %(editors)s editors."),
            new=new_editors,
            editors=editors,
        )
    if problems:
        raise DashboardFileError(problems)
    return course
