"""Querysets the program pages read, built so their query count stays fixed."""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.functional import cached_property

from capacity import fragments
from capacity.models import CapacityCategory, Language, Region
from capacity.privacy import suppress_small_cells
from stakeholders.models import ExchangeCapacity, Membership, Organization, SupportOffer, User

from .filters import SORTS, ProgramFilter
from .models import (
    DEMOGRAPHIC_DIMENSIONS,
    DEMOGRAPHIC_LABELS,
    ActivityReport,
    Certificate,
    Enrollment,
    PersonDemographics,
    Program,
    PublicationState,
    ReportState,
    Session,
)

CATALOG_PAGE_SIZE = 20
# Counts over the whole catalog are cached briefly: exact to the minute is plenty
# for "how many results would this give", and the table can be huge.
COUNT_CACHE_SECONDS = 120


def _card_queryset(queryset):
    """What a program card shows, in a fixed number of queries."""
    return queryset.select_related("provider", "region", "original_language").prefetch_related(
        Prefetch("categories", queryset=CapacityCategory.objects.order_by("position", "slug")),
        Prefetch("languages", queryset=Language.objects.order_by("english_name")),
    )


def _soonest_first(programs):
    return programs.with_next_session().order_by(F("next_session_at").asc(nulls_last=True), "pk")


# How many upcoming sessions the home page reads, in start order, to find its programs.
HOME_SESSIONS_WINDOW = 500


def upcoming_programs_for_home(*, limit):
    """The `limit` published programs whose next sessions come soonest (ties by id), as cards.

    The upcoming sessions are read in start order along the start index, and each program
    is kept the first time it appears (at its next session): a few hundred index entries.
    Ordering every upcoming program by its next session instead worked that out for all of
    them (19,000 at movement scale: 124 ms on every home page). When the window holds
    fewer programs than asked for (a program with hundreds of sessions first), the whole
    ordering answers instead: the same programs either way.
    """
    now = timezone.now()
    window = list(
        Session.objects.filter(starts_at__gte=now, is_cancelled=False, program__is_published=True)
        .order_by("starts_at", "program_id")
        .values_list("program_id", "starts_at")[:HOME_SESSIONS_WINDOW]
    )
    next_session = {}
    for program_id, starts_at in window:
        next_session.setdefault(program_id, starts_at)
    ids = list(next_session)[:limit]
    if len(ids) < limit and len(window) == HOME_SESSIONS_WINDOW:
        programs = _soonest_first(Program.objects.published().upcoming(now=now))
        return list(_card_queryset(programs)[:limit])
    programs = {program.pk: program for program in _card_queryset(Program.objects.filter(pk__in=ids))}
    found = []
    for pk in ids:
        if pk in programs:
            programs[pk].next_session_at = next_session[pk]
            found.append(programs[pk])
    return found


