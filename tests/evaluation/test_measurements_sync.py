"""The sync that keeps measurements in step with reports and allocations, its query counts, and its worker."""

import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from capacity.models import CapacityCategory
from evaluation import measurements
from evaluation.measurement_tasks import sync_measurements
from evaluation.measurements import (
    COMPARED,
    activity_report_measure,
    allocation_measure,
    measurements_sync,
    self_assessment_measure,
    survey_response_measure,
)
from evaluation.models import (
    Measurement,
    ProgramCapacitiesSeen,
    SelfAssessment,
    Source,
    StaleIndicator,
    StalePeriod,
    SyncMark,
)
from programs import services as program_services
from programs.models import ActivityReport, Enrollment, Program, Session
from tests.evaluation.factories_measurements import (
    SESSION_START,
    ActivityReportFactory,
    EnrollmentFactory,
    SurveyResponseFactory,
)
from tests.factories import AllocationFactory, ProgramFactory, UserFactory
from tests.waiting import wait_for


def snapshot():
    """Every measurement as (source, source id, and the compared columns), in a fixed order."""
    return sorted(
        Measurement.objects.values_list("source", "source_id", *COMPARED),
        key=lambda row: tuple(str(value) for value in row),
    )


def funded(programs, usd="600.00"):
    allocation = AllocationFactory(
        status="approved",
        usd_amount=Decimal(usd),
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
        fund__starts_on=date(2025, 1, 1),
    )
    allocation.programs.set(programs)
    return allocation


def cost_row(allocation):
    return Measurement.objects.get(source=Source.ALLOCATION, source_id=allocation.pk)


def stale_years():
    return set(StalePeriod.objects.values_list("year", flat=True))


def age(*querysets, at):
    """Set updated_at of these rows (and everything a report hangs on) as if last saved at `at`."""
    for queryset in querysets:
        queryset.update(updated_at=at)


@pytest.mark.django_db
def test_the_first_sync_measures_everything_and_sets_every_watermark():
    program = ProgramFactory()
    report = ActivityReportFactory(session__program=program, participants=12)
    allocation = funded([program])
    response = SurveyResponseFactory(satisfaction=4)
    now = timezone.now()

    changed = measurements_sync(now=now)

    assert changed == {
        "activity_report": 1,
        "program_capacities": 0,
        "allocation": 1,
        "survey_response": 1,
        "self_assessment": 0,
    }
    assert Measurement.objects.filter(source=Source.ACTIVITY_REPORT, source_id=report.pk).count() == 8
    assert cost_row(allocation).denominator == 12
    assert Measurement.objects.filter(source=Source.SURVEY_RESPONSE, source_id=response.pk).count() == 1
    assert dict(SyncMark.objects.values_list("source", "synced_until")) == dict.fromkeys(Source.values, now)


@pytest.mark.django_db
def test_sync_picks_up_a_report_edited_after_the_watermark_and_not_one_edited_before():
    later = timezone.now() + timedelta(days=1)
    before = ActivityReportFactory(participants=10)
    after = ActivityReportFactory(participants=10)
    measurements_sync(now=timezone.now())
    # Both change behind the sync's back; only one says so after the watermark.
    ActivityReport.objects.filter(pk=before.pk).update(participants=20, updated_at=later - timedelta(hours=1))
    ActivityReport.objects.filter(pk=after.pk).update(participants=20, updated_at=later + timedelta(minutes=1))
    age(Session.objects.all(), Program.objects.all(), at=later - timedelta(hours=1))
    SyncMark.objects.update(synced_until=later)

    assert measurements_sync(now=later + timedelta(minutes=10))["activity_report"] == 1

    participants = dict(
        Measurement.objects.filter(indicator__code="participants", dimension="").values_list("source_id", "value")
    )
    assert participants == {before.pk: 10, after.pk: 20}


