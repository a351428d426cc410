"""Spreadsheet imports of attendance and activity reports: file → rows → checked values → services.

Three steps, each usable on its own:

- `read_table(content)` reads CSV (UTF-8 with or without a byte order mark; comma,
  semicolon or tab between cells) or XLSX bytes with tablib into a `Table`: the column
  names and each non-blank row with its number as a spreadsheet shows it (the header is
  row 1). A file that cannot be read raises `ImportFileError` with a message for people.
- `check_table(table, kind=…, organization=…)` turns every row into clean values, or into
  errors per row and column, and says what each row would do (create, update, unchanged).
  It reads the database in a constant number of queries, however long the file.
- `import_upload_commit(upload=…, by=…)` reads the stored file again, checks it again
  and applies every row through the services in one transaction, or nothing.

Cells are data, never formulas: CSV is text, and XLSX is read with cached values only
(tablib opens workbooks with `data_only=True`), so `=1+1` is a value, or empty.
"""

import csv
import hashlib
import io
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from itertools import islice

import openpyxl
import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from openpyxl.utils import get_column_letter

from . import services
from .dashboard import listed_names, shortened
from .exports import BYTE_ORDER_MARK, spreadsheet_safe
from .models import MAX_COUNT, ActivityReport, Enrollment, ImportUpload, Session

# Uncommitted uploads are dropped when someone uploads again this long after them.
ABANDONED_UPLOAD_AGE = timedelta(days=7)
# An XLSX file is a zip archive: past this many bytes unpacked (a "zip bomb"), it is refused
# before openpyxl parses it. A genuine 20,000-row sheet unpacks to a few tens of MB.
UNPACKED_XLSX_FACTOR = 20
# Far more than any import's columns; a workbook claiming more is refused unread.
MAX_XLSX_COLUMNS = 64
# Longest text taken in a cell of a column without a length of its own (names, ids).
MAX_CELL_CHARACTERS = 300
# What a preview lists; the counts always cover every row.
PREVIEW_LIMIT = 200

XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DELIMITERS = (",", ";", "\t")
# Control characters other than tab and line breaks mean the file is not text.
BINARY_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BLANK_LINE = re.compile(r"(?:^|\n)\r?\n")


class ImportFileError(Exception):
    """Why a file cannot be read at all, fit to show the person who uploaded it."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class CellError(Exception):
    """Why one cell's value is not accepted, fit to show next to its row and column."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class Outcome(models.TextChoices):
    CREATE = "create", _("New")
    UPDATE = "update", _("Changed")
    UNCHANGED = "unchanged", _("Unchanged")


# --- columns ----------------------------------------------------------------------------

SESSION_COLUMN = "session_id"
ATTENDANCE_COLUMNS = (SESSION_COLUMN, "person", "attendance", "completed")
ATTENDANCE_OPTIONAL = frozenset({"completed"})
REPORT_COLUMNS = (SESSION_COLUMN, *services.REPORT_FIELDS)
# Always the participants minus the other answers (services.report_values), so a file may leave them out.
REPORT_OPTIONAL = frozenset(column for column in services.REPORT_FIELDS if column.endswith("_not_answered"))

COLUMNS = {ImportUpload.Kind.ATTENDANCE: ATTENDANCE_COLUMNS, ImportUpload.Kind.REPORTS: REPORT_COLUMNS}
OPTIONAL = {ImportUpload.Kind.ATTENDANCE: ATTENDANCE_OPTIONAL, ImportUpload.Kind.REPORTS: REPORT_OPTIONAL}


def column_name(header) -> str:
    """A header cell as a column name: case, spaces and hyphens do not matter ("Session ID" is session_id)."""
    text = "" if header is None else str(header)
    text = text.replace("\ufeff", "").strip().casefold()
    return re.sub(r"[\s\-]+", "_", text)


# --- reading a file into rows -----------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """The rows of a file: column names, and (spreadsheet row number, {column: cell}) for each non-blank row."""

    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict], ...]


def read_table(content: bytes) -> Table:
    """The rows of a CSV or XLSX file, or ImportFileError saying why it cannot be read."""
    if not content:
        raise ImportFileError(_("The file is empty."))
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(too_large_message(len(content)))
    if content.startswith(XLSX_MAGIC):
        dataset, row_numbers = _read_xlsx(content)
    elif content.startswith(OLD_EXCEL_MAGIC):
        raise ImportFileError(
            _("This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) or as CSV UTF-8 and upload that.")
        )
    else:
        dataset, row_numbers = _read_csv(content)
    return _table(dataset, row_numbers)