def _cache_key(prefix, params, version):
    """A key under the content version (read once per page), or None when the cache does not answer."""
    # The content version moves on with every change, so counts are never older than the rows.
    if version is None:  # nothing is kept or read
        return None
    keyed = {"params": params, "version": version}
    digest = hashlib.sha256(json.dumps(keyed, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"programs:{prefix}:{digest}"


class CachedCountPaginator(Paginator):
    """A paginator whose total comes from the cache instead of a COUNT per request."""

    def __init__(self, *args, count_key, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self):
        if self.count_key is None:
            return self.object_list.order_by().count()
        return cache.get_or_set(self.count_key, lambda: self.object_list.order_by().count(), COUNT_CACHE_SECONDS)


@dataclass
class FacetOption:
    value: str
    label: str
    count: int | None  # None when the page is rendered without counts
    selected: bool
    is_child: bool = False


def _normalized_params(filterset):
    """The filters that passed validation, as plain values: exactly what filterset.qs applies.

    Invalid fields are left out of cleaned_data and so out of the query; keying caches on
    the same values keeps a bad parameter from passing off a filtered count as another.
    """
    filterset.is_valid()
    data = filterset.form.cleaned_data
    params = {}
    for name, value in data.items():
        if value in (None, "", [], False) or (hasattr(value, "exists") and not value):
            continue
        if hasattr(value, "__iter__") and not isinstance(value, str):
            params[name] = sorted(
                str(getattr(item, "slug", None) or getattr(item, "code", None) or item) for item in value
            )
        else:
            params[name] = str(value)
    # "Upcoming" moves with time; the cache expires often enough for that.
    params["tz"] = str(timezone.get_current_timezone())
    return params


def _facet_branches():
    """One SELECT per facet over the matched programs (the CTE "matched"): (facet, option, programs)."""
    quote = connection.ops.quote_name

    def table(model):
        return quote(model._meta.db_table)

    def tagged(name, target):
        field = Program._meta.get_field(name)
        through = quote(field.remote_field.through._meta.db_table)
        return (
            f"JOIN {through} t ON t.{quote(field.m2m_column_name())} = m.id "
            f"JOIN {table(target)} x ON x.id = t.{quote(field.m2m_reverse_name())}"
        )

    by_column = "SELECT '{0}', m.{0}, COUNT(*) FROM matched m GROUP BY m.{0}"
    by_key = "SELECT '{0}', {1}, COUNT(DISTINCT m.id) FROM matched m {2} GROUP BY {1}"
    parent = f"LEFT JOIN {table(CapacityCategory)} parent ON parent.id = x.parent_id"
    return {
        "method": [by_column.format("method")],
        "format": [by_column.format("format")],
        "level": [by_column.format("level")],
        "region": [by_key.format("region", "x.slug", f"JOIN {table(Region)} x ON x.id = m.region_id")],
        "provider": [by_key.format("provider", "x.slug", f"JOIN {table(Organization)} x ON x.id = m.provider_id")],
        "language": [by_key.format("language", "x.code", tagged("languages", Language))],
        # Each capacity by its own tag, then each top-level one with its children's programs too.
        "category": [
            by_key.format("category", "x.slug", tagged("categories", CapacityCategory)),
            by_key.format(
                "category-root", "COALESCE(parent.slug, x.slug)", f"{tagged('categories', CapacityCategory)} {parent}"
            ),
        ],
    }


def _facet_counts(programs, facets):
    """Programs per option of each of these facets, among `programs`: {facet: {option: count}}.

    One query for all of them: the programs are matched once (a search is run once, not
    once per facet) and counted per facet in branches of one UNION ALL.
    """
    ids, params = programs.order_by().values("pk").query.sql_with_params()
    branches = _facet_branches()
    union = " UNION ALL ".join(branch for facet in facets for branch in branches[facet])
    columns = "id, method, format, level, region_id, provider_id"
    matched = f"SELECT {columns} FROM {connection.ops.quote_name(Program._meta.db_table)} WHERE id IN ({ids})"  # noqa: S608
    counts = {facet: {} for facet in facets}
    roots = {}
    with connection.cursor() as cursor:
        # Names come from the models and the filters' values travel as parameters.
        cursor.execute(f"WITH matched AS ({matched}) {union}", params)
        for facet, option, total in cursor.fetchall():
            if option is None:
                continue
            (roots if facet == "category-root" else counts[facet])[option] = total
    if "category" in counts:
        counts["category"].update(roots)
    return counts


def _catalog_counts(filterset, params, version):
    """Every facet's option counts with every other filter applied, from the cache or in one query per base.

    A facet nobody selected counts among the programs every filter selects; a selected
    one among those the other filters select. So the unselected facets share one query
    and each selected facet has its own.
    """
    keys = {
        facet: _cache_key(f"facet:{facet}", {key: value for key, value in params.items() if key != facet}, version)
        for facet in ProgramFilter.FACETS
    }
    kept = cache.get_many(list(keys.values())) if version is not None else {}
    counts = {facet: kept[keys[facet]] for facet in ProgramFilter.FACETS if keys[facet] in kept}
    missing = [facet for facet in ProgramFilter.FACETS if facet not in counts]
    groups = [[facet] for facet in missing if facet in params]
    unselected = [facet for facet in missing if facet not in params]
    if unselected:
        groups.append(unselected)
    for group in groups:
        programs = filterset.qs_without(group[0]) if group[0] in params else filterset.qs
        counts.update(_facet_counts(programs, group))
    if missing and version is not None:
        cache.set_many({keys[facet]: counts[facet] for facet in missing}, COUNT_CACHE_SECONDS)
    return counts


MAX_LONG_FACET_OPTIONS = 25


class _NoCounts(dict):
    """Option counts left out: every option reads None, and long facets show only what is selected."""

    def get(self, key, default=None):
        return None


def _most_common(counts, limit):
    ranked = sorted(((total, key) for key, total in counts.items() if key), reverse=True)
    return {key for _total, key in ranked[:limit]}


@dataclass
class Facet:
    name: str
    label: str
    options: list
    open: bool


@dataclass
class Catalog:
    filterset: ProgramFilter
    page: object
    facets: list
    sort: str
    is_filtered: bool
    with_counts: bool


def _facet_options(facet, counts, selected, vocabulary):
    options = []
    if facet == "category":
        for root in vocabulary["categories"]:
            options.append(FacetOption(root.slug, root.name, counts.get(root.slug, 0), root.slug in selected))
            for child in root.children.all():
                options.append(
                    FacetOption(child.slug, child.name, counts.get(child.slug, 0), child.slug in selected, True)
                )
        return options
    if facet in ("method", "format", "level"):
        choices = {"method": Program.Method, "format": Program.Format, "level": Program.Level}[facet].choices
        return [FacetOption(value, label, counts.get(value, 0), value in selected) for value, label in choices]
    if facet == "language":
        # Only languages some program is taught in; the full list has hundreds.
        return [
            FacetOption(language.code, f"{language.autonym}", counts.get(language.code, 0), language.code in selected)
            for language in vocabulary["languages"]
            if counts.get(language.code) or language.code in selected
        ]
    if facet == "region":
        return [FacetOption(r.slug, r.name, counts.get(r.slug, 0), r.slug in selected) for r in vocabulary["regions"]]
    if facet == "provider":
        return [
            FacetOption(o.slug, o.name, counts.get(o.slug, 0), o.slug in selected)
            for o in vocabulary["providers"]
            if counts.get(o.slug) or o.slug in selected
        ]
    return options


def catalog(*, data, page_number, with_counts=True):
    """The catalog page: filtered, sorted, paginated programs and the option counts."""
    base = Program.objects.published()
    filterset = ProgramFilter(data, queryset=base)
    params = _normalized_params(filterset)
    version = fragments.content_version()  # read once: the count and every facet are kept under it
    sort = data.get("sort") if data.get("sort") in SORTS else "soonest"

    programs = filterset.qs
    if sort == "soonest":
        programs = _soonest_first(programs)
    elif sort == "newest":
        programs = programs.with_next_session().order_by("-created_at", "-pk")
    else:
        programs = programs.with_next_session().with_enrolled_count().order_by("-enrolled_count", "-created_at", "pk")

    paginator = CachedCountPaginator(
        _card_queryset(programs), CATALOG_PAGE_SIZE, count_key=_cache_key("count", params, version)
    )
    page = paginator.get_page(page_number)

    if with_counts:
        counts = _catalog_counts(filterset, params, version)
    else:
        counts = {facet: _NoCounts() for facet in ProgramFilter.FACETS}
    selected = {facet: set(params.get(facet, [])) for facet in ProgramFilter.FACETS}
    vocabulary = {
        "categories": CapacityCategory.objects.roots().prefetch_related(
            Prefetch("children", queryset=CapacityCategory.objects.order_by("position", "slug"))
        ),
        "regions": Region.objects.all(),
        # Only the most common languages and providers, and whatever is selected: the
        # full lists run to hundreds and would make the page heavy.
        "languages": Language.objects.filter(
            code__in=_most_common(counts["language"], MAX_LONG_FACET_OPTIONS) | selected["language"]
        ).order_by("english_name"),
        "providers": sorted(
            Organization.objects.filter(
                slug__in=_most_common(counts["provider"], MAX_LONG_FACET_OPTIONS) | selected["provider"]
            ),
            key=lambda organization: organization.name.casefold(),
        ),
    }
    facets = [
        Facet(
            facet,
            filterset.filters[facet].label,
            _facet_options(facet, counts[facet], selected[facet], vocabulary),
            open=bool(selected[facet]),
        )
        for facet in ProgramFilter.FACETS
    ]
    is_filtered = any(key for key in params if key != "tz")
    return Catalog(
        filterset=filterset, page=page, facets=facets, sort=sort, is_filtered=is_filtered, with_counts=with_counts
    )


def program_for_page(*, slug):
    """A published program with its upcoming sessions and the viewer's enrollments."""
    sessions = Session.objects.filter(is_cancelled=False).order_by("starts_at").prefetch_related("facilitators")
    program = (
        Program.objects.published()
        .select_related("provider", "region", "original_language")
        .prefetch_related(
            Prefetch("categories", queryset=CapacityCategory.objects.select_related("parent").order_by("position")),
            Prefetch("languages", queryset=Language.objects.order_by("english_name")),
            Prefetch("sessions", queryset=sessions),
        )
        .filter(slug=slug)
        .first()
    )
    return program


def enrollments_by_session(*, user, sessions):
    """The viewer's own enrollment in each of these sessions, with waiting-list positions."""
    if not user.is_authenticated:
        return {}
    enrollments = Enrollment.objects.filter(user=user, session__in=sessions).with_waitlist_position()
    by_id = {session.pk: session for session in sessions}
    mine = {}
    for enrollment in enrollments:
        enrollment.session = by_id[enrollment.session_id]  # the predicates read the session: no query each
        mine[enrollment.session_id] = enrollment
    return mine


def my_learning(*, user, now=None):
    """A person's enrollments, grouped as the My learning page shows them."""
    now = now or timezone.now()
    enrollments = (
        Enrollment.objects.filter(user=user)
        .exclude(status=Enrollment.Status.CANCELLED)
        .select_related("session__program__provider", "session__program__original_language", "certificate")
        .with_waitlist_position()
        .order_by("session__starts_at")
    )
    groups = {"upcoming": [], "waitlisted": [], "past": [], "completed": []}
    for enrollment in enrollments:
        if enrollment.is_completed:
            groups["completed"].append(enrollment)
        elif enrollment.is_waitlisted:
            # A waiting list ends when its session is cancelled.
            if enrollment.session.ends_at >= now and not enrollment.session.is_cancelled:
                groups["waitlisted"].append(enrollment)
        elif enrollment.session.ends_at >= now:
            groups["upcoming"].append(enrollment)
        else:
            groups["past"].append(enrollment)
    groups["past"].reverse()
    groups["completed"].reverse()
    return groups


def participants_for_session(*, session):
    """Everyone in a session, for its organizers, in seat-then-queue order."""
    return (
        Enrollment.objects.filter(session=session)
        .of_people()
        .exclude(status=Enrollment.Status.CANCELLED)
        .select_related("user", "certificate")
        .with_waitlist_position()
        .order_by("status", "waitlisted_at", "created_at")
    )


def report_for_session(*, session):
    """The session's activity report with who submitted it, or None."""
    return ActivityReport.objects.select_related("submitted_by").filter(session=session).first()


def reports_for_organization(*, organization):
    """Every activity report of an organization's sessions, oldest session first, for exports (exports.report_rows)."""
    return ActivityReport.objects.filter(session__program__provider=organization).order_by("session__starts_at", "pk")


def report_export_names(*, reports):
    """For exporting these reports: {program id: (provider's name, title shown)}, {reporter id: name}, two queries."""
    programs = Program.objects.filter(pk__in=reports.order_by().values("session__program_id")).select_related(
        "provider", "original_language"
    )
    reporters = User.objects.filter(pk__in=reports.order_by().values("submitted_by_id")).only(
        "display_name", "username"
    )
    return (
        {program.pk: (program.provider.name, program.shown("title").text) for program in programs},
        {person.pk: person.public_name for person in reporters},
    )


def calendar_enrollments(*, user):
    return (
        Enrollment.objects.filter(user=user)
        .holding_seat()
        .select_related("session__program__provider", "session__program__original_language")
        .order_by("session__starts_at")
    )


def organization_list(*, kind=None, region=None):
    """Organizations with how many published programs each has, sorted by the name readers see.

    The count is a subquery per organization shown, which PostgreSQL works out after the
    page is cut: a join of every program to its organization, grouped, sorted 50,000 wide
    rows on disk at movement scale (90 ms a page, and the page count 25 ms more).
    """
    published = Program.objects.filter(provider=OuterRef("pk"), is_published=True)
    organizations = Organization.objects.select_related("region").annotate(
        published_programs=_count_of(published, by="provider")
    )
    if kind:
        organizations = organizations.filter(kind=kind)
    if region:
        organizations = organizations.filter(region__slug=region)
    return organizations.order_by(Organization.shown_expression("name"), "pk")


def organization_for_page(*, slug):
    """An organization with its region and working languages, or None."""
    return (
        Organization.objects.select_related("region")
        .prefetch_related(Prefetch("languages", queryset=Language.objects.order_by("english_name")))
        .filter(slug=slug)
        .first()
    )


def organization_upcoming_programs(*, organization, limit=12):
    """An organization's next dozen upcoming programs, soonest first."""
    programs = _soonest_first(Program.objects.published().upcoming().filter(provider=organization))
    return list(programs.select_related("original_language")[:limit])


# The affiliate staff's workspace ------------------------------------------------

WORKSPACE_PAGE_SIZE = 25
WORKSPACE_REPORTS_PAGE_SIZE = 50
# How many of each organization's newest programs the workspace home shows.
WORKSPACE_HOME_PROGRAMS = 5


def publication_state_condition(state, *, prefix=""):
    """The filter for programs in one publication state; `prefix` reaches them through a relation."""
    published, archived = f"{prefix}is_published", f"{prefix}archived_at__isnull"
    return {
        PublicationState.DRAFT: Q(**{published: False, archived: True}),
        PublicationState.PUBLISHED: Q(**{published: True, archived: True}),
        PublicationState.ARCHIVED: Q(**{archived: False}),
    }[PublicationState(state)]


def _count_of(rows, *, by):
    """How many of `rows` (tied to the outer row through OuterRef on `by`) there are, 0 for none: one subquery."""
    counted = rows.order_by().values(by).annotate(total=Count("pk")).values("total")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _with_session_count(programs):
    """Annotate session_count: the sessions that are not cancelled, past or to come."""
    sessions = Session.objects.filter(program=OuterRef("pk"), is_cancelled=False)
    return programs.annotate(session_count=_count_of(sessions, by="program"))


def _workspace_rows(programs):
    """What a workspace list shows of each program, in one query whatever the number of rows."""
    return _with_session_count(programs.with_next_session()).select_related("original_language")


def workspace_organizations(*, user):
    """The organizations a person runs as staff or admin, with their programs counted per state."""
    runs = Membership.objects.managing().filter(user=user, organization=OuterRef("pk"))
    counts = {
        f"{state}_count": Count("programs", filter=publication_state_condition(state, prefix="programs__"))
        for state in PublicationState.values
    }
    return (
        Organization.objects.filter(Exists(runs))
        .annotate(**counts)
        .order_by(Organization.shown_expression("name"), "pk")
    )


def workspace_newest_programs(*, organization_ids, per_organization=WORKSPACE_HOME_PROGRAMS):
    """Each organization's newest programs, grouped by organization id, in one query."""
    newest_first = [F("created_at").desc(), F("pk").desc()]
    ranked = Program.objects.filter(provider_id__in=organization_ids).annotate(
        rank=Window(RowNumber(), partition_by=[F("provider_id")], order_by=newest_first)
    )
    programs = _workspace_rows(ranked.filter(rank__lte=per_organization)).order_by("provider_id", *newest_first)
    grouped = {}
    for program in programs:
        grouped.setdefault(program.provider_id, []).append(program)
    return grouped


def workspace_programs(*, organization, state=""):
    """An organization's programs for its staff, newest first, optionally in one publication state."""
    programs = Program.objects.filter(provider=organization)
    if state:
        programs = programs.filter(publication_state_condition(state))
    return _workspace_rows(programs).order_by("-created_at", "-pk")


def workspace_state_counts(*, organization):
    """{state: number of the organization's programs in it}, in one query."""
    return Program.objects.filter(provider=organization).aggregate(
        **{state: Count("pk", filter=publication_state_condition(state)) for state in PublicationState.values}
    )


def workspace_sessions(*, program):
    """A program's sessions for its staff, latest start first, with how many people wait for each."""
    waiting = Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.WAITLISTED))
    return Session.objects.filter(program=program).annotate(waiting_count=waiting).order_by("-starts_at", "-pk")


