"""Measurements: what each source says, per indicator, written replace-style so nothing counts twice.

A source (an activity report, an allocation, a survey response, a self-assessment) owns
its measurements as a whole. Measuring it again computes every row it should have now,
and when they differ from the stored ones, deletes the stored rows and inserts the new
ones in one transaction, marking the years both touch as stale for the report job.
Measuring twice therefore writes nothing the second time, and an edited figure replaces
its old value instead of adding to it.

Activity reports and allocations live in apps that may not import evaluation, so
`measurements_sync` finds what changed since its watermark (SyncMark) and measures
that; survey responses and self-assessments are measured by the services that save
them, and the sync only catches what those services could not see (edited sessions,
deleted rows).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from capacity.dates import site_date, site_date_of
from programs.models import DEMOGRAPHIC_DIMENSIONS, ActivityReport, Enrollment, Program, Session
from resources.models import Allocation
from resources.selectors import reached_reports

from .models import (
    EVERY_INDICATOR,
    FOLLOW_UP_MONTHS,
    NOT_ASKED,
    Indicator,
    Measurement,
    ProgramCapacitiesSeen,
    SelfAssessment,
    SelfAssessmentRating,
    Source,
    StaleIndicator,
    StalePeriod,
    SurveyInvitation,
    SurveyKind,
    SurveyRating,
    SurveyResponse,
    SyncMark,
)

# Ids measured per transaction by a full re-measure: big enough to be quick, small
# enough that a batch's rows fit in memory and its locks are short.
BATCH_SIZE = 2000
# Rows are compared and stored with the column's four decimals.
PLACES = Decimal("0.0001")
CENT = Decimal("0.01")
# A source saved in a transaction that commits after the sync read the table carries an
# updated_at older than the new watermark; reading back before the watermark catches it.
# The longest such transaction is a task's (a report import): up to the Celery hard time
# limit. Re-measuring an unchanged source writes nothing, so the overlap costs only a read.
MIN_SYNC_OVERLAP = timedelta(minutes=5)


def sync_overlap() -> timedelta:
    """How far before its watermark the sync reads: the longest task may run, at least five minutes."""
    return max(timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT), MIN_SYNC_OVERLAP)


# The allocation statuses whose money was committed: their cost per participant counts.
COUNTED_ALLOCATIONS = (Allocation.Status.APPROVED, Allocation.Status.DISBURSED, Allocation.Status.CLOSED)
RETENTION = {kind: f"retention_{months}m" for kind, months in FOLLOW_UP_MONTHS.items()}
INDICATOR_CODES = (
    "participants",
    "newcomers",
    "hours_of_learning",
    "pages_created_or_improved",
    "emerging_share",
    "cost_per_participant",
    "satisfaction",
    "capacity_gain",
    *RETENTION.values(),
)
# The columns two measurements of the same source must share to be the same.
COMPARED = (
    "indicator_id",
    "value",
    "numerator",
    "denominator",
    "people",
    "date",
    "organization_id",
    "program_id",
    "session_id",
    "allocation_id",
    "region_id",
    "is_emerging",
    "category_id",
    "method",
    "dimension",
    "answer",
)


def _places(number):
    return None if number is None else Decimal(number).quantize(PLACES)


def _ratio(numerator, denominator):
    return (Decimal(numerator) / Decimal(denominator)).quantize(PLACES)


def _mean(values):
    return (Decimal(sum(values)) / Decimal(len(values))).quantize(PLACES, rounding=ROUND_HALF_EVEN)


def _indicators():
    """The active indicators a source can produce, by code: one query per call, none per row.

    An indicator a steward switched off produces no new rows; a code missing altogether
    (renamed) likewise, rather than failing every save.
    """
    return {
        indicator.code: indicator for indicator in Indicator.objects.filter(code__in=INDICATOR_CODES, is_active=True)
    }


@dataclass
class _Rows:
    """The measurements computed for a batch of sources, built with the shared columns of each source."""

    source: str
    indicators: dict
    rows: list = field(default_factory=list)

    def add(self, code, *, source_id, base, value=0, numerator=None, denominator=None, people, **columns):
        indicator = self.indicators.get(code)
        if indicator is None:
            return
        self.rows.append(
            Measurement(
                indicator=indicator,
                source=self.source,
                source_id=source_id,
                value=_places(value),
                numerator=_places(numerator),
                denominator=_places(denominator),
                people=people,
                **{**base, **columns},
            )
        )

    def gains(self, *, source_id, base, gains):
        """capacity_gain rows of one person: one per capacity ({category id: gain}), and their mean.

        The per-capacity rows (category set) feed capacity scopes and breakdowns; the
        summary row (no category, the mean of the person's gains) is the one the totals
        count, so a person who rated five capacities is one person, not five. No gain, no
        rows.
        """
        if not gains:
            return
        for category_id, gain in sorted(gains.items()):
            self.add("capacity_gain", source_id=source_id, base=base, value=gain, people=1, category_id=category_id)
        self.add("capacity_gain", source_id=source_id, base=base, value=_mean(gains.values()), people=1)

    def rate(self, code, *, source_id, base, numerator, denominator, people, **columns):
        self.add(
            code,
            source_id=source_id,
            base=base,
            value=_ratio(numerator, denominator),
            numerator=numerator,
            denominator=denominator,
            people=people,
            **columns,
        )


def stale_years_mark(*, years=(), changes=(), now=None) -> None:
    """Mark years whose reports no longer match their measurements, raising each mark's version.

    `changes` are (year, indicator code) pairs: the indicators whose measurements changed
    in a year, which an incremental build rebuilds alone (with the figures the privacy gate
    weighs them with). `years` are years changed in ways not known by indicator: rebuilt
    whole. Every year of either is marked (StalePeriod) and every indicator of it
    (StaleIndicator; EVERY_INDICATOR for a whole year), in one upsert per table: a new mark
    starts at version 1, a marked one goes up by one (in the database, so two marks at
    once both count), and its time becomes this mark's. A build clears a mark only if its
    version is still the one it read.
    """
    pairs = {(int(year), EVERY_INDICATOR) for year in years if year}
    pairs |= {(int(year), code) for year, code in changes if year}
    if not pairs:
        return
    now = now or timezone.now()
    _upsert_marks(StalePeriod, ["year"], sorted({(year,) for year, _code in pairs}), now)
    _upsert_marks(StaleIndicator, ["year", "indicator"], sorted(pairs), now)


def _upsert_marks(model, keys, rows, now):
    """INSERT … ON CONFLICT … DO UPDATE (PostgreSQL, and SQLite from 3.24): new rows at version 1,
    existing ones a version up, each marked at `now`."""
    marked_at = model._meta.get_field("marked_at").get_db_prep_value(now, connection)
    # Names from the model, quoted; the values are parameters.
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [quote(model._meta.get_field(name).column) for name in keys]
    marked, version = (quote(model._meta.get_field(name).column) for name in ("marked_at", "version"))
    values = ", ".join(["(" + ", ".join(["%s"] * (len(keys) + 1)) + ", 1)"] * len(rows))
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}, {marked}, {version}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({', '.join(columns)}) DO UPDATE "
        f"SET {version} = {table}.{version} + 1, {marked} = EXCLUDED.{marked}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in (*row, marked_at)])


_DATE = COMPARED.index("date")
_INDICATOR = COMPARED.index("indicator_id")


def _signature(values):
    return tuple(_places(value) if isinstance(value, Decimal) else value for value in values)


def _replace(*, source, source_ids, computed, now) -> int:
    """Make the stored measurements of these sources exactly `computed`; returns how many sources changed.

    A source whose stored rows already equal the computed ones is left alone (no delete,
    no insert, no stale mark), which is what makes measuring twice a no-op. For the
    others the rows are replaced whole and the years of both old and new rows are marked.
    """
    stored = defaultdict(Counter)
    codes = {}  # indicator id: code, of the rows stored and computed (to mark what changed)
    stored_rows = Measurement.objects.filter(source=source, source_id__in=source_ids).values_list(
        "source_id", "indicator__code", *COMPARED
    )
    for row in stored_rows:
        stored[row[0]][_signature(row[2:])] += 1
        codes[row[2 + _INDICATOR]] = row[1]
    wanted = defaultdict(Counter)
    for measurement in computed:
        wanted[measurement.source_id][_signature(getattr(measurement, name) for name in COMPARED)] += 1
        codes[measurement.indicator_id] = measurement.indicator.code
    changed = {source_id for source_id in source_ids if stored[source_id] != wanted[source_id]}
    if not changed:
        return 0
    Measurement.objects.filter(source=source, source_id__in=changed).delete()
    Measurement.objects.bulk_create(
        [measurement for measurement in computed if measurement.source_id in changed], batch_size=1000
    )
    # What differs (rows gone, rows new) marks its year and indicator: a report whose hours
    # alone changed leaves every other indicator's figures as they were built.
    differing = {
        (signature[_DATE].year, signature[_INDICATOR])
        for source_id in changed
        for signature in (stored[source_id] - wanted[source_id]) + (wanted[source_id] - stored[source_id])
    }
    stale_years_mark(changes={(year, codes[indicator_id]) for year, indicator_id in differing}, now=now)
    return len(changed)


def _lock(model, ids):
    """Lock the source rows being measured, in a fixed order, so two measurers of a source take turns.

    Without it two transactions could both delete the old rows and both insert new ones.
    """
    return list(model.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def _ids(ids):
    return sorted({int(source_id) for source_id in ids})


# Activity reports ----------------------------------------------------------------------


def enrolled_newcomers():
    """Per activity report: its session's participants whose account was new when the session started.

    Attended or completed, and registered at most settings.NEWCOMER_WINDOW_DAYS days
    before the start (or after it: a person who joined during the session is new too).
    """
    window = timedelta(days=settings.NEWCOMER_WINDOW_DAYS)
    took_part = Q(status=Enrollment.Status.COMPLETED) | Q(
        status__in=Enrollment.SEAT_HOLDING, attendance=Enrollment.Attendance.ATTENDED
    )
    newcomers = (
        Enrollment.objects.filter(took_part, session=OuterRef("session"))
        .filter(user__date_joined__gte=OuterRef("session__starts_at") - window)
        .order_by()
        .values("session")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(newcomers, output_field=IntegerField()), Value(0))


def _report_newcomers(report):
    """The largest of what staff reported, what the Dashboard found and what the enrollments show, at most all."""
    candidates = [report.newcomers, report.enrolled_newcomers]
    if report.dashboard_imported_at is not None and report.dashboard_new_editors is not None:
        candidates.append(report.dashboard_new_editors)
    return min(max(candidates), report.participants)


def _report_pages(report):
    pages = report.pages_created + report.pages_improved
    if report.dashboard_imported_at is not None:
        pages = max(pages, (report.dashboard_articles_created or 0) + (report.dashboard_articles_edited or 0))
    return pages


def activity_report_measure(*, report_ids, now=None) -> int:
    """Replace the measurements of these activity reports; returns how many reports' rows changed.

    A report of a cancelled session, a report with no participants and a report that no
    longer exists have none (their old rows are deleted).
    """
    report_ids = _ids(report_ids)
    with transaction.atomic():
        _lock(ActivityReport, report_ids)
        reports = (
            ActivityReport.objects.filter(pk__in=report_ids, session__is_cancelled=False, participants__gt=0)
            .select_related("session__program__region")
            .annotate(day=site_date("session__starts_at"), enrolled_newcomers=enrolled_newcomers())
            .order_by("pk")
        )
        rows = _Rows(Source.ACTIVITY_REPORT, _indicators())
        for report in reports:
            program = report.session.program
            participants = report.participants
            base = {
                "date": report.day,
                "organization_id": program.provider_id,
                "program_id": program.pk,
                "session_id": report.session_id,
                "region_id": program.region_id,
                "is_emerging": program.region.is_emerging,
                "method": program.method,
            }
            at = {"source_id": report.pk, "base": base}
            rows.add("participants", **at, value=participants, people=participants)
            newcomers = _report_newcomers(report)
            rows.add("newcomers", **at, value=newcomers, people=newcomers)
            rows.add("hours_of_learning", **at, value=report.hours_of_learning, people=participants)
            rows.add("pages_created_or_improved", **at, value=_report_pages(report), people=participants)
            rows.rate(
                "emerging_share",
                **at,
                numerator=participants if program.region.is_emerging else 0,
                denominator=participants,
                people=participants,
            )
            for dimension, answers in DEMOGRAPHIC_DIMENSIONS.items():
                if not getattr(report, f"{dimension}_asked"):
                    rows.add(
                        "participants",
                        **at,
                        value=participants,
                        people=participants,
                        dimension=dimension,
                        answer=NOT_ASKED,
                    )
                    continue
                for answer, _label in answers:
                    # An answer nobody gave has no row: no row means nobody.
                    if count := getattr(report, f"{dimension}_{answer}"):
                        rows.add("participants", **at, value=count, people=count, dimension=dimension, answer=answer)
        return _replace(source=Source.ACTIVITY_REPORT, source_ids=report_ids, computed=rows.rows, now=now)


# Allocations --------------------------------------------------------------------------


def _apportion(cents, weights):
    """Split a whole number of cents by weights so the parts add up to it exactly (largest remainder)."""
    total = sum(weights.values())
    parts = {key: cents * weight // total for key, weight in weights.items()}
    left = cents - sum(parts.values())
    # Ties go to the lower key, so the split is the same every time.
    by_remainder = sorted(weights, key=lambda key: (-(cents * weights[key] % total), key))
    for key in by_remainder[:left]:
        parts[key] += 1
    return parts


def reached_participants(allocation_ids):
    """(allocation, program) → participants at the sessions the allocation reaches, with region and method.

    The rule is resources.selectors.funded_sessions' (a session counts when an allocation
    funding its program runs on the session's day), grouped per allocation: the reports
    are those reached_reports gives for the batch, and the join on the program's
    allocations, with the day's condition in the same filter(), says which allocation
    reached each one.
    """
    day = site_date("session__starts_at")
    return (
        reached_reports(Allocation.objects.filter(pk__in=allocation_ids))
        .filter(
            session__program__allocations__in=allocation_ids,
            session__program__allocations__starts_on__lte=day,
            session__program__allocations__ends_on__gte=day,
        )
        .values(
            allocation_id=F("session__program__allocations"),
            program_id=F("session__program"),
            region_id=F("session__program__region"),
            is_emerging=F("session__program__region__is_emerging"),
            method=F("session__program__method"),
        )
        .annotate(participants=Sum("participants"))
        .filter(participants__gt=0)
        .order_by("allocation_id", "program_id")
    )


def allocation_measure(*, allocation_ids, now=None) -> int:
    """Replace the cost-per-participant measurements of these allocations; returns how many changed.

    An approved, disbursed or closed allocation with a USD value gives one row per program
    it reached: its USD apportioned by that program's share of the participants (in cents,
    adding up to the allocation's USD exactly) over those participants.
    """
    allocation_ids = _ids(allocation_ids)
    with transaction.atomic():
        _lock(Allocation, allocation_ids)
        allocations = {
            allocation["pk"]: allocation
            for allocation in Allocation.objects.filter(
                pk__in=allocation_ids, status__in=COUNTED_ALLOCATIONS, usd_amount__isnull=False
            ).values("pk", "usd_amount", "starts_on", "recipient_id")
        }
        reached = defaultdict(dict)
        for program in reached_participants(list(allocations)):
            reached[program["allocation_id"]][program["program_id"]] = program
        rows = _Rows(Source.ALLOCATION, _indicators())
        for allocation_id, programs in reached.items():
            allocation = allocations[allocation_id]
            cents = int((allocation["usd_amount"] / CENT).to_integral_value(rounding=ROUND_DOWN))
            shares = _apportion(cents, {pk: program["participants"] for pk, program in programs.items()})
            for program_id, program in programs.items():
                rows.rate(
                    "cost_per_participant",
                    source_id=allocation_id,
                    base={
                        "date": allocation["starts_on"],
                        "organization_id": allocation["recipient_id"],
                        "program_id": program_id,
                        "allocation_id": allocation_id,
                        "region_id": program["region_id"],
                        "is_emerging": program["is_emerging"],
                        "method": program["method"],
                    },
                    numerator=Decimal(shares[program_id]) * CENT,
                    denominator=program["participants"],
                    people=program["participants"],
                )
        return _replace(source=Source.ALLOCATION, source_ids=allocation_ids, computed=rows.rows, now=now)


# Survey responses ---------------------------------------------------------------------


def survey_response_measure(*, response_ids, now=None) -> int:
    """Replace the measurements of these survey responses; returns how many responses' rows changed.

    A post-session response gives satisfaction and, per capacity rated both before and
    after, the capacity gain; a follow-up gives retention. A pre-session response has no
    rows of its own, but it is the baseline of the post response of the same enrollment,
    which is measured again with it.
    """
    response_ids = _ids(response_ids)
    pre_enrollments = SurveyInvitation.objects.filter(response__in=response_ids, kind=SurveyKind.PRE).values(
        "enrollment"
    )
    response_ids = _ids(
        [
            *response_ids,
            *SurveyResponse.objects.filter(
                invitation__kind=SurveyKind.POST, invitation__enrollment__in=pre_enrollments
            ).values_list("pk", flat=True),
        ]
    )
    with transaction.atomic():
        _lock(SurveyResponse, response_ids)
        responses = list(
            SurveyResponse.objects.filter(pk__in=response_ids)
            .select_related("invitation__enrollment__session__program__region")
            .prefetch_related("ratings")
            .annotate(day=site_date("invitation__enrollment__session__starts_at"))
            .order_by("pk")
        )
        posts = [
            response.invitation.enrollment_id for response in responses if response.invitation.kind == SurveyKind.POST
        ]
        before = {
            (enrollment_id, category_id): rating
            for enrollment_id, category_id, rating in SurveyRating.objects.filter(
                response__invitation__kind=SurveyKind.PRE, response__invitation__enrollment__in=posts
            ).values_list("response__invitation__enrollment", "category", "rating")
        }
        rows = _Rows(Source.SURVEY_RESPONSE, _indicators())
        for response in responses:
            invitation = response.invitation
            session = invitation.enrollment.session
            program = session.program
            at = {
                "source_id": response.pk,
                "base": {
                    "date": response.day,
                    "organization_id": program.provider_id,
                    "program_id": program.pk,
                    "session_id": session.pk,
                    "region_id": program.region_id,
                    "is_emerging": program.region.is_emerging,
                    "method": program.method,
                },
            }
            if invitation.kind == SurveyKind.POST:
                if response.satisfaction is not None:
                    rows.add("satisfaction", **at, value=response.satisfaction, people=1)
                gains = {}
                for rating in response.ratings.all():
                    baseline = before.get((invitation.enrollment_id, rating.category_id))
                    if baseline is not None:
                        gains[rating.category_id] = rating.rating - baseline
                rows.gains(**at, gains=gains)
            elif invitation.kind in RETENTION and response.still_active is not None:
                rows.rate(
                    RETENTION[invitation.kind], **at, numerator=int(response.still_active), denominator=1, people=1
                )
        return _replace(source=Source.SURVEY_RESPONSE, source_ids=response_ids, computed=rows.rows, now=now)


# Self-assessments ---------------------------------------------------------------------


def _neighbour(*, earlier):
    """The subject's assessment just before (or just after) the one in the outer query, by the model's order."""
    if earlier:
        order = Q(assessed_at__lt=OuterRef("assessed_at")) | Q(
            assessed_at=OuterRef("assessed_at"), pk__lt=OuterRef("pk")
        )
        ordering = ("-assessed_at", "-pk")
    else:
        order = Q(assessed_at__gt=OuterRef("assessed_at")) | Q(
            assessed_at=OuterRef("assessed_at"), pk__gt=OuterRef("pk")
        )
        ordering = ("assessed_at", "pk")
    # A person's rounds and an organization's rounds are separate histories; NULL never
    # equals NULL, so each subquery finds rows only for its own kind of subject.
    by_person = SelfAssessment.objects.filter(order, user=OuterRef("user")).order_by(*ordering).values("pk")[:1]
    by_organization = (
        SelfAssessment.objects.filter(order, organization=OuterRef("organization")).order_by(*ordering).values("pk")[:1]
    )
    return Coalesce(Subquery(by_person), Subquery(by_organization))


# A round whose person deleted their account: no subject left.
ANONYMOUS_ASSESSMENT = Q(user__isnull=True, organization__isnull=True)


def _is_anonymous(assessment):
    return assessment.user_id is None and assessment.organization_id is None


def self_assessment_measure(*, assessment_ids, now=None) -> int:
    """Replace the capacity-gain measurements of these self-assessments; returns how many changed.

    Each capacity rated in this round and in the subject's previous round gains (this −
    previous), dated on this round. The subject's next round compares with this one, so
    it is measured again too. A first round has no rows.

    An anonymous round (user and organization both empty: its person deleted their
    account) keeps the rows it had, neither deleted nor replaced: its previous round can
    no longer be told apart from everybody else's anonymous rounds, and the aggregates
    it is part of must not move.
    """
    assessment_ids = _ids(assessment_ids)
    following = SelfAssessment.objects.filter(pk__in=assessment_ids).annotate(next_id=_neighbour(earlier=False))
    assessment_ids = _ids(
        [*assessment_ids, *(pk for pk in following.values_list("next_id", flat=True) if pk is not None)]
    )
    with transaction.atomic():
        _lock(SelfAssessment, assessment_ids)
        assessments = list(
            SelfAssessment.objects.filter(pk__in=assessment_ids)
            .select_related("organization__region", "user__home_region")
            .annotate(day=site_date("assessed_at"), previous_id=_neighbour(earlier=True))
            .order_by("pk")
        )
        # Read under the lock: an account deleted meanwhile has made its rounds anonymous.
        anonymous = {assessment.pk for assessment in assessments if _is_anonymous(assessment)}
        assessments = [assessment for assessment in assessments if assessment.pk not in anonymous]
        assessment_ids = [pk for pk in assessment_ids if pk not in anonymous]
        compared = {assessment.pk for assessment in assessments} | {
            assessment.previous_id for assessment in assessments if assessment.previous_id
        }
        ratings = defaultdict(dict)
        for assessment_id, category_id, rating in SelfAssessmentRating.objects.filter(
            assessment__in=compared
        ).values_list("assessment", "category", "rating"):
            ratings[assessment_id][category_id] = rating
        rows = _Rows(Source.SELF_ASSESSMENT, _indicators())
        for assessment in assessments:
            if assessment.previous_id is None:
                continue
            # An organization's round belongs to its region; a person's to their home region, if they gave one.
            region = assessment.organization.region if assessment.organization_id else assessment.user.home_region
            base = {
                "date": assessment.day,
                "organization_id": assessment.organization_id,
                "region_id": region.pk if region else None,
                "is_emerging": bool(region and region.is_emerging),
            }
            previous = ratings[assessment.previous_id]
            gains = {
                category_id: rating - previous[category_id]
                for category_id, rating in ratings[assessment.pk].items()
                if category_id in previous
            }
            rows.gains(source_id=assessment.pk, base=base, gains=gains)
        return _replace(source=Source.SELF_ASSESSMENT, source_ids=assessment_ids, computed=rows.rows, now=now)


# Sync ---------------------------------------------------------------------------------


def _changed_since(since, prefix=""):
    """Q: the session at `prefix`session, its program or the program's region changed after `since`."""
    return (
        Q(**{f"{prefix}session__updated_at__gt": since})
        | Q(**{f"{prefix}session__program__updated_at__gt": since})
        | Q(**{f"{prefix}session__program__region__updated_at__gt": since})
    )