def too_large_message(size):
    return _("The file is %(size)s; files of at most %(limit)s are accepted. Split it into smaller files.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(settings.IMPORT_MAX_BYTES),
    }


def _read_csv(content: bytes):
    try:
        # utf-8-sig drops the byte order mark Excel writes at the start of "CSV UTF-8".
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise ImportFileError(
            _(
                "The file is not UTF-8 text (the first problem is on line %(line)s). In your spreadsheet, "
                "save it as “CSV UTF-8”, or upload it as an Excel workbook (.xlsx)."
            )
            % {"line": line}
        ) from None
    binary = BINARY_CHARACTERS.search(text)
    if binary:
        raise ImportFileError(
            _("This does not look like a CSV or Excel file: line %(line)s holds control characters.")
            % {"line": text.count("\n", 0, binary.start()) + 1}
        )
    first_line = text.split("\n", 1)[0]
    # The header names hold no delimiter, so the one it uses most is the file's.
    delimiter = max(DELIMITERS, key=first_line.count)
    try:
        dataset = tablib.Dataset().load(text, format="csv", delimiter=delimiter)
    except tablib.InvalidDimensions:
        raise ImportFileError(_too_wide_message(text, delimiter)) from None
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise ImportFileError(
                _("A cell is longer than %(limit)s characters; nothing in these files is that long.")
                % {"limit": grouped(csv.field_size_limit())}
            ) from None
        raise ImportFileError(_("The file could not be read as CSV; check its quotes and line breaks.")) from None
    # tablib skips blank lines; where there are some, count records as a spreadsheet shows them.
    if BLANK_LINE.search(text):
        records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        row_numbers = [number for number, record in enumerate(records, start=1) if record][1:]
    else:
        row_numbers = range(2, dataset.height + 2)
    return dataset, row_numbers


def _too_wide_message(text, delimiter):
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(records, [])
    for number, record in enumerate(records, start=2):
        if len(record) > len(header):
            return _("Row %(row)s has %(cells)s cells, but the header row names only %(columns)s columns.") % {
                "row": number,
                "cells": len(record),
                "columns": len(header),
            }
    return _("Some rows have more cells than the header row names columns.")


def _read_xlsx(content: bytes):
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise ImportFileError(_("The file could not be read as an Excel workbook (.xlsx).")) from None
    if unpacked > UNPACKED_XLSX_FACTOR * settings.IMPORT_MAX_BYTES:
        raise ImportFileError(
            _("The workbook unpacks to %(size)s, more than these imports accept. Save it as CSV UTF-8 instead.")
            % {"size": filesizeformat(unpacked)}
        )
    try:
        values = _bounded_sheet_values(content)
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 — openpyxl raises all sorts (KeyError, XML, zip) on a damaged workbook
        raise ImportFileError(_("The file could not be read as an Excel workbook (.xlsx).")) from None
    width = max((_last_filled(row) for row in values), default=0)
    if not width:
        raise ImportFileError(_("The file is empty."))
    rows = [list(row[:width]) + [None] * (width - len(row)) for row in values]
    dataset = tablib.Dataset(*rows[1:], headers=rows[0])
    # Every row of the sheet is read, blank ones too, so numbering follows the sheet.
    return dataset, range(2, dataset.height + 2)


def _last_filled(row) -> int:
    """How many cells of a row there are up to its last non-blank one."""
    for index in range(len(row) - 1, -1, -1):
        if not _is_blank(row[index]):
            return index + 1
    return 0