def _ended_sessions(*, organization, now=None):
    """The organization's sessions that have ended; cancelled ones have nothing to report.

    "Started before now" says nothing more (a session ends after it starts, a constraint
    keeps it so) but lets the latest-first list walk the index on starts_at from now back,
    instead of through every session still to come (26,000 rows at the movement's scale).
    """
    now = now or timezone.now()
    return Session.objects.filter(
        program__provider=organization, is_cancelled=False, starts_at__lt=now, ends_at__lte=now
    )


def workspace_reports(*, organization, state="", now=None):
    """The organization's sessions that have ended, latest first: the list's page of ids.

    What each row shows comes from workspace_report_rows, for the rows not kept rendered.
    """
    sessions = _ended_sessions(organization=organization, now=now)
    if state == ReportState.MISSING:
        sessions = sessions.filter(report__isnull=True)
    elif state == ReportState.REPORTED:
        sessions = sessions.filter(report__isnull=False)
    return sessions.order_by("-starts_at", "-pk")


def workspace_report_rows(*, session_ids):
    """What the reports list shows of these sessions (its page of ids is read first): one query."""
    return Session.objects.filter(pk__in=session_ids).select_related("program__original_language", "report")


def workspace_report_counts(*, organization, now=None):
    """{state: how many ended sessions are in it}, in one query."""
    return _ended_sessions(organization=organization, now=now).aggregate(
        missing=Count("pk", filter=Q(report__isnull=True)), reported=Count("pk", filter=Q(report__isnull=False))
    )