@pytest.mark.django_db
def test_a_session_or_program_edited_after_the_watermark_measures_its_report_again():
    report = ActivityReportFactory()
    measurements_sync(now=timezone.now())
    Program.objects.filter(pk=report.session.program_id).update(method=Program.Method.MENTORING)

    measurements_sync(now=timezone.now())

    assert set(Measurement.objects.values_list("method", flat=True)) == {"mentoring"}


@pytest.mark.django_db
def test_attendance_marked_after_the_watermark_updates_the_newcomers():
    report = ActivityReportFactory(participants=10, newcomers=0)
    enrollment = EnrollmentFactory(
        session=report.session, attendance=Enrollment.Attendance.UNKNOWN, user__date_joined=SESSION_START
    )
    measurements_sync(now=timezone.now())
    assert Measurement.objects.get(indicator__code="newcomers").value == 0

    Enrollment.objects.filter(pk=enrollment.pk).update(
        attendance=Enrollment.Attendance.ATTENDED, updated_at=timezone.now()
    )
    measurements_sync(now=timezone.now())

    assert Measurement.objects.get(indicator__code="newcomers").value == 1


@pytest.mark.django_db
def test_running_the_sync_twice_changes_nothing():
    program = ProgramFactory()
    ActivityReportFactory(session__program=program, gender_asked=True, gender_woman=20, gender_man=10)
    funded([program])
    SurveyResponseFactory(invitation__kind="follow_up_6", still_active=True)
    measurements_sync(now=timezone.now())
    rows = list(Measurement.objects.order_by("pk").values_list("pk", "recorded_at"))
    values = snapshot()
    StalePeriod.objects.all().delete()

    nothing = {**dict.fromkeys(Source.values, 0), "program_capacities": 0}
    assert measurements_sync(now=timezone.now()) == nothing
    assert measurements_sync(now=timezone.now(), full=True) == nothing

    assert list(Measurement.objects.order_by("pk").values_list("pk", "recorded_at")) == rows
    assert snapshot() == values
    assert not StalePeriod.objects.exists()


@pytest.mark.django_db
def test_a_full_sync_in_small_batches_gives_the_same_rows(monkeypatch):
    for participants in (5, 8, 13, 21, 34):
        ActivityReportFactory(participants=participants)
    measurements_sync(now=timezone.now())
    expected = snapshot()
    Measurement.objects.all().delete()
    monkeypatch.setattr(measurements, "BATCH_SIZE", 2)

    assert measurements_sync(now=timezone.now(), full=True)["activity_report"] == 5

    assert snapshot() == expected


@pytest.mark.django_db
def test_a_deleted_report_loses_its_rows_and_its_allocation_counts_fewer_people():
    program = ProgramFactory()
    kept = ActivityReportFactory(session__program=program, participants=10)
    deleted = ActivityReportFactory(session__program=program, participants=20)
    allocation = funded([program])
    measurements_sync(now=timezone.now())
    assert cost_row(allocation).denominator == 30
    StalePeriod.objects.all().delete()

    deleted.delete()
    measurements_sync(now=timezone.now())

    assert set(Measurement.objects.filter(source=Source.ACTIVITY_REPORT).values_list("source_id", flat=True)) == {
        kept.pk
    }
    assert (cost_row(allocation).denominator, cost_row(allocation).numerator) == (10, Decimal("600.00"))
    assert stale_years() == {2025}


@pytest.mark.django_db
def test_a_deleted_session_takes_its_rows_and_the_sync_marks_its_year_and_remeasures_its_allocation():
    program = ProgramFactory()
    ActivityReportFactory(session__program=program, participants=10)
    doomed = ActivityReportFactory(session__program=program, participants=20)
    response = SurveyResponseFactory(invitation__enrollment__session=doomed.session, satisfaction=5)
    allocation = funded([program])
    measurements_sync(now=timezone.now())
    assert Measurement.objects.filter(source=Source.SURVEY_RESPONSE, source_id=response.pk).exists()
    StalePeriod.objects.all().delete()

    doomed.session.delete()
    assert not Measurement.objects.filter(session_id=doomed.session_id).exists()
    measurements_sync(now=timezone.now())

    assert stale_years() == {2025}
    assert cost_row(allocation).denominator == 10