def _bounded_sheet_values(content: bytes) -> list[tuple]:
    """The cell values of the workbook's active sheet, never more of it than an import may use.

    A few kilobytes of workbook can claim a cell at row 1,048,576 or column XFD, and
    reading it whole (as tablib's loader does) takes seconds and gigabytes: so at most
    MAX_XLSX_COLUMNS columns are read, and a sheet that runs on past the rows an import
    may hold (blank rows counted) is refused before it is read to the end.
    """
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = workbook.active
        if (sheet.max_column or 0) > MAX_XLSX_COLUMNS:
            raise ImportFileError(
                _("The sheet has %(count)s columns; an import has at most %(limit)s.")
                % {"count": grouped(sheet.max_column), "limit": MAX_XLSX_COLUMNS}
            )
        most_rows = 2 * settings.IMPORT_MAX_ROWS + 1
        values = list(islice(sheet.iter_rows(max_col=MAX_XLSX_COLUMNS, values_only=True), most_rows + 1))
    finally:
        workbook.close()
    if len(values) > most_rows:
        raise ImportFileError(
            _("The sheet runs on past row %(limit)s; remove the empty rows at its end or split it into smaller files.")
            % {"limit": grouped(most_rows)}
        )
    return values


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(dataset, row_numbers) -> Table:
    headers = list(dataset.headers or [])
    if not headers or all(_is_blank(header) for header in headers):
        raise ImportFileError(_("The first row must name the columns; it is empty."))
    names = [column_name(header) for header in headers]
    named = [index for index, name in enumerate(names) if name]
    for index, name in enumerate(names):
        if not name and any(not _is_blank(row[index]) for row in dataset):
            raise ImportFileError(
                _("Column %(column)s has values but no name in the header row.")
                % {"column": get_column_letter(index + 1)}
            )
    seen = set()
    for index in named:
        if names[index] in seen:
            raise ImportFileError(
                _("The column %(column)s appears twice in the header row.") % {"column": names[index]}
            )
        seen.add(names[index])
    rows = []
    for number, values in zip(row_numbers, dataset, strict=True):
        if all(_is_blank(value) for value in values):
            continue
        rows.append((number, {names[index]: values[index] for index in named}))
        if len(rows) > settings.IMPORT_MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(limit)s rows; split it into smaller files.")
                % {"limit": grouped(settings.IMPORT_MAX_ROWS)}
            )
    if not rows:
        raise ImportFileError(_("The file has a header row but no rows to import."))
    return Table(columns=tuple(names[index] for index in named), rows=tuple(rows))


def report_column_labels():
    """(column, what it holds) for every column of a report file, for the page that explains them."""
    return [(SESSION_COLUMN, _("The session's id."))] + [
        (name, ActivityReport._meta.get_field(name).verbose_name) for name in services.REPORT_FIELDS
    ]


def check_columns(table: Table, kind) -> None:
    """Raise ImportFileError unless the table has every required column of this kind and no other."""
    expected = COLUMNS[kind]
    unknown = [name for name in table.columns if name not in expected]
    missing = [name for name in expected if name not in table.columns and name not in OPTIONAL[kind]]
    if missing:
        raise ImportFileError(
            _("These columns are missing: %(missing)s. Download the template to see every column.")
            % {"missing": ", ".join(missing)}
        )
    if unknown:
        raise ImportFileError(
            _("These columns are not known here: %(unknown)s. Download the template to see every column.")
            % {"unknown": listed_names(unknown)}
        )


# --- reading one cell ------------------------------------------------------------------
# Every parser takes whatever a cell holds (str from CSV; str, int, float, bool, datetime
# or None from XLSX) and returns a clean value, or raises CellError: never anything else.


def grouped(number) -> str:
    """A number as the reader's language writes it, with thousands grouped: 20,000."""
    return number_format(number, force_grouping=True)


