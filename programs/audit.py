"""An organization's audit trail: every recorded change to it, its people, programs, sessions and reports.

The records are django-simple-history's historical tables, one per kind of object.
A page of the trail is found in SQL (a UNION of when/kind/record id over the five
tables, ordered and sliced by the database); only that page's records are loaded,
in bulk per kind, with the record before each change to say what changed. The
number of queries does not grow with the rows shown or with the size of the trail.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Max, OuterRef, Q, Subquery, Value
from django.utils import formats, timezone, translation
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _
from modeltranslation.translator import NotRegistered, translator

from capacity.models import Language, Region, text_direction, ui_language_codes, ui_language_field
from stakeholders.models import Membership, Organization

from .models import ActivityReport, Program, Session

ENTRIES_PER_PAGE = 50
# Long texts (descriptions, notes) are cut to this many characters on the page.
VALUE_LENGTH = 120


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type

    @property
    def label(self):
        return capfirst(self.model._meta.verbose_name)

    @property
    def history(self):
        return self.model.history.model


KINDS = {
    kind.slug: kind
    for kind in (
        Kind("organization", Organization),
        Kind("membership", Membership),
        Kind("program", Program),
        Kind("session", Session),
        Kind("report", ActivityReport),
    )
}

ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


def kind_choices():
    return [(kind.slug, kind.label) for kind in KINDS.values()]


def _records(organization) -> dict[str, list[models.QuerySet]]:
    """Each kind's historical records that belong to the organization's trail, in disjoint parts.

    Programs are the organization's own and those it provided when they were deleted;
    sessions and reports follow their program, deleted ones included, because their
    records keep the program and session they belonged to.

    Records of current and of deleted programs are separate parts of the UNION, each
    with one IN, rather than one part with two INs joined by OR: PostgreSQL plans an
    OR of subqueries as a filter on every row, reading every organization's history to
    find one organization's trail, where a single IN uses the program_id index for a
    small organization and a hash join for a large one. Deleted programs are few (only
    stewards delete, in the admin), so their ids are fetched first, in one small query,
    and their parts are left out when there are none.
    """
    programs = Program.history.model.objects
    sessions = Session.history.model.objects
    reports = ActivityReport.history.model.objects
    current_ids = Program.objects.filter(provider=organization).order_by().values("pk")
    # A deleted program restored from its history is current again: counted once.
    deleted_ids = sorted(
        programs.filter(provider_id=organization.pk, history_type="-")
        .exclude(id__in=current_ids)
        .order_by()
        .values_list("id", flat=True)
        .distinct()
    )
    program_parts = [current_ids, deleted_ids] if deleted_ids else [current_ids]
    return {
        "organization": [Organization.history.model.objects.filter(id=organization.pk)],
        "membership": [Membership.history.model.objects.filter(organization_id=organization.pk)],
        "program": [programs.filter(id__in=ids) for ids in program_parts],
        "session": [sessions.filter(program_id__in=ids) for ids in program_parts],
        "report": [
            reports.filter(session_id__in=sessions.filter(program_id__in=ids).order_by().values("id"))
            for ids in program_parts
        ],
    }


def audit_keys(*, organization, kind: str = "", person=None):
    """(history_date, history_id, kind) of every record in the trail, newest first, as one SQL query."""
    querysets = _records(organization)
    if kind:
        querysets = {kind: querysets[kind]}
    parts = []
    for slug, kind_parts in querysets.items():
        for records in kind_parts:
            if person is not None:
                records = records.filter(history_user=person)
            parts.append(
                records.order_by()
                .annotate(record_kind=Value(slug, output_field=models.CharField()))
                .values_list("history_date", "history_id", "record_kind")
            )
    keys = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return keys.order_by("-history_date", "-history_id", "record_kind")


def audit_people(*, organization):
    """The people who made a recorded change in the organization's trail, for the filter.

    One IN over a UNION of the parts, as in _records, so each part can use its index.
    """
    people = [
        records.filter(history_user__isnull=False).order_by().values("history_user_id")
        for kind_parts in _records(organization).values()
        for records in kind_parts
    ]
    made_one = people[0].union(*people[1:])
    return get_user_model().objects.filter(pk__in=made_one).order_by("display_name", "username")


# --- a page of entries -------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A text to show, with the language and direction it is written in when known."""

    text: str
    language: str = ""
    direction: str = ""

    def __str__(self):
        return self.text


@dataclass(frozen=True)
class Change:
    """One field's value before and after; None is an empty value."""

    label: str
    before: Text | None
    after: Text | None