@pytest.mark.django_db
def test_a_deleted_response_loses_its_rows_in_the_sync():
    response = SurveyResponseFactory(satisfaction=2)
    measurements_sync(now=timezone.now())
    StalePeriod.objects.all().delete()

    response.delete()
    measurements_sync(now=timezone.now())

    assert not Measurement.objects.exists()
    assert stale_years() == {2025}


@pytest.mark.django_db
def test_moving_a_session_to_another_year_moves_its_rows_and_marks_both_years():
    report = ActivityReportFactory()
    SurveyResponseFactory(
        invitation__enrollment__session=report.session, invitation__kind="follow_up_12", still_active=True
    )
    measurements_sync(now=timezone.now())
    StalePeriod.objects.all().delete()

    session = report.session
    session.starts_at = SESSION_START.replace(year=2026)
    session.ends_at = session.starts_at + timedelta(hours=3)
    session.save()
    measurements_sync(now=timezone.now())

    assert stale_years() == {2025, 2026}
    assert set(Measurement.objects.values_list("date", flat=True)) == {date(2026, 5, 14)}


@pytest.mark.django_db
def test_a_usd_value_recomputed_without_saving_the_allocation_is_caught_by_its_rows_not_adding_up():
    program = ProgramFactory()
    ActivityReportFactory(session__program=program, participants=10)
    allocation = funded([program])
    measurements_sync(now=timezone.now())
    long_ago = timezone.now() - timedelta(days=1)
    # As usd_recompute writes: the value, not updated_at (and no audit row in this test).
    type(allocation).objects.filter(pk=allocation.pk).update(usd_amount=Decimal("750.00"), updated_at=long_ago)

    measurements_sync(now=timezone.now())

    assert cost_row(allocation).numerator == Decimal("750.00")


@pytest.mark.django_db
def test_an_organizations_new_region_reaches_its_assessments_in_the_sync():
    from capacity.models import Region
    from tests.factories import OrganizationFactory

    organization = OrganizationFactory()
    first = SelfAssessment.objects.create(organization=organization, assessed_at=SESSION_START)
    first.ratings.create(category_id=first_category(), rating=2)
    second = SelfAssessment.objects.create(organization=organization, assessed_at=SESSION_START + timedelta(days=9))
    second.ratings.create(category_id=first_category(), rating=3)
    self_assessment_measure(assessment_ids=[second.pk])
    measurements_sync(now=timezone.now())

    organization.region = Region.objects.get(slug="north-america")
    organization.save()
    measurements_sync(now=timezone.now())

    # The capacity's row and the round's summary row.
    assert list(Measurement.objects.filter(source=Source.SELF_ASSESSMENT).values_list("region__slug", flat=True)) == [
        "north-america",
        "north-america",
    ]


@pytest.mark.django_db
def test_a_person_who_deleted_their_account_keeps_their_gains_through_a_full_sync():
    from programs.services import person_delete

    person = UserFactory()
    first = SelfAssessment.objects.create(user=person, assessed_at=SESSION_START)
    first.ratings.create(category_id=first_category(), rating=2)
    second = SelfAssessment.objects.create(user=person, assessed_at=SESSION_START + timedelta(days=9))
    second.ratings.create(category_id=first_category(), rating=3)
    # Someone else's anonymous round, earlier: a re-measure would take it as the "previous round".
    stranger = SelfAssessment.objects.create(assessed_at=SESSION_START - timedelta(days=1))
    stranger.ratings.create(category_id=first_category(), rating=5)
    measurements_sync(now=timezone.now())
    before = snapshot()
    assert [row[3] for row in before] == [1, 1]  # value: the capacity's gain and the summary

    person_delete(user=person)
    StalePeriod.objects.all().delete()

    assert measurements_sync(now=timezone.now())["self_assessment"] == 0
    assert measurements_sync(now=timezone.now(), full=True)["self_assessment"] == 0
    assert snapshot() == before
    assert not StalePeriod.objects.exists()