def cell_text(value) -> str:
    """A cell as text, the way a person reads it (12.0 from a spreadsheet is 12)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_whole_number(value, *, minimum=0, maximum=MAX_COUNT):
    """A whole number from minimum to maximum; None for an empty cell. 12.0 and " 12 " are 12."""
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("Give a whole number here, not yes or no."))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float | Decimal):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite:
            raise CellError(_("Give a whole number."))
        if value != int(value):
            raise CellError(_("Give a whole number, without decimals."))
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        # Any script's digits (int() reads Arabic-Indic ones); ".0" as spreadsheets write whole numbers.
        match = re.fullmatch(r"([+-]?)(\d{1,30})(?:[.,]0+)?", text)
        if not match and re.fullmatch(r"[+-]?\d{1,30}[.,]\d{1,30}", text):
            raise CellError(_("Give a whole number, without decimals."))
        if not match:
            raise CellError(_("Give a whole number."))
        number = int(match.group(1) + match.group(2))
    else:
        raise CellError(_("Give a whole number, not a date."))
    if number < minimum:
        raise CellError(_("Give a number of at least %(minimum)s.") % {"minimum": minimum})
    if number > maximum:
        raise CellError(_("Give a number of at most %(maximum)s.") % {"maximum": grouped(maximum)})
    return number


HOURS_LIMIT = Decimal(10_000_000)


def parse_hours(value):
    """Hours with at most one decimal (12.5, or 12,5 as many countries write it); None when empty."""
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("Give a number of hours, not yes or no."))
    if isinstance(value, int | float):
        # repr gives the shortest text that reads back as the same float: 12.3, not 12.300000000000000710…
        text = repr(value)
    elif isinstance(value, Decimal):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
        if "," in text and "." not in text:
            text = text.replace(",", ".")
    else:
        raise CellError(_("Give a number of hours, not a date."))
    if len(text) > 30 or not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
        raise CellError(_("Give a number of hours, like 12 or 12.5."))
    try:
        hours = Decimal(text)
    except InvalidOperation:
        raise CellError(_("Give a number of hours, like 12 or 12.5.")) from None
    if hours < 0:
        raise CellError(_("Hours cannot be negative."))
    if hours > HOURS_LIMIT:
        raise CellError(_("Give at most %(maximum)s hours.") % {"maximum": grouped(HOURS_LIMIT)})
    if hours != hours.quantize(Decimal("0.1")):
        raise CellError(_("Give hours with at most one decimal, like 12.5."))
    return hours.quantize(Decimal("0.1")) + 0


def _normalized_word(text: str) -> str:
    return re.sub(r"[\s_\-]+", "_", unicodedata.normalize("NFKC", text).strip().casefold())


@cache
def _words(vocabulary: str) -> dict:
    """{normalized word: value} for machine values and their labels in every UI language."""
    words = {}
    for value, machine_words, label in VOCABULARIES[vocabulary]:
        for word in machine_words:
            words[_normalized_word(word)] = value
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                words.setdefault(_normalized_word(str(label)), value)
    return words


YES_NO = (
    (True, ("yes", "y", "true", "1", "x"), _("yes")),
    (False, ("no", "n", "false", "0"), _("no")),
)


def parse_yes_no(value):
    """True or False from yes/no, true/false, 1/0 (any case, in any UI language); None when empty."""
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = _normalized_word(str(value)[:MAX_CELL_CHARACTERS])
    answer = _words("yes_no").get(word)
    if answer is None:
        raise CellError(_("Give yes or no."))
    return answer


ATTENDANCE_WORDS = (
    (Enrollment.Attendance.ATTENDED.value, ("attended",), Enrollment.Attendance.ATTENDED.label),
    (Enrollment.Attendance.NO_SHOW.value, ("no_show", "no show"), Enrollment.Attendance.NO_SHOW.label),
    (Enrollment.Attendance.UNKNOWN.value, ("not_marked", "unknown"), Enrollment.Attendance.UNKNOWN.label),
)


VOCABULARIES = {"yes_no": YES_NO, "attendance": ATTENDANCE_WORDS}


def parse_attendance(value):
    """attended, no_show or unknown from those words (or "not marked", or a UI label), any case; None when empty."""
    if _is_blank(value):
        return None
    word = _normalized_word(cell_text(value)[:MAX_CELL_CHARACTERS])
    attendance = _words("attendance").get(word)
    if attendance is None:
        raise CellError(_("Give attended, no_show or not_marked."))
    return attendance


def parse_text(value, *, max_length=MAX_CELL_CHARACTERS, multiline=False) -> str:
    """Text as given, without surrounding spaces; a formula-like text (=, +, -, @) is plain text."""
    text = cell_text(value)
    if len(text) > max_length:
        raise CellError(
            _("This cell has %(length)s characters; at most %(limit)s are accepted.")
            % {"length": grouped(len(text)), "limit": grouped(max_length)}
        )
    if not multiline and re.search(r"[\r\n\u202a-\u202e\u2066-\u2069]", text):
        raise CellError(_("Use a single line here."))
    return text


url_validator = URLValidator(schemes=["http", "https"])


def parse_url(value) -> str:
    text = parse_text(value, max_length=ActivityReport._meta.get_field("evidence_url").max_length)
    if text:
        try:
            url_validator(text)
        except ValidationError:
            raise CellError(_("Give a web address starting with https://.")) from None
    return text


def parse_session_id(value):
    number = parse_whole_number(value, minimum=1, maximum=2**63 - 1)
    if number is None:
        raise CellError(_("Give the session's id, the number in its address."))
    return number


# --- checking rows ---------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet shows it: the header is row 1
    column: str
    message: str
    value: str = ""


@dataclass(frozen=True)
class CheckedRow:
    row: int
    outcome: str
    session: Session
    change: object  # services.AttendanceChange, or the report's values
    person: object = None  # the enrollment's user, for attendance
    before: str = ""
    after: str = ""

    @property
    def outcome_label(self):
        return Outcome(self.outcome).label


@dataclass
class Check:
    """What a file would do: every good row with its outcome, every bad row with why."""

    kind: str
    rows: list[CheckedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def row_count(self):
        return len(self.rows) + len({error.row for error in self.errors})

    def count(self, outcome):
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def counts(self):
        return {outcome: self.count(outcome) for outcome in Outcome.values}

    @property
    def changes(self):
        return [row for row in self.rows if row.outcome != Outcome.UNCHANGED]

    @property
    def can_commit(self):
        return not self.errors and bool(self.rows)


class _RowErrors:
    """Collects one row's cell errors while its cells are parsed."""

    def __init__(self, check, number, cells):
        self.check, self.number, self.cells = check, number, cells
        self.failed_columns = set()

    @property
    def failed(self):
        return bool(self.failed_columns)

    def add(self, column, message):
        self.failed_columns.add(column)
        value = shortened(cell_text(self.cells.get(column))) if column in self.cells else ""
        self.check.errors.append(RowError(row=self.number, column=column, message=message, value=value))

    def parse(self, column, parser, **kwargs):
        try:
            return parser(self.cells.get(column), **kwargs)
        except CellError as error:
            self.add(column, error.message)
            return None