@dataclass
class Entry:
    when: datetime
    who: object  # the person, or None for the system
    kind: Kind
    action: str
    action_label: str
    subject: Text
    starts_at: datetime | None = None
    changes: list[Change] = field(default_factory=list)

    @property
    def is_change(self):
        return self.action == "~"


def audit_page(*, organization, kind: str = "", person=None, page_number=None):
    """A Paginator page of the trail, its object_list turned into Entries."""
    page = Paginator(audit_keys(organization=organization, kind=kind, person=person), ENTRIES_PER_PAGE).get_page(
        page_number
    )
    page.object_list = _entries(list(page.object_list))
    return page


def _skipped_fields(model):
    """Fields left out of a diff: the key, and modeltranslation's untranslated columns.

    The plain `title` column of a translated field holds whichever translation was active
    when the row was saved; the per-language columns (title [ko], …) say what changed.
    """
    try:
        translated = set(translator.get_options_for_model(model).fields)
    except NotRegistered:
        translated = set()
    return {"id", *translated}


def _newest_records(history_model, ids):
    """{object id: its most recent historical record}, deleted objects included, in one query."""
    if not ids:
        return {}
    newest = (
        history_model.objects.filter(id__in=ids)
        .order_by()
        .values("id")
        .annotate(newest=Max("history_id"))
        .values("newest")
    )
    return {record.id: record for record in history_model.objects.filter(history_id__in=newest)}


def _previous_history_id(history_model):
    """The record just before this one of the same object, as a subquery."""
    return Subquery(
        history_model.objects.filter(id=OuterRef("id"))
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )


class _Names:
    """Readable names for the ids a page mentions, fetched once per kind of object."""

    def __init__(self):
        self.wanted = {Language: set(), Region: set(), Organization: set(), get_user_model(): set()}
        self.found = {}
        self.programs = {}
        self.sessions = {}

    def want(self, model, pk):
        if pk is not None and model in self.wanted:
            self.wanted[model].add(pk)

    def fetch(self):
        User = get_user_model()
        self.found[Language] = {item.pk: item for item in Language.objects.filter(pk__in=self.wanted[Language])}
        self.found[Region] = {item.pk: item for item in Region.objects.filter(pk__in=self.wanted[Region])}
        self.found[Organization] = {
            item.pk: item for item in Organization.objects.filter(pk__in=self.wanted[Organization])
        }
        self.found[User] = {
            item.pk: item for item in User.objects.filter(pk__in=self.wanted[User]).only("username", "display_name")
        }

    def _found(self, model, pk):
        wanted = self.wanted.get(model)
        if not wanted:
            return None
        return self.found.get(model, {}).get(pk)

    def person(self, pk):
        person = self._found(get_user_model(), pk)
        if person is None:
            return Text(f"#{pk}")
        if person.display_name:
            return Text(f"{person.display_name} ({person.username})", direction="auto")
        return Text(person.username, direction="auto")

    def program_title(self, record):
        """A historical program's title as its reader sees it: their language, else the original, else any."""
        if record is None:
            return Text("")
        reader = translation.get_language() or settings.LANGUAGE_CODE
        text = getattr(record, f"title_{ui_language_field(reader)}", "") or ""
        if text:
            return Text(text, reader, text_direction(reader))
        if record.original_title:
            language = self._found(Language, record.original_language_id)
            if language is not None:
                return Text(record.original_title, language.code, language.direction)
            return Text(record.original_title, direction="auto")
        for code in ui_language_codes():
            text = getattr(record, f"title_{ui_language_field(code)}", "") or ""
            if text:
                return Text(text, code, text_direction(code))
        return Text(f"#{record.id}")

    def label(self, model, pk):
        """An object named where it is cheap; else its id."""
        if model is Program:
            return self.program_title(self.programs.get(pk))
        if model is Session:
            session = self.sessions.get(pk)
            return Text(_datetime(session.starts_at)) if session else Text(f"#{pk}")
        if model is get_user_model():
            return self.person(pk)
        found = self._found(model, pk)
        if found is None:
            return Text(f"#{pk}")
        if model is Language:
            return Text(found.autonym, found.code, found.direction)
        return Text(str(found), direction="auto")