# Kept two minutes: the minute before must still be there while the next one is counted.
REPORT_COUNTS_SECONDS = 120
REPORT_COUNTING_SECONDS = 30  # how long others wait on one request's count before counting too


def cached_workspace_report_counts(*, organization, now):
    """(workspace_report_counts, the moment they are for), kept under the content version and the minute.

    A large affiliate has tens of thousands of ended sessions, and counting them joins
    every one to its report (a tenth of a second at the movement's scale). The services
    move the content version on with every change to sessions and reports, so a count
    is never older than the rows; callers pass a `now` on a minute boundary, so the
    sessions that end meanwhile are counted from the next minute, as the page lists them.

    When a minute begins, one request counts it; the others meanwhile get the minute
    before (if it is kept) and list the sessions as of that moment too, rather than all
    counting at once — under load that stampede was the page's slowest tail.
    """
    version = fragments.content_version()
    key = _cache_key("report-counts", [organization.pk, now.isoformat()], version)
    if key is None:
        return workspace_report_counts(organization=organization, now=now), now
    counts = cache.get(key)
    if counts is not None:
        return counts, now
    if not cache.add(f"{key}:counting", True, REPORT_COUNTING_SECONDS):
        before = now - timedelta(minutes=1)
        previous = cache.get(_cache_key("report-counts", [organization.pk, before.isoformat()], version))
        if previous is not None:
            return previous, before
    counts = workspace_report_counts(organization=organization, now=now)
    cache.set(key, counts, REPORT_COUNTS_SECONDS)
    cache.delete(f"{key}:counting")
    return counts, now