def _sessions_of(organization, ids) -> dict[int, Session]:
    sessions = Session.objects.filter(pk__in=ids, program__provider=organization).select_related(
        "program__original_language"
    )
    return {session.pk: session for session in sessions}


def _unknown_session(errors, session_id, organization):
    # Unknown and another organization's get the same words: ids are not a way to find out what exists.
    errors.add(
        SESSION_COLUMN,
        _("There is no session %(id)s among %(organization)s's sessions.")
        % {"id": session_id, "organization": organization.name},
    )


def check_table(table: Table, *, kind, organization, now=None) -> Check:
    """Every row of the table checked against the database: clean values and outcomes, or errors."""
    check_columns(table, kind)
    now = now or timezone.now()
    if kind == ImportUpload.Kind.ATTENDANCE:
        return _check_attendance(table, organization=organization, now=now)
    return _check_reports(table, organization=organization, now=now)


def _check_attendance(table, *, organization, now) -> Check:
    check = Check(kind=ImportUpload.Kind.ATTENDANCE)
    parsed = []
    for number, cells in table.rows:
        errors = _RowErrors(check, number, cells)
        session_id = errors.parse(SESSION_COLUMN, parse_session_id)
        person = errors.parse("person", parse_text)
        if not person and person is not None:
            errors.add("person", _("Give the person's username or email address."))
        attendance = errors.parse("attendance", parse_attendance)
        complete = errors.parse("completed", parse_yes_no)
        if attendance is None and "attendance" not in errors.failed_columns:
            if complete:
                attendance = Enrollment.Attendance.ATTENDED  # completing a session means having been there
            else:
                errors.add("attendance", _("Give attended, no_show or not_marked."))
        parsed.append((errors, session_id, person, attendance, bool(complete)))

    sessions = _sessions_of(organization, {session_id for _errors, session_id, *_rest in parsed if session_id})
    people = _enrolled_people(sessions)
    # Translated once, not per row: a lazy label costs a catalog lookup each time it is read.
    labels = {value: str(label) for value, label in Enrollment.Attendance.choices}
    unfound = []
    seen = {}
    for errors, session_id, person, attendance, complete in parsed:
        if session_id is None or not person:
            continue
        session = sessions.get(session_id)
        if session is None:
            _unknown_session(errors, session_id, organization)
            continue
        enrollment, problem = people.find(session_id, person)
        if problem:
            errors.add("person", problem)
            continue
        if enrollment is None:
            unfound.append((errors, person))
            continue
        key = (session_id, enrollment.user_id)
        if key in seen:
            errors.add("person", _("This person already has a row for this session: row %(row)s.") % {"row": seen[key]})
            continue
        seen[key] = errors.number
        if errors.failed:
            continue
        problems = services.attendance_problems(
            session=session, enrollment=enrollment, attendance=attendance, complete=complete, now=now
        )
        for name, message in problems.items():
            errors.add({"session": SESSION_COLUMN, "enrollment": "person", "attendance": "attendance"}[name], message)
        if problems:
            continue
        completing = complete and enrollment.is_enrolled
        changed = completing or enrollment.attendance != attendance
        after = labels[attendance]
        if completing:
            after = _("%(attendance)s, completed") % {"attendance": after}
        check.rows.append(
            CheckedRow(
                row=errors.number,
                outcome=Outcome.UPDATE if changed else Outcome.UNCHANGED,
                session=session,
                change=services.AttendanceChange(enrollment_id=enrollment.pk, attendance=attendance, complete=complete),
                person=enrollment.user,
                before=labels.get(enrollment.attendance, enrollment.attendance),
                after=after,
            )
        )
    for errors, person in unfound:
        # One message whether or not the person has an account: an import must not tell
        # any organization's staff which email addresses are registered.
        errors.add(
            "person",
            _("No one enrolled in this session has the username or email address %(person)s.")
            % {"person": shortened(person)},
        )
    check.errors.sort(key=lambda error: error.row)
    return check