@pytest.mark.django_db
def test_the_sync_reads_back_as_long_as_the_longest_task_runs_and_at_least_five_minutes(settings):
    settings.CELERY_TASK_TIME_LIMIT = 1200
    assert measurements.sync_overlap() == timedelta(minutes=20)
    settings.CELERY_TASK_TIME_LIMIT = 60
    assert measurements.sync_overlap() == timedelta(minutes=5)


@pytest.mark.django_db
@pytest.mark.parametrize(("time_limit", "picked_up"), [(600, 1), (60, 0)])
def test_a_report_import_committed_long_after_it_saved_is_picked_up_within_the_task_limit(
    settings, time_limit, picked_up
):
    settings.CELERY_TASK_TIME_LIMIT = time_limit
    report = ActivityReportFactory(participants=10)
    watermark = timezone.now() + timedelta(days=1)
    measurements_sync(now=watermark - timedelta(days=1))
    # An import saved the report 8 minutes before the last sync, in a transaction that
    # committed only after it: its updated_at is behind the watermark.
    ActivityReport.objects.filter(pk=report.pk).update(participants=20, updated_at=watermark - timedelta(minutes=8))
    age(Session.objects.all(), Program.objects.all(), at=watermark - timedelta(hours=1))
    SyncMark.objects.update(synced_until=watermark)

    assert measurements_sync(now=watermark + timedelta(minutes=10))["activity_report"] == picked_up


def first_category():
    from capacity.models import CapacityCategory

    return CapacityCategory.objects.get(slug="public-speaking").pk


# Query counts: a batch's queries do not grow with its rows -------------------------------


def reports_of(size):
    program = ProgramFactory()
    reports = []
    for number in range(size):
        report = ActivityReportFactory(
            session__program=program,
            participants=10 + number,
            gender_asked=True,
            gender_woman=4,
            gender_not_answered=6 + number,
        )
        EnrollmentFactory(session=report.session, user__date_joined=SESSION_START)
        reports.append(report.pk)
    return program, reports


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 12])
def test_measuring_reports_takes_the_same_queries_at_any_size(size, django_assert_max_num_queries):
    _program, reports = reports_of(size)
    with django_assert_max_num_queries(10):
        assert activity_report_measure(report_ids=reports) == size
    assert Measurement.objects.filter(indicator__code="participants", dimension="gender").count() == 2 * size


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 12])
def test_measuring_allocations_takes_the_same_queries_at_any_size(size, django_assert_max_num_queries):
    program, _reports = reports_of(3)
    allocations = [funded([program]).pk for _ in range(size)]
    with django_assert_max_num_queries(11):  # 10 before the marks of indicators (StaleIndicator)
        assert allocation_measure(allocation_ids=allocations) == size


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 12])
def test_measuring_responses_takes_the_same_queries_at_any_size(size, django_assert_max_num_queries):
    from capacity.models import CapacityCategory

    speaking = CapacityCategory.objects.get(slug="public-speaking")
    responses = []
    for _ in range(size):
        enrollment = EnrollmentFactory()
        SurveyResponseFactory(invitation__enrollment=enrollment, invitation__kind="pre", ratings={speaking: 2})
        responses.append(
            SurveyResponseFactory(invitation__enrollment=enrollment, satisfaction=4, ratings={speaking: 4}).pk
        )
    with django_assert_max_num_queries(13):  # 12 before the marks of indicators (StaleIndicator)
        assert survey_response_measure(response_ids=responses) == size


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 12])
def test_measuring_assessments_takes_the_same_queries_at_any_size(size, django_assert_max_num_queries):
    assessments = []
    for _ in range(size):
        person = UserFactory()
        for day, rating in ((0, 2), (30, 4)):
            assessment = SelfAssessment.objects.create(user=person, assessed_at=SESSION_START + timedelta(days=day))
            assessment.ratings.create(category_id=first_category(), rating=rating)
            assessments.append(assessment.pk)
    with django_assert_max_num_queries(12):
        assert self_assessment_measure(assessment_ids=assessments) == size


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 12])
def test_a_sync_takes_the_same_queries_at_any_size(size, django_assert_max_num_queries):
    program, _reports = reports_of(size)
    for _ in range(size):
        funded([program])
        SurveyResponseFactory(satisfaction=3)
    # 7 of them read the programs' capacities, compare and record them (a batch of 2,000 programs at a time),
    # and 3 more mark what a program whose capacities changed was measured in.
    with django_assert_max_num_queries(52):
        measurements_sync(now=timezone.now())
    program_services.program_save(program=program, categories=[CapacityCategory.objects.get(slug="governance")])
    with django_assert_max_num_queries(55):
        assert measurements_sync(now=timezone.now(), full=True)["program_capacities"] == 1