def _reports_changed(since):
    """Reports whose figures, session, program, region or attendance changed after `since`."""
    attendance = Enrollment.objects.filter(session=OuterRef("session"), updated_at__gt=since)
    return ActivityReport.objects.filter(Q(updated_at__gt=since) | _changed_since(since) | Exists(attendance))


def _allocations_changed(since):
    """Allocations edited or audited (a recomputed USD value) after `since`, or whose programs, sessions or reports changed."""
    audited = Allocation.history.filter(id=OuterRef("pk"), history_date__gt=since)
    programs = Program.objects.filter(allocations=OuterRef("pk")).filter(
        Q(updated_at__gt=since) | Q(region__updated_at__gt=since)
    )
    sessions = Session.objects.filter(program__allocations=OuterRef("pk"), updated_at__gt=since)
    reports = ActivityReport.objects.filter(session__program__allocations=OuterRef("pk"), updated_at__gt=since)
    return Allocation.objects.filter(
        Q(updated_at__gt=since) | Exists(audited) | Exists(programs) | Exists(sessions) | Exists(reports)
    )


def _allocations_out_of_step():
    """Allocations whose rows no longer add up to their USD value, or should have none.

    A program or a USD value can change under an allocation without it being saved (a
    program deleted, an exchange rate recomputed); its rows then stop adding up.
    """
    measured = (
        Measurement.objects.filter(source=Source.ALLOCATION, source_id=OuterRef("pk"))
        .order_by()
        .values("source_id")
        .annotate(total=Sum("numerator"))
        .values("total")
    )
    return (
        Allocation.objects.annotate(measured=Subquery(measured))
        .filter(measured__isnull=False)
        .exclude(status__in=COUNTED_ALLOCATIONS, usd_amount=F("measured"))
        .values_list("pk", flat=True)
    )