class _EnrolledPeople:
    """The people enrolled in the file's sessions, found by username or email, one query for all."""

    def __init__(self, enrollments):
        self.by_username = {}
        self.by_folded = {}
        for enrollment in enrollments:
            user = enrollment.user
            self.by_username[(enrollment.session_id, user.username)] = enrollment
            for name in {user.username.casefold(), (user.email or "").casefold()} - {""}:
                self.by_folded.setdefault((enrollment.session_id, name), []).append(enrollment)

    def find(self, session_id, person):
        exact = self.by_username.get((session_id, person))
        if exact is not None:
            return exact, None
        matches = self.by_folded.get((session_id, person.casefold()), [])
        if len(matches) > 1:
            return None, _("More than one person in this session goes by %(person)s; give the exact username.") % {
                "person": shortened(person)
            }
        return (matches[0], None) if matches else (None, None)


def _enrolled_people(sessions) -> _EnrolledPeople:
    enrollments = (
        Enrollment.objects.filter(session__in=list(sessions))
        .of_people()
        .select_related("user")
        .only(
            "id",
            "session_id",
            "user_id",
            "status",
            "attendance",
            "user__username",
            "user__email",
            "user__display_name",
        )
    )
    return _EnrolledPeople(enrollments)


def _report_parser(name):
    model_field = ActivityReport._meta.get_field(name)
    if isinstance(model_field, models.BooleanField):
        return parse_yes_no, {}
    if isinstance(model_field, models.DecimalField):
        return parse_hours, {}
    if isinstance(model_field, models.URLField):
        return parse_url, {}
    if isinstance(model_field, models.TextField):
        return parse_text, {"max_length": model_field.max_length, "multiline": True}
    return parse_whole_number, {}


REPORT_PARSERS = {name: _report_parser(name) for name in services.REPORT_FIELDS}