# The task, on a real worker -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_task_on_a_real_worker_gives_the_rows_of_the_direct_call(celery_worker_on_redis):
    program = ProgramFactory()
    for participants in (9, 14):
        ActivityReportFactory(
            session__program=program,
            participants=participants,
            newcomer_asked=True,
            newcomer_new=3,
            newcomer_not_answered=participants - 3,
        )
    funded([program])
    SurveyResponseFactory(invitation__kind="follow_up_3", still_active=False)

    sync_measurements.delay()
    # The watermarks move last, so they say a run has finished.
    assert wait_for(lambda: SyncMark.objects.count() == len(Source.values), seconds=30)
    by_worker = snapshot()
    # Five outputs and four demographic rows (newcomer asked: two answers) per report.
    assert len(by_worker) == 2 * 9 + 1 + 1
    rows = list(Measurement.objects.order_by("pk").values_list("pk", flat=True))

    # A second run (beat and the report job may both queue one) finds nothing to change.
    first = SyncMark.objects.get(source=Source.ACTIVITY_REPORT).synced_until
    sync_measurements.delay()
    assert wait_for(lambda: SyncMark.objects.get(source=Source.ACTIVITY_REPORT).synced_until != first, seconds=30)
    assert list(Measurement.objects.order_by("pk").values_list("pk", flat=True)) == rows

    Measurement.objects.all().delete()
    SyncMark.objects.all().delete()
    measurements_sync(now=timezone.now())
    assert snapshot() == by_worker


@pytest.mark.django_db
def test_a_deleted_programs_sessions_years_are_marked_stale_though_their_rows_went_with_them():
    report = ActivityReportFactory(session__starts_at=SESSION_START.replace(year=2023))
    measurements_sync(now=timezone.now())
    StalePeriod.objects.all().delete()

    report.session.program.delete()
    assert not Measurement.objects.exists()
    measurements_sync(now=timezone.now())

    assert stale_years() == {2023}


@pytest.mark.django_db(transaction=True)
def test_two_measurers_of_one_report_take_turns_and_the_second_finds_nothing_to_change(seeded_transactional_db):
    import threading

    from django.db import connection, transaction

    report = ActivityReportFactory()
    measured, release = threading.Event(), threading.Event()
    results = []

    def first():
        try:
            with transaction.atomic():
                results.append(("first", activity_report_measure(report_ids=[report.pk])))
                measured.set()
                release.wait(10)
        finally:
            connection.close()

    def second():
        try:
            results.append(("second", activity_report_measure(report_ids=[report.pk])))
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert measured.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    # The second waits on the report's lock instead of writing beside the first.
    assert two.is_alive()
    release.set()
    one.join(10)
    two.join(10)

    assert results == [("first", 1), ("second", 0)]
    assert Measurement.objects.filter(source=Source.ACTIVITY_REPORT, source_id=report.pk).count() == 8