def _datetime(value):
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _value(model_field, value, names):
    """A field's value as a reader understands it: labels, names, yes/no, local times, short text."""
    if value is None or value == "":
        return None
    if isinstance(model_field, models.ForeignKey):
        return names.label(model_field.related_model, value)
    if isinstance(model_field, models.BooleanField):
        return Text(str(_("yes") if value else _("no")))
    if model_field.choices:
        return Text(str(dict(model_field.flatchoices).get(value, value)))
    if isinstance(value, datetime):
        return Text(_datetime(value))
    if isinstance(value, (int, Decimal)):
        return Text(formats.number_format(value, use_l10n=True))
    language = getattr(model_field, "language", "")
    text = Truncator(str(value)).chars(VALUE_LENGTH)
    if language:
        return Text(text, language, text_direction(language))
    return Text(text, direction="auto")


def _entries(keys):
    """Entries for a page of (history_date, history_id, kind) keys, in their order."""
    ids_by_kind = {}
    for _when, history_id, kind in keys:
        ids_by_kind.setdefault(kind, []).append(history_id)

    records, previous = {}, {}
    for kind, ids in ids_by_kind.items():
        history_model = KINDS[kind].history
        found = (
            history_model.objects.filter(history_id__in=ids)
            .select_related("history_user")
            .annotate(previous_history_id=_previous_history_id(history_model))
        )
        for record in found:
            records[(kind, record.history_id)] = record
        previous_ids = [record.previous_history_id for record in found if record.history_type == "~"]
        if previous_ids:
            for record in history_model.objects.filter(history_id__in=previous_ids):
                previous[(kind, record.history_id)] = record

    diffs = {}
    for (kind, history_id), record in records.items():
        before = previous.get((kind, record.previous_history_id))
        if record.history_type == "~" and before is not None:
            diffs[(kind, history_id)] = record.diff_against(before, excluded_fields=_skipped_fields(KINDS[kind].model))

    names = _Names()
    User = get_user_model()
    session_ids, program_ids = set(), set()
    for (kind, history_id), record in records.items():
        if kind == "session":
            program_ids.add(record.program_id)
        elif kind == "report":
            session_ids.add(record.session_id)
        elif kind == "membership":
            names.want(User, record.user_id)
        elif kind == "program":
            names.want(Language, record.original_language_id)
        delta = diffs.get((kind, history_id))
        for change in delta.changes if delta else ():
            model_field = record._meta.get_field(change.field)
            if isinstance(model_field, models.ForeignKey):
                for pk in (change.old, change.new):
                    if model_field.related_model is Session:
                        session_ids.add(pk)
                    elif model_field.related_model is Program:
                        program_ids.add(pk)
                    else:
                        names.want(model_field.related_model, pk)
    names.sessions = _newest_records(Session.history.model, {pk for pk in session_ids if pk is not None})
    program_ids |= {session.program_id for session in names.sessions.values()}
    names.programs = _newest_records(Program.history.model, {pk for pk in program_ids if pk is not None})
    for program in names.programs.values():
        names.want(Language, program.original_language_id)
    names.fetch()

    entries = []
    for _when, history_id, kind in keys:
        record = records.get((kind, history_id))
        if record is None:  # gone between the two queries
            continue
        entries.append(_entry(KINDS[kind], record, diffs.get((kind, history_id)), names))
    return entries


def _subject(kind, record, names):
    """Which object a record is about, and for sessions when it starts."""
    if kind.slug == "organization":
        reader = ui_language_field(translation.get_language() or settings.LANGUAGE_CODE)
        return Text(getattr(record, f"name_{reader}", "") or record.name_en or record.name, direction="auto"), None
    if kind.slug == "membership":
        return names.person(record.user_id), None
    if kind.slug == "program":
        return names.program_title(record), None
    if kind.slug == "session":
        return names.program_title(names.programs.get(record.program_id)), record.starts_at
    session = names.sessions.get(record.session_id)
    if session is None:
        return Text(f"#{record.session_id}"), None
    return names.program_title(names.programs.get(session.program_id)), session.starts_at


def _entry(kind, record, delta, names):
    subject, starts_at = _subject(kind, record, names)
    changes = []
    if delta is not None:
        order = {model_field.name: index for index, model_field in enumerate(record._meta.fields)}
        for change in sorted(delta.changes, key=lambda change: order.get(change.field, 0)):
            model_field = record._meta.get_field(change.field)
            changes.append(
                Change(
                    label=capfirst(model_field.verbose_name),
                    before=_value(model_field, change.old, names),
                    after=_value(model_field, change.new, names),
                )
            )
    return Entry(
        when=record.history_date,
        who=record.history_user,
        kind=kind,
        action=record.history_type,
        action_label=ACTIONS.get(record.history_type, record.history_type),
        subject=subject,
        starts_at=starts_at,
        changes=changes,
    )