def _check_reports(table, *, organization, now) -> Check:
    check = Check(kind=ImportUpload.Kind.REPORTS)
    parsed = []
    for number, cells in table.rows:
        errors = _RowErrors(check, number, cells)
        session_id = errors.parse(SESSION_COLUMN, parse_session_id)
        values = {}
        for name, (parser, options) in REPORT_PARSERS.items():
            values[name] = errors.parse(name, parser, **options) if name in cells else None
        if values["participants"] is None and "participants" not in errors.failed_columns:
            errors.add("participants", _("Give the number of participants."))
        parsed.append((errors, session_id, values))

    sessions = _sessions_of(organization, {session_id for _errors, session_id, _values in parsed if session_id})
    reports = {report.session_id: report for report in ActivityReport.objects.filter(session__in=list(sessions))}
    seen = {}
    for errors, session_id, values in parsed:
        if session_id is None:
            continue
        session = sessions.get(session_id)
        if session is None:
            _unknown_session(errors, session_id, organization)
            continue
        if session_id in seen:
            errors.add(
                SESSION_COLUMN,
                _("This session already has a row in this file: row %(row)s.") % {"row": seen[session_id]},
            )
            continue
        seen[session_id] = errors.number
        if errors.failed:
            continue
        problems = services.report_problems(session=session, values=values, now=now)
        for name, message in problems.items():
            errors.add(SESSION_COLUMN if name == "__all__" else name, message)
        if problems:
            continue
        clean = services.report_values(values)
        report = reports.get(session_id)
        if report is None:
            outcome = Outcome.CREATE
        elif not services.report_differs(report, clean):
            outcome = Outcome.UNCHANGED
        else:
            outcome = Outcome.UPDATE
        check.rows.append(
            CheckedRow(
                row=errors.number,
                outcome=outcome,
                session=session,
                change=values,
                before=str(report.participants) if report else "",
                after=str(clean["participants"]),
            )
        )
    check.errors.sort(key=lambda error: error.row)
    return check


# --- uploads and applying them ---------------------------------------------------------


def import_upload_create(*, organization, by, kind, filename, content: bytes, now=None) -> ImportUpload:
    """Keep an uploaded file for its preview and import; uploads abandoned a week ago go."""
    now = now or timezone.now()
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(too_large_message(len(content)))
    # Names come from the person's computer: no control or direction characters, one line.
    name = "".join(ch for ch in filename if unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp"}).strip()
    upload = ImportUpload(
        organization=organization,
        uploaded_by=by,
        kind=kind,
        original_filename=name[:255] or "upload",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )
    with transaction.atomic():
        ImportUpload.objects.filter(
            organization=organization, committed_at__isnull=True, created_at__lt=now - ABANDONED_UPLOAD_AGE
        ).delete()
        upload.full_clean(exclude=["content"])
        upload.save()
    return upload


def check_upload(upload: ImportUpload, *, now=None) -> Check:
    """The stored file read and checked afresh; ImportFileError when it cannot be read."""
    table = read_table(bytes(upload.content))
    return check_table(table, kind=upload.kind, organization=upload.organization, now=now)


def earlier_import_of_same_file(upload: ImportUpload):
    """When the same bytes were already imported for this organization, that earlier upload."""
    return (
        ImportUpload.objects.filter(
            organization_id=upload.organization_id, sha256=upload.sha256, committed_at__isnull=False
        )
        .exclude(pk=upload.pk)
        .defer("content")
        .order_by("-committed_at")
        .first()
    )


class AlreadyImported(Exception):
    """The upload was imported before; importing it again is refused to keep the record clear."""


def import_upload_commit(*, upload: ImportUpload, by, now=None) -> Check:
    """Read the stored file again, check every row again and apply all of it, or nothing.

    Things may have changed since the preview (a session cancelled, someone unenrolled),
    so nothing the preview said is trusted. The rows go through the services in bulk
    (services.attendance_import_apply, services.reports_import_apply), with the rules of
    marking one person and of report_save, inside one transaction; a refusal from a
    service undoes every row. Returns the check:
    when it has errors, nothing was written.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = ImportUpload.objects.select_for_update().select_related("organization").get(pk=upload.pk)
        if locked.committed_at is not None:
            raise AlreadyImported
        check = check_upload(locked, now=now)
        if not check.can_commit:
            return check
        if check.kind == ImportUpload.Kind.ATTENDANCE:
            services.attendance_import_apply(changes=[row.change for row in check.rows], by=by, now=now)
        else:
            services.reports_import_apply(reports=[(row.session, row.change) for row in check.rows], by=by, now=now)
        locked.committed_at = now
        locked.save(update_fields=["committed_at", "updated_at"])
    upload.committed_at = now
    return check


# --- templates -------------------------------------------------------------------------

TEMPLATE_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def template_file(kind, file_format) -> bytes:
    """An empty file to fill in: the header row, formula-safe, in CSV (with a byte order mark) or XLSX."""
    dataset = tablib.Dataset(headers=[spreadsheet_safe(name) for name in COLUMNS[kind]])
    dataset.title = kind
    if file_format == "csv":
        return (BYTE_ORDER_MARK + dataset.export("csv")).encode("utf-8")
    return dataset.export("xlsx")