def shared_demographics(*, session, minimum: int):
    """What the session's participants consented to share, counted, or None when fewer than `minimum` shared.

    Participants are the people who attended or completed it. Below the threshold
    nothing is shown, not even the number: a handful of answers would single people out.
    Above it, answers given by fewer than `minimum` people are lumped together (see
    capacity.privacy.suppress_small_cells). Counted in one SQL query.
    """
    participants = (
        Enrollment.objects.filter(session=session)
        .of_people()
        .filter(Q(status=Enrollment.Status.COMPLETED) | Q(attendance=Enrollment.Attendance.ATTENDED))
        .values("user_id")
    )
    dimensions = ("gender", "age")
    counts = {"count": Count("pk")}
    for dimension in dimensions:
        for value, _label in DEMOGRAPHIC_DIMENSIONS[dimension]:
            given = Q(**{dimension: ""}) if value == "not_answered" else Q(**{dimension: value})
            counts[f"{dimension}__{value}"] = Count("pk", filter=given)
    figures = PersonDemographics.objects.filter(user_id__in=participants).aggregate(**counts)
    if figures["count"] < minimum:
        return None
    breakdown = []
    for dimension in dimensions:
        cells = [(label, figures[f"{dimension}__{value}"]) for value, label in DEMOGRAPHIC_DIMENSIONS[dimension]]
        shown, other = suppress_small_cells(cells, minimum=minimum)
        breakdown.append((DEMOGRAPHIC_LABELS[dimension], shown, other))
    return {"count": figures["count"], "breakdown": breakdown, "minimum": minimum}


