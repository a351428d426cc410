"""What each source measures: the rules of evaluation.measurements, with values computed by hand."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from capacity.models import CapacityCategory, Region
from evaluation.measurements import (
    _mean,
    activity_report_measure,
    allocation_measure,
    self_assessment_measure,
    stale_years_mark,
    survey_response_measure,
)
from evaluation.models import EVERY_INDICATOR, Measurement, SelfAssessment, Source, StaleIndicator, StalePeriod
from programs.models import Enrollment, Program
from tests.evaluation.factories_measurements import (
    SESSION_START,
    ActivityReportFactory,
    EnrollmentFactory,
    SurveyResponseFactory,
)
from tests.factories import AllocationFactory, OrganizationFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def measured(source, source_id):
    """{(indicator, dimension, answer, category slug): row} of one source."""
    return {
        (row["indicator__code"], row["dimension"], row["answer"], row["category__slug"]): row
        for row in Measurement.objects.filter(source=source, source_id=source_id).values(
            "indicator__code",
            "dimension",
            "answer",
            "category__slug",
            "value",
            "numerator",
            "denominator",
            "people",
            "date",
            "organization_id",
            "program_id",
            "session_id",
            "allocation_id",
            "region__slug",
            "is_emerging",
            "method",
        )
    }


def totals(source, source_id):
    """{indicator: value} of the rows for everyone (no slice)."""
    return {key[0]: row["value"] for key, row in measured(source, source_id).items() if key[1] == "" and key[3] is None}


def category(slug):
    return CapacityCategory.objects.get(slug=slug)


# Activity reports -----------------------------------------------------------------------


def test_a_report_gives_participants_newcomers_hours_pages_and_emerging_share():
    report = ActivityReportFactory(
        participants=30, newcomers=7, hours_of_learning=Decimal("88.5"), pages_created=4, pages_improved=9
    )
    assert activity_report_measure(report_ids=[report.pk]) == 1

    rows = measured(Source.ACTIVITY_REPORT, report.pk)
    program = report.session.program
    assert rows[("participants", "", "", None)]["value"] == 30
    assert rows[("participants", "", "", None)]["people"] == 30
    assert rows[("newcomers", "", "", None)]["value"] == rows[("newcomers", "", "", None)]["people"] == 7
    assert rows[("hours_of_learning", "", "", None)]["value"] == Decimal("88.5")
    assert rows[("hours_of_learning", "", "", None)]["people"] == 30
    assert rows[("pages_created_or_improved", "", "", None)]["value"] == 13
    share = rows[("emerging_share", "", "", None)]
    # The factory's organizations are in South Asia, an emerging community.
    assert (share["numerator"], share["denominator"], share["people"]) == (30, 30, 30)
    for row in rows.values():
        assert row["date"] == date(2025, 5, 14)
        assert row["organization_id"] == program.provider_id
        assert (row["program_id"], row["session_id"], row["allocation_id"]) == (program.pk, report.session_id, None)
        assert (row["region__slug"], row["is_emerging"], row["method"]) == ("south-asia", True, "workshop")
        assert row["category__slug"] is None


def test_an_established_region_counts_no_one_in_the_emerging_share():
    provider = OrganizationFactory(region=Region.objects.get(slug="north-america"))
    report = ActivityReportFactory(session__program__provider=provider, participants=12)

    activity_report_measure(report_ids=[report.pk])

    share = measured(Source.ACTIVITY_REPORT, report.pk)[("emerging_share", "", "", None)]
    assert (share["numerator"], share["denominator"], share["is_emerging"]) == (0, 12, False)


def test_each_demographic_answer_given_is_a_participants_row_and_a_question_not_asked_is_one_row_of_everyone():
    report = ActivityReportFactory(
        participants=20,
        gender_asked=True,
        gender_woman=11,
        gender_man=6,
        gender_prefer_not=1,
        gender_not_answered=2,
        newcomer_asked=True,
        newcomer_new=5,
        newcomer_returning=15,
    )
    activity_report_measure(report_ids=[report.pk])

    demographic = {
        (key[1], key[2]): (row["value"], row["people"])
        for key, row in measured(Source.ACTIVITY_REPORT, report.pk).items()
        if key[1]
    }
    assert demographic == {
        ("gender", "woman"): (11, 11),
        ("gender", "man"): (6, 6),
        ("gender", "prefer_not"): (1, 1),
        ("gender", "not_answered"): (2, 2),
        ("age", "not_asked"): (20, 20),
        ("newcomer", "new"): (5, 5),
        ("newcomer", "returning"): (15, 15),
    }
    assert {key[0] for key in measured(Source.ACTIVITY_REPORT, report.pk) if key[1]} == {"participants"}


def test_a_report_of_no_one_or_of_a_cancelled_session_gives_nothing():
    empty = ActivityReportFactory(participants=0, hours_of_learning=0)
    cancelled = ActivityReportFactory(session__is_cancelled=True)

    assert activity_report_measure(report_ids=[empty.pk, cancelled.pk]) == 0
    assert not Measurement.objects.exists()


def test_cancelling_a_session_after_its_report_removes_the_reports_rows():
    report = ActivityReportFactory()
    activity_report_measure(report_ids=[report.pk])
    report.session.is_cancelled = True
    report.session.save()

    activity_report_measure(report_ids=[report.pk])

    assert not Measurement.objects.exists()


def test_editing_a_report_replaces_its_rows_and_counts_nothing_twice():
    report = ActivityReportFactory(
        participants=30, gender_asked=True, gender_woman=18, gender_man=12, hours_of_learning=60
    )
    activity_report_measure(report_ids=[report.pk])
    report.participants = 12
    report.hours_of_learning = 24
    report.gender_asked, report.gender_woman, report.gender_man = False, 0, 0
    report.age_asked, report.age_25_34, report.age_not_answered = True, 10, 2
    report.save()

    assert activity_report_measure(report_ids=[report.pk]) == 1

    rows = measured(Source.ACTIVITY_REPORT, report.pk)
    assert rows[("participants", "", "", None)]["value"] == 12
    assert rows[("hours_of_learning", "", "", None)]["value"] == 24
    assert {(key[1], key[2]): row["value"] for key, row in rows.items() if key[1]} == {
        ("gender", "not_asked"): 12,
        ("age", "25_34"): 10,
        ("age", "not_answered"): 2,
        ("newcomer", "not_asked"): 12,
    }
    everyone = Measurement.objects.filter(indicator__code="participants", dimension="")
    assert list(everyone.values_list("value", flat=True)) == [12]


def test_measuring_an_unchanged_report_again_writes_nothing():
    report = ActivityReportFactory()
    activity_report_measure(report_ids=[report.pk])
    before = list(Measurement.objects.order_by("pk").values_list("pk", "recorded_at"))
    StalePeriod.objects.all().delete()

    assert activity_report_measure(report_ids=[report.pk]) == 0

    assert list(Measurement.objects.order_by("pk").values_list("pk", "recorded_at")) == before
    assert not StalePeriod.objects.exists()


def test_a_deleted_report_loses_its_rows_when_measured():
    report = ActivityReportFactory()
    activity_report_measure(report_ids=[report.pk])
    report_id = report.pk
    report.delete()

    assert activity_report_measure(report_ids=[report_id]) == 1
    assert not Measurement.objects.exists()


def test_deleting_a_session_deletes_its_rows():
    report = ActivityReportFactory()
    activity_report_measure(report_ids=[report.pk])

    report.session.delete()

    assert not Measurement.objects.exists()


def test_moving_a_session_to_another_year_marks_both_years_stale_and_its_indicators_in_both():
    report = ActivityReportFactory()
    activity_report_measure(report_ids=[report.pk])
    assert set(StalePeriod.objects.values_list("year", flat=True)) == {2025}
    codes = set(Measurement.objects.values_list("indicator__code", flat=True))
    StalePeriod.objects.all().delete()
    StaleIndicator.objects.all().delete()
    session = report.session
    session.starts_at = SESSION_START.replace(year=2024)
    session.ends_at = session.starts_at + timedelta(hours=3)
    session.save()

    activity_report_measure(report_ids=[report.pk])

    assert set(StalePeriod.objects.values_list("year", flat=True)) == {2024, 2025}
    assert set(Measurement.objects.values_list("date", flat=True)) == {date(2024, 5, 14)}
    marked = set(StaleIndicator.objects.values_list("year", "indicator"))
    assert marked == {(year, code) for year in (2024, 2025) for code in codes}


def test_stale_years_mark_keeps_one_mark_per_year_with_the_latest_time_and_raises_its_version(
    django_assert_num_queries,
):
    first = SESSION_START
    with django_assert_num_queries(2):  # the years, and what changed in them
        stale_years_mark(years=[2025, 2026], now=first)
    with django_assert_num_queries(2):
        stale_years_mark(years=[2026, 2026, 2027], now=first + timedelta(days=1))
    assert {
        year: (marked_at, version)
        for year, marked_at, version in StalePeriod.objects.values_list("year", "marked_at", "version")
    } == {
        2025: (first, 1),
        2026: (first + timedelta(days=1), 2),
        2027: (first + timedelta(days=1), 1),
    }
    # A year marked without indicators is stale whole.
    assert {
        (year, indicator): version
        for year, indicator, version in StaleIndicator.objects.values_list("year", "indicator", "version")
    } == {(2025, EVERY_INDICATOR): 1, (2026, EVERY_INDICATOR): 2, (2027, EVERY_INDICATOR): 1}


def test_stale_years_mark_keeps_one_mark_per_year_and_indicator(django_assert_num_queries):
    with django_assert_num_queries(2):
        stale_years_mark(changes=[(2025, "hours"), (2025, "participants"), (2026, "hours")], now=SESSION_START)
    stale_years_mark(changes=[(2025, "hours"), (2025, "hours")], years=[2026], now=SESSION_START)

    assert dict(StalePeriod.objects.values_list("year", "version")) == {2025: 2, 2026: 2}
    assert {
        (year, indicator): version
        for year, indicator, version in StaleIndicator.objects.values_list("year", "indicator", "version")
    } == {(2025, "hours"): 2, (2025, "participants"): 1, (2026, "hours"): 1, (2026, EVERY_INDICATOR): 1}


def test_every_mark_of_a_year_raises_its_version_so_a_build_can_tell_it_was_marked_again():
    stale_years_mark(years=[2025], now=SESSION_START)
    stale_years_mark(years=[2025], now=SESSION_START)
    assert StalePeriod.objects.get(year=2025).version == 2
    # A year the build cleared starts again at 1.
    StalePeriod.objects.filter(year=2025).delete()
    stale_years_mark(years=[2025, 2024], now=SESSION_START)
    assert dict(StalePeriod.objects.values_list("year", "version")) == {2024: 1, 2025: 1}


def test_measuring_changed_sources_raises_the_version_of_each_year_they_touch():
    report = ActivityReportFactory(participants=10)
    activity_report_measure(report_ids=[report.pk])
    assert dict(StalePeriod.objects.values_list("year", "version")) == {2025: 1}
    report.participants = 12
    report.save()

    activity_report_measure(report_ids=[report.pk])
    assert dict(StalePeriod.objects.values_list("year", "version")) == {2025: 2}
    # Nothing changed, nothing marked.
    activity_report_measure(report_ids=[report.pk])
    assert dict(StalePeriod.objects.values_list("year", "version")) == {2025: 2}


def test_measuring_a_changed_source_marks_only_the_indicators_whose_rows_differ():
    report = ActivityReportFactory(participants=10)
    activity_report_measure(report_ids=[report.pk])
    first = set(StaleIndicator.objects.values_list("year", "indicator"))
    assert (2025, "participants") in first
    assert (2025, "hours_of_learning") in first
    StaleIndicator.objects.all().delete()
    StalePeriod.objects.all().delete()
    report.hours_of_learning += 1
    report.save()

    activity_report_measure(report_ids=[report.pk])

    # Every row of the report was replaced; only the hours' differ.
    assert set(StaleIndicator.objects.values_list("year", "indicator")) == {(2025, "hours_of_learning")}
    assert set(StalePeriod.objects.values_list("year", flat=True)) == {2025}


# Newcomers ------------------------------------------------------------------------------


def test_newcomers_are_the_largest_of_reported_dashboard_and_enrolled_at_most_the_participants(settings):
    settings.NEWCOMER_WINDOW_DAYS = 30
    report = ActivityReportFactory(participants=10, newcomers=2)
    session = report.session
    for status, attendance in (
        (Enrollment.Status.ENROLLED, Enrollment.Attendance.ATTENDED),
        (Enrollment.Status.COMPLETED, Enrollment.Attendance.UNKNOWN),
        (Enrollment.Status.ENROLLED, Enrollment.Attendance.ATTENDED),
    ):
        EnrollmentFactory(
            session=session,
            status=status,
            attendance=attendance,
            user__date_joined=session.starts_at - timedelta(days=3),
        )
    # Registered long ago, did not come, or cancelled: not counted.
    EnrollmentFactory(session=session, user__date_joined=session.starts_at - timedelta(days=400))
    EnrollmentFactory(session=session, attendance=Enrollment.Attendance.NO_SHOW, user__date_joined=session.starts_at)
    EnrollmentFactory(session=session, status=Enrollment.Status.CANCELLED, user__date_joined=session.starts_at)

    activity_report_measure(report_ids=[report.pk])
    assert totals(Source.ACTIVITY_REPORT, report.pk)["newcomers"] == 3

    report.dashboard_imported_at = SESSION_START + timedelta(days=2)
    report.dashboard_editors, report.dashboard_new_editors = 10, 6
    report.save()
    activity_report_measure(report_ids=[report.pk])
    assert totals(Source.ACTIVITY_REPORT, report.pk)["newcomers"] == 6

    report.participants = 4
    report.newcomers = 1
    report.save()
    activity_report_measure(report_ids=[report.pk])
    rows = measured(Source.ACTIVITY_REPORT, report.pk)
    assert rows[("newcomers", "", "", None)]["value"] == rows[("newcomers", "", "", None)]["people"] == 4


@pytest.mark.parametrize(
    ("joined_before", "counted"),
    [
        (timedelta(days=30), 1),
        (timedelta(days=30, seconds=1), 0),
        (timedelta(0), 1),
        (-timedelta(hours=1), 1),
    ],
    ids=["on-the-window's-first-moment", "a-second-before-the-window", "at-the-start", "during-the-session"],
)
def test_the_newcomer_window_counts_accounts_registered_at_most_that_many_days_before_the_start(
    settings, joined_before, counted
):
    settings.NEWCOMER_WINDOW_DAYS = 30
    report = ActivityReportFactory(participants=5, newcomers=0)
    EnrollmentFactory(session=report.session, user__date_joined=report.session.starts_at - joined_before)

    activity_report_measure(report_ids=[report.pk])

    assert totals(Source.ACTIVITY_REPORT, report.pk)["newcomers"] == counted


# Dashboard figures ------------------------------------------------------------------------


def test_dashboard_articles_take_over_the_pages_only_when_imported_and_larger():
    report = ActivityReportFactory(pages_created=3, pages_improved=4, dashboard_articles_created=50)
    activity_report_measure(report_ids=[report.pk])
    # Figures without an import (dashboard_imported_at empty) are not read.
    assert totals(Source.ACTIVITY_REPORT, report.pk)["pages_created_or_improved"] == 7

    report.dashboard_imported_at = SESSION_START + timedelta(days=1)
    report.dashboard_articles_created, report.dashboard_articles_edited = 5, 12
    report.save()
    activity_report_measure(report_ids=[report.pk])
    assert totals(Source.ACTIVITY_REPORT, report.pk)["pages_created_or_improved"] == 17

    report.dashboard_articles_created, report.dashboard_articles_edited = 2, None
    report.save()
    activity_report_measure(report_ids=[report.pk])
    assert totals(Source.ACTIVITY_REPORT, report.pk)["pages_created_or_improved"] == 7


def test_dashboard_new_editors_do_not_count_without_an_import():
    report = ActivityReportFactory(participants=10, newcomers=1, dashboard_editors=10, dashboard_new_editors=8)

    activity_report_measure(report_ids=[report.pk])

    assert totals(Source.ACTIVITY_REPORT, report.pk)["newcomers"] == 1


# Allocations ------------------------------------------------------------------------------


def funded(*, usd, status="approved", programs=(), **fields):
    allocation = AllocationFactory(
        status=status,
        usd_amount=usd,
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
        fund__starts_on=date(2025, 1, 1),
        **fields,
    )
    allocation.programs.set(programs)
    return allocation


def test_an_allocations_usd_is_apportioned_over_two_programs_by_participants_to_the_cent():
    recipient = OrganizationFactory()
    workshop = ProgramFactory(provider=recipient)
    mentoring = ProgramFactory(
        provider=recipient, method=Program.Method.MENTORING, region=Region.objects.get(slug="north-america")
    )
    ActivityReportFactory(session__program=workshop, participants=10)
    ActivityReportFactory(session__program=workshop, participants=10)
    ActivityReportFactory(session__program=mentoring, participants=10)
    allocation = funded(usd=Decimal("1000.00"), recipient=recipient, programs=[workshop, mentoring])

    assert allocation_measure(allocation_ids=[allocation.pk]) == 1

    rows = {
        row["program_id"]: row
        for row in Measurement.objects.filter(source=Source.ALLOCATION, source_id=allocation.pk).values()
    }
    # 1000 × 20/30 = 666.666…, 1000 × 10/30 = 333.333…: the extra cent goes to the larger remainder.
    assert (rows[workshop.pk]["numerator"], rows[workshop.pk]["denominator"]) == (Decimal("666.67"), 20)
    assert (rows[mentoring.pk]["numerator"], rows[mentoring.pk]["denominator"]) == (Decimal("333.33"), 10)
    assert sum(row["numerator"] for row in rows.values()) == Decimal("1000.00")
    assert rows[workshop.pk]["value"] == Decimal("33.3335")
    assert rows[mentoring.pk]["people"] == 10
    assert (rows[mentoring.pk]["method"], rows[mentoring.pk]["is_emerging"]) == ("mentoring", False)
    for row in rows.values():
        assert row["date"] == date(2025, 1, 1)
        assert row["organization_id"] == recipient.pk
        assert row["allocation_id"] == allocation.pk
        assert row["session_id"] is None


def test_three_equal_programs_share_an_odd_cent_and_still_add_up():
    programs = [ProgramFactory() for _ in range(3)]
    for program in programs:
        ActivityReportFactory(session__program=program, participants=7)
    allocation = funded(usd=Decimal("100.01"), programs=programs)

    allocation_measure(allocation_ids=[allocation.pk])

    parts = sorted(Measurement.objects.filter(source=Source.ALLOCATION).values_list("numerator", flat=True))
    assert parts == [Decimal("33.33"), Decimal("33.34"), Decimal("33.34")]
    assert sum(parts) == Decimal("100.01")


def test_an_allocation_counts_only_sessions_held_within_its_period_and_not_cancelled():
    program = ProgramFactory()
    ActivityReportFactory(session__program=program, participants=8)
    ActivityReportFactory(
        session__program=program, participants=50, session__starts_at=SESSION_START.replace(year=2024)
    )
    ActivityReportFactory(session__program=program, participants=70, session__is_cancelled=True)
    allocation = funded(usd=Decimal("400.00"), programs=[program])

    allocation_measure(allocation_ids=[allocation.pk])

    row = Measurement.objects.get(source=Source.ALLOCATION)
    assert (row.numerator, row.denominator, row.people, row.value) == (
        Decimal("400.00"),
        8,
        8,
        Decimal("50.0000"),
    )


@pytest.mark.parametrize("status", ["proposed", "declined"])
def test_an_allocation_not_committed_or_without_a_usd_value_gives_nothing(status):
    program = ProgramFactory()
    ActivityReportFactory(session__program=program)
    uncommitted = funded(usd=Decimal("500.00"), status=status, programs=[program])
    unconverted = funded(usd=None, programs=[program])
    unreached = funded(usd=Decimal("500.00"), programs=[ProgramFactory()])

    assert allocation_measure(allocation_ids=[uncommitted.pk, unconverted.pk, unreached.pk]) == 0
    assert not Measurement.objects.exists()


def test_declining_an_allocation_removes_its_rows():
    program = ProgramFactory()
    ActivityReportFactory(session__program=program)
    allocation = funded(usd=Decimal("500.00"), programs=[program])
    allocation_measure(allocation_ids=[allocation.pk])
    assert Measurement.objects.filter(source=Source.ALLOCATION).exists()

    allocation.status = "declined"
    allocation.save()
    allocation_measure(allocation_ids=[allocation.pk])

    assert not Measurement.objects.exists()


# Survey responses ---------------------------------------------------------------------


def test_a_post_response_gives_satisfaction_and_the_gain_of_each_capacity_rated_before_and_after():
    speaking, writing, translating = (
        category("public-speaking"),
        category("writing-storytelling"),
        category("translation-multilingual"),
    )
    enrollment = EnrollmentFactory()
    SurveyResponseFactory(invitation__enrollment=enrollment, invitation__kind="pre", ratings={speaking: 2, writing: 4})
    post = SurveyResponseFactory(
        invitation__enrollment=enrollment,
        satisfaction=5,
        ratings={speaking: 4, writing: 3, translating: 5},
    )

    survey_response_measure(response_ids=[post.pk])

    rows = measured(Source.SURVEY_RESPONSE, post.pk)
    assert {key: (row["value"], row["people"]) for key, row in rows.items()} == {
        ("satisfaction", "", "", None): (5, 1),
        ("capacity_gain", "", "", "public-speaking"): (2, 1),
        ("capacity_gain", "", "", "writing-storytelling"): (-1, 1),
        # The person's summary: the mean of their gains, (2 − 1) / 2, one person.
        ("capacity_gain", "", "", None): (Decimal("0.5"), 1),
    }
    program = enrollment.session.program
    for row in rows.values():
        assert row["date"] == date(2025, 5, 14)
        assert (row["program_id"], row["session_id"], row["organization_id"]) == (
            program.pk,
            enrollment.session_id,
            program.provider_id,
        )


def test_a_person_who_rated_five_capacities_is_one_person_in_the_summary_row():
    slugs = ["public-speaking", "writing-storytelling", "translation-multilingual", "board-practices", "grant-writing"]
    enrollment = EnrollmentFactory()
    SurveyResponseFactory(
        invitation__enrollment=enrollment, invitation__kind="pre", ratings={category(slug): 2 for slug in slugs}
    )
    # Gains 1, 0, 0, 0 and 3.
    after = dict(zip(slugs, (3, 2, 2, 2, 5), strict=True))
    post = SurveyResponseFactory(
        invitation__enrollment=enrollment, ratings={category(slug): rating for slug, rating in after.items()}
    )

    survey_response_measure(response_ids=[post.pk])

    gains = Measurement.objects.filter(indicator__code="capacity_gain")
    assert gains.filter(category__isnull=False).count() == 5
    (summary,) = gains.filter(category__isnull=True)
    # (1 + 0 + 0 + 0 + 3) / 5, one person, with the response's program, session and date.
    assert (summary.value, summary.people, summary.program_id, summary.session_id, summary.date) == (
        Decimal("0.8000"),
        1,
        enrollment.session.program_id,
        enrollment.session_id,
        date(2025, 5, 14),
    )


def test_the_summary_row_is_the_mean_to_four_places():
    speaking, writing, translating = (
        category("public-speaking"),
        category("writing-storytelling"),
        category("translation-multilingual"),
    )
    enrollment = EnrollmentFactory()
    SurveyResponseFactory(
        invitation__enrollment=enrollment, invitation__kind="pre", ratings={speaking: 1, writing: 3, translating: 3}
    )
    post = SurveyResponseFactory(invitation__enrollment=enrollment, ratings={speaking: 2, writing: 3, translating: 3})

    survey_response_measure(response_ids=[post.pk])

    assert measured(Source.SURVEY_RESPONSE, post.pk)[("capacity_gain", "", "", None)]["value"] == Decimal("0.3333")


def test_the_summary_mean_rounds_half_to_even():
    # 1/32 = 0.03125 and 3/32 = 0.09375: the fifth place is a half, the fourth goes to even.
    assert _mean([1] + [0] * 31) == Decimal("0.0312")
    assert _mean([3] + [0] * 31) == Decimal("0.0938")
    assert _mean([-1, -2]) == Decimal("-1.5000")


def test_no_capacity_rated_both_before_and_after_gives_no_gain_and_no_summary():
    enrollment = EnrollmentFactory()
    SurveyResponseFactory(
        invitation__enrollment=enrollment, invitation__kind="pre", ratings={category("public-speaking"): 2}
    )
    post = SurveyResponseFactory(
        invitation__enrollment=enrollment, satisfaction=4, ratings={category("grant-writing"): 4}
    )

    survey_response_measure(response_ids=[post.pk])

    assert set(measured(Source.SURVEY_RESPONSE, post.pk)) == {("satisfaction", "", "", None)}


def test_a_pre_response_saved_after_the_post_one_measures_the_post_again():
    speaking = category("public-speaking")
    enrollment = EnrollmentFactory()
    post = SurveyResponseFactory(invitation__enrollment=enrollment, satisfaction=None, ratings={speaking: 5})
    survey_response_measure(response_ids=[post.pk])
    assert not Measurement.objects.exists()
    pre = SurveyResponseFactory(invitation__enrollment=enrollment, invitation__kind="pre", ratings={speaking: 1})

    survey_response_measure(response_ids=[pre.pk])

    assert measured(Source.SURVEY_RESPONSE, post.pk)[("capacity_gain", "", "", "public-speaking")]["value"] == 4
    assert not measured(Source.SURVEY_RESPONSE, pre.pk)


@pytest.mark.parametrize(("kind", "code"), [("follow_up_3", "retention_3m"), ("follow_up_12", "retention_12m")])
def test_a_follow_up_gives_retention_as_one_person_out_of_one(kind, code):
    active = SurveyResponseFactory(invitation__kind=kind, still_active=True)
    gone = SurveyResponseFactory(invitation__kind=kind, still_active=False)
    unanswered = SurveyResponseFactory(invitation__kind=kind, still_active=None)

    survey_response_measure(response_ids=[active.pk, gone.pk, unanswered.pk])

    assert {
        (row.source_id, row.numerator, row.denominator, row.people)
        for row in Measurement.objects.filter(indicator__code=code)
    } == {(active.pk, 1, 1, 1), (gone.pk, 0, 1, 1)}
    assert not Measurement.objects.exclude(indicator__code=code).exists()
    # Dated on the session they follow, so they land in its quarter.
    assert set(Measurement.objects.values_list("date", flat=True)) == {date(2025, 5, 14)}


def test_a_deleted_response_loses_its_rows_when_measured():
    response = SurveyResponseFactory(satisfaction=4)
    survey_response_measure(response_ids=[response.pk])
    response_id = response.pk
    response.delete()

    survey_response_measure(response_ids=[response_id])

    assert not Measurement.objects.exists()


# Self-assessments ----------------------------------------------------------------------


def assess(*, ratings, when, **subject):
    assessment = SelfAssessment.objects.create(assessed_at=when, **subject)
    for slug, rating in ratings.items():
        assessment.ratings.create(category=category(slug), rating=rating)
    return assessment


def test_a_self_assessment_gains_against_the_subjects_previous_round_only():
    person = UserFactory(home_region=Region.objects.get(slug="north-america"))
    first = assess(user=person, when=SESSION_START, ratings={"public-speaking": 2, "board-practices": 3})
    # Someone else's round in between is not this person's previous one.
    assess(user=UserFactory(), when=SESSION_START + timedelta(days=1), ratings={"public-speaking": 5})
    second = assess(
        user=person,
        when=SESSION_START + timedelta(days=40),
        ratings={"public-speaking": 4, "board-practices": 3, "strategic-planning": 2},
    )

    self_assessment_measure(assessment_ids=[first.pk, second.pk])

    assert not measured(Source.SELF_ASSESSMENT, first.pk)
    rows = measured(Source.SELF_ASSESSMENT, second.pk)
    assert {key[3]: (row["value"], row["people"]) for key, row in rows.items()} == {
        "public-speaking": (2, 1),
        "board-practices": (0, 1),
        # The person's summary: (2 + 0) / 2, one person.
        None: (1, 1),
    }
    for row in rows.values():
        assert row["date"] == date(2025, 6, 23)
        assert (row["organization_id"], row["program_id"], row["region__slug"], row["is_emerging"]) == (
            None,
            None,
            "north-america",
            False,
        )


def test_an_organizations_rounds_carry_the_organization_and_its_region():
    organization = OrganizationFactory()
    assess(organization=organization, when=SESSION_START, ratings={"grant-writing": 1})
    later = assess(organization=organization, when=SESSION_START + timedelta(days=1), ratings={"grant-writing": 3})

    self_assessment_measure(assessment_ids=[later.pk])

    rows = measured(Source.SELF_ASSESSMENT, later.pk)
    assert {key[3] for key in rows} == {"grant-writing", None}
    for row in rows.values():
        assert (row["value"], row["organization_id"], row["region__slug"], row["is_emerging"]) == (
            2,
            organization.pk,
            "south-asia",
            True,
        )


def test_measuring_a_round_measures_the_subjects_next_round_again():
    person = UserFactory()
    first = assess(user=person, when=SESSION_START, ratings={"public-speaking": 2})
    second = assess(user=person, when=SESSION_START + timedelta(days=5), ratings={"public-speaking": 5})
    self_assessment_measure(assessment_ids=[second.pk])
    first.ratings.update(rating=4)

    self_assessment_measure(assessment_ids=[first.pk])

    rows = measured(Source.SELF_ASSESSMENT, second.pk)
    assert rows[("capacity_gain", "", "", "public-speaking")]["value"] == 1
    assert rows[("capacity_gain", "", "", None)]["value"] == 1


def test_a_round_sharing_no_capacity_with_the_previous_one_has_no_gain_and_no_summary():
    person = UserFactory()
    assess(user=person, when=SESSION_START, ratings={"public-speaking": 2})
    second = assess(user=person, when=SESSION_START + timedelta(days=5), ratings={"grant-writing": 5})

    assert self_assessment_measure(assessment_ids=[second.pk]) == 0

    assert not Measurement.objects.exists()


def gain_rows():
    return sorted(
        Measurement.objects.filter(source=Source.SELF_ASSESSMENT).values_list(
            "source_id", "category_id", "value", "people", "date", "region_id"
        ),
        key=str,
    )


def test_a_deleted_accounts_rounds_keep_their_rows_and_are_never_measured_again():
    from programs.services import person_delete

    person = UserFactory(home_region=Region.objects.get(slug="north-america"))
    first = assess(user=person, when=SESSION_START, ratings={"public-speaking": 2, "board-practices": 3})
    second = assess(
        user=person, when=SESSION_START + timedelta(days=9), ratings={"public-speaking": 4, "board-practices": 4}
    )
    self_assessment_measure(assessment_ids=[second.pk])
    before = gain_rows()
    assert len(before) == 3
    StalePeriod.objects.all().delete()

    person_delete(user=person)

    assert SelfAssessment.objects.filter(pk__in=[first.pk, second.pk], user=None, organization=None).count() == 2
    # Another deleted account's round, later, is not their "next round" either.
    other = assess(user=None, when=SESSION_START + timedelta(days=20), ratings={"public-speaking": 1})
    assert self_assessment_measure(assessment_ids=[first.pk, second.pk, other.pk]) == 0
    assert gain_rows() == before
    assert not StalePeriod.objects.exists()


def test_anonymous_rounds_without_rows_get_none():
    first = assess(user=None, when=SESSION_START, ratings={"public-speaking": 1})
    second = assess(user=None, when=SESSION_START + timedelta(days=1), ratings={"public-speaking": 5})

    assert self_assessment_measure(assessment_ids=[first.pk, second.pk]) == 0

    assert not Measurement.objects.exists()


def test_two_allocations_of_one_program_each_count_the_sessions_of_their_own_period():
    program = ProgramFactory()
    ActivityReportFactory(session__program=program, participants=8)
    ActivityReportFactory(
        session__program=program, participants=50, session__starts_at=SESSION_START.replace(year=2024)
    )
    this_year = funded(usd=Decimal("400.00"), programs=[program])
    last_year = AllocationFactory(
        status="closed",
        usd_amount=Decimal("1000.00"),
        starts_on=date(2024, 1, 1),
        ends_on=date(2024, 12, 31),
        fund__starts_on=date(2024, 1, 1),
    )
    last_year.programs.set([program])

    assert allocation_measure(allocation_ids=[this_year.pk, last_year.pk]) == 2

    assert set(
        Measurement.objects.filter(source=Source.ALLOCATION).values_list("source_id", "denominator", "value", "date")
    ) == {
        (this_year.pk, 8, Decimal("50.0000"), date(2025, 1, 1)),
        (last_year.pk, 50, Decimal("20.0000"), date(2024, 1, 1)),
    }