def _responses_changed(since):
    return SurveyResponse.objects.filter(Q(updated_at__gt=since) | _changed_since(since, "invitation__enrollment__"))


def _assessments_changed(since):
    """Organization rounds whose organization (its region) changed; a round's own figures are measured when saved."""
    return SelfAssessment.objects.filter(
        Q(organization__updated_at__gt=since) | Q(organization__region__updated_at__gt=since)
    )


def _programs_recategorized(since, now):
    """Mark stale what programs whose capacities changed were measured in; record the capacities read.

    Reads the programs changed after `since` (every program when None): a program saved
    with new capacities, by program_save or in the admin, is saved itself. A report reaches
    a program's capacities through its measurements about no one capacity, so each year
    and indicator of those is marked (an incremental build rebuilds their groups). Every
    program of the time the table was made was recorded then (migration 0013); one read
    for the first time since is new, and recorded without a mark. Returns how many changed.
    """
    programs = Program.objects.all() if since is None else Program.objects.filter(updated_at__gt=since)
    program_ids = list(programs.order_by("pk").values_list("pk", flat=True))
    read, seen = {}, {}
    through = Program.categories.through
    for start in range(0, len(program_ids), BATCH_SIZE):
        batch = program_ids[start : start + BATCH_SIZE]
        slugs = defaultdict(list)
        for program_id, slug in through.objects.filter(program_id__in=batch).values_list(
            "program_id", "capacitycategory__slug"
        ):
            slugs[program_id].append(slug)
        read.update({program_id: ",".join(sorted(slugs[program_id])) for program_id in batch})
        seen.update(ProgramCapacitiesSeen.objects.filter(program_id__in=batch).values_list("program_id", "capacities"))
    changed = [program_id for program_id in program_ids if program_id in seen and seen[program_id] != read[program_id]]
    with transaction.atomic():
        for start in range(0, len(changed), BATCH_SIZE):
            measured = (
                Measurement.objects.filter(program_id__in=changed[start : start + BATCH_SIZE], category__isnull=True)
                .annotate(year=ExtractYear("date"))
                .order_by()
                .values_list("year", "indicator__code")
                .distinct()
            )
            stale_years_mark(changes=set(measured), now=now)
        recording = [program_id for program_id, capacities in read.items() if seen.get(program_id) != capacities]
        # Not a program deleted since it was read (its row would fail the foreign key at commit).
        existing = set()
        for start in range(0, len(recording), BATCH_SIZE):
            batch = recording[start : start + BATCH_SIZE]
            existing.update(Program.objects.filter(pk__in=batch).values_list("pk", flat=True))
        ProgramCapacitiesSeen.objects.bulk_create(
            [
                ProgramCapacitiesSeen(program_id=program_id, capacities=read[program_id])
                for program_id in recording
                if program_id in existing
            ],
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["program"],
            update_fields=["capacities"],
        )
    return len(changed)