# Entries shown per profile section, newest first; the section says when there are more.
PROFILE_SECTION_LIMIT = 50


def _newest(queryset):
    """At most PROFILE_SECTION_LIMIT rows, and whether there were more: one query."""
    rows = list(queryset[: PROFILE_SECTION_LIMIT + 1])
    return rows[:PROFILE_SECTION_LIMIT], len(rows) > PROFILE_SECTION_LIMIT


def profile_sections(*, person, visibility):
    """The sections of a person's profile page they chose to show: {name: (rows, more[, total])}, one query each."""
    sections = {}
    if visibility.show_facilitated:
        sections["facilitated"] = _newest(
            Session.objects.filter(
                facilitators=person, program__is_published=True, is_cancelled=False, starts_at__lte=timezone.now()
            )
            .select_related("program__original_language", "program__provider")
            .order_by("-starts_at", "-pk")
        )
    if visibility.show_attended:
        sections["attended"] = _newest(
            Enrollment.objects.filter(user=person, session__program__is_published=True)
            .filter(Q(status=Enrollment.Status.COMPLETED) | Q(attendance=Enrollment.Attendance.ATTENDED))
            .select_related("session__program__original_language", "session__program__provider")
            .order_by("-session__starts_at", "-pk")
        )
    if visibility.show_certificates:
        sections["certificates"] = _newest(
            Certificate.objects.filter(enrollment__user=person, revoked_at__isnull=True).order_by(
                "-completed_on", "-pk"
            )
        )
    if visibility.show_offers:
        offers = (
            SupportOffer.objects.filter(author=person, request__is_sensitive=False)
            .select_related("request__language")
            .order_by("-created_at", "-pk")
        )
        sections["offers"] = (*_newest(offers), offers.count())
    if visibility.show_capacities:
        sections["capacities"] = _newest(
            ExchangeCapacity.objects.filter(profile__user=person, profile__is_listed=True, shares=True)
            .select_related("category")
            .order_by("category__name", "pk")
        )
    return sections


def deletion_counts(*, user) -> dict:
    """What the account-deletion page tells a person: their participations and certificates, in one query."""
    return Enrollment.objects.filter(user=user).aggregate(
        participations=Count("pk", filter=~Q(status=Enrollment.Status.CANCELLED)),
        certificates=Count("certificate"),
    )