@pytest.mark.django_db
def test_a_program_whose_capacities_change_makes_the_years_it_was_measured_in_stale():
    """Reports read a program's capacities when built: its years are rebuilt whole by the next nightly build."""
    communication, governance = (CapacityCategory.objects.get(slug=slug) for slug in ("communication", "governance"))
    program = ProgramFactory()
    program.categories.set([communication])
    ActivityReportFactory(session__program=program)
    untouched = ProgramFactory()
    ActivityReportFactory(session__program=untouched)
    first = timezone.now()
    assert measurements_sync(now=first)["program_capacities"] == 0  # read for the first time: recorded, no mark
    seen = dict(ProgramCapacitiesSeen.objects.values_list("program_id", "capacities"))
    assert seen[program.pk] == "communication"
    assert seen[untouched.pk] == ",".join(sorted(untouched.categories.values_list("slug", flat=True)))
    StalePeriod.objects.all().delete()
    StaleIndicator.objects.all().delete()

    # Saved again with the same capacities (its title edited): nothing to rebuild.
    program.title_en = "Renamed"
    program_services.program_save(program=program, categories=[communication])
    assert measurements_sync(now=timezone.now())["program_capacities"] == 0
    assert not StalePeriod.objects.exists()

    program_services.program_save(program=program, categories=[governance, communication])
    assert measurements_sync(now=timezone.now())["program_capacities"] == 1
    year = SESSION_START.year
    assert stale_years() == {year}
    # Each indicator its measurements about no one capacity are of: their groups reach its capacities.
    measured = set(
        Measurement.objects.filter(program=program, category__isnull=True).values_list("indicator__code", flat=True)
    )
    assert "participants" in measured
    assert set(StaleIndicator.objects.values_list("year", "indicator")) == {(year, code) for code in measured}
    assert ProgramCapacitiesSeen.objects.get(program=program).capacities == "communication,governance"

    # Read again with nothing changed since: no new mark.
    StalePeriod.objects.all().delete()
    assert measurements_sync(now=timezone.now())["program_capacities"] == 0
    assert not StalePeriod.objects.exists()


@pytest.mark.django_db
def test_programs_made_before_the_table_are_recorded_by_its_migration(monkeypatch):
    """An installation that synced before: its programs' first capacities change after the upgrade is caught."""
    from django.apps import apps

    migration = importlib.import_module("evaluation.migrations.0013_program_capacities_seen")
    governance = CapacityCategory.objects.get(slug="governance")
    program = ProgramFactory()
    ActivityReportFactory(session__program=program)
    measurements_sync(now=timezone.now())
    ProgramCapacitiesSeen.objects.all().delete()  # as before the upgrade, the watermarks set
    StalePeriod.objects.all().delete()
    migration.record_every_program(apps, None)
    assert ProgramCapacitiesSeen.objects.filter(program=program).exists()

    program_services.program_save(program=program, categories=[governance])
    assert measurements_sync(now=timezone.now())["program_capacities"] == 1
    assert stale_years() == {SESSION_START.year}


@pytest.mark.django_db
def test_a_program_deleted_while_the_sync_reads_it_is_not_recorded(monkeypatch):
    program = ProgramFactory()
    real = measurements.Program.categories.through.objects.filter

    def deleting(*args, **kwargs):  # the program goes between the sync's reading and its recording
        Program.objects.filter(pk=program.pk).delete()
        return real(*args, **kwargs)

    monkeypatch.setattr(measurements.Program.categories.through.objects, "filter", deleting)
    measurements_sync(now=timezone.now())
    assert not ProgramCapacitiesSeen.objects.exists()


@pytest.mark.django_db
def test_a_region_that_becomes_emerging_reaches_its_reports_the_next_night():
    """Measurements carry their region's emerging flag: a flag changed is measured again and marked."""
    report = ActivityReportFactory()
    region = report.session.program.region
    measurements_sync(now=timezone.now())
    StalePeriod.objects.all().delete()
    StaleIndicator.objects.all().delete()

    region.is_emerging = not region.is_emerging
    region.save()
    measurements_sync(now=timezone.now())

    assert set(Measurement.objects.filter(source_id=report.pk).values_list("is_emerging", flat=True)) == {
        region.is_emerging
    }
    marked = set(StaleIndicator.objects.filter(year=SESSION_START.year).values_list("indicator", flat=True))
    assert {"participants", "emerging_share"} <= marked