def _orphans(source, model):
    """Source ids with measurements whose source row is gone (deleted without a cascade to its measurements)."""
    return (
        Measurement.objects.filter(source=source)
        .filter(~Exists(model.objects.filter(pk=OuterRef("source_id"))))
        .values_list("source_id", flat=True)
        .distinct()
    )


def _in_batches(ids, measure, now):
    ids = _ids(ids)
    changed = 0
    for start in range(0, len(ids), BATCH_SIZE):
        changed += measure(ids[start : start + BATCH_SIZE], now=now)
    return changed


def _all_or_changed(model, changed, since, *, exclude=None):
    """Every id of the model (a full re-measure, or no watermark yet), else those changed after `since`."""
    queryset = model.objects.all() if since is None else changed(since)
    if exclude is not None:
        queryset = queryset.exclude(exclude)
    return list(queryset.order_by().values_list("pk", flat=True).distinct())


def measurements_sync(*, now, full=False) -> dict:
    """Bring the measurements up to date with their sources; returns how many sources changed, per kind.

    Re-measures each kind of source changed after its watermark (all of them when `full`
    or the first time), removes the measurements of sources that no longer exist, marks
    stale the years of deleted sessions and what programs whose capacities changed were
    measured in (counted under "program_capacities"), and moves the watermarks to `now`.
    Each batch is its own transaction and the watermarks move only at the end, so a run stopped
    half-way is simply done again by the next one; re-measuring is replace-style, so
    nothing counts twice.
    """
    marks = {mark.source: mark.synced_until for mark in SyncMark.objects.all()}
    overlap = sync_overlap()

    def since(source):
        mark = marks.get(source)
        return None if full or mark is None else mark - overlap

    changed = {}

    # Activity reports: changed ones, and those whose rows outlived them.
    reports_since = since(Source.ACTIVITY_REPORT)
    report_ids = _all_or_changed(ActivityReport, _reports_changed, reports_since)
    orphans = list(
        Measurement.objects.filter(source=Source.ACTIVITY_REPORT)
        .filter(~Exists(ActivityReport.objects.filter(pk=OuterRef("source_id"))))
        .values_list("source_id", "program_id")
        .distinct()
    )
    changed[Source.ACTIVITY_REPORT] = _in_batches(
        [*report_ids, *(source_id for source_id, _program in orphans)],
        lambda ids, now: activity_report_measure(report_ids=ids, now=now),
        now,
    )

    # Programs whose capacities changed: the reports read them when built, not from measurements.
    changed["program_capacities"] = _programs_recategorized(reports_since, now)

    # Sessions deleted since the last run took their measurements with them (a cascade):
    # their years are stale, and the allocations funding their programs count fewer people.
    deleted_programs = {program_id for _source, program_id in orphans}
    last = marks.get(Source.ACTIVITY_REPORT)
    if last is not None:
        deleted = Session.history.filter(history_type="-", history_date__gt=last - overlap).values_list(
            "starts_at", "program_id"
        )
        years = set()
        for starts_at, program_id in deleted:
            years.add(site_date_of(starts_at).year)  # the year its measurements were dated in
            deleted_programs.add(program_id)
        stale_years_mark(years=years, now=now)

    # Allocations: changed ones, those reaching programs that lost reports or sessions,
    # those out of step with their USD value, and those whose rows outlived them.
    allocation_ids = _all_or_changed(Allocation, _allocations_changed, since(Source.ALLOCATION))
    allocation_ids += Allocation.objects.filter(programs__in=deleted_programs).values_list("pk", flat=True)
    allocation_ids += _allocations_out_of_step()
    allocation_ids += _orphans(Source.ALLOCATION, Allocation)
    changed[Source.ALLOCATION] = _in_batches(
        allocation_ids, lambda ids, now: allocation_measure(allocation_ids=ids, now=now), now
    )

    response_ids = _all_or_changed(SurveyResponse, _responses_changed, since(Source.SURVEY_RESPONSE))
    response_ids += _orphans(Source.SURVEY_RESPONSE, SurveyResponse)
    changed[Source.SURVEY_RESPONSE] = _in_batches(
        response_ids, lambda ids, now: survey_response_measure(response_ids=ids, now=now), now
    )

    # Anonymous rounds keep their rows as measured (self_assessment_measure would leave them
    # anyway); they exist, so they are never orphans.
    assessment_ids = _all_or_changed(
        SelfAssessment, _assessments_changed, since(Source.SELF_ASSESSMENT), exclude=ANONYMOUS_ASSESSMENT
    )
    assessment_ids += _orphans(Source.SELF_ASSESSMENT, SelfAssessment)
    changed[Source.SELF_ASSESSMENT] = _in_batches(
        assessment_ids, lambda ids, now: self_assessment_measure(assessment_ids=ids, now=now), now
    )

    SyncMark.objects.bulk_create(
        [SyncMark(source=source, synced_until=now) for source in Source.values],
        update_conflicts=True,
        unique_fields=["source"],
        update_fields=["synced_until"],
    )
    return {str(source): count for source, count in changed.items()}
