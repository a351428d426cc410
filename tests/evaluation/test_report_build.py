"""The report builder: SQL aggregates into report rows, gated, replace-style."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Max, Sum

from evaluation import reports
from evaluation.measurements import stale_years_mark
from evaluation.models import (
    EVERY_INDICATOR,
    Measurement,
    ReportBuild,
    ReportBuilt,
    ReportRow,
    Scope,
    StaleIndicator,
    StalePeriod,
)
from tests.evaluation import containment_reference
from tests.evaluation.report_data import categories, measure, program_in, regions
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def snapshot():
    """Every figure of every report, without the time it was built."""
    return sorted(
        ReportRow.objects.values_list(
            "scope",
            "scope_key",
            "period",
            "indicator__code",
            "breakdown",
            "breakdown_key",
            "n",
            "measurements",
            "total",
            "numerator",
            "denominator",
            "shown",
            "value",
            "low",
            "high",
        ),
        key=repr,
    )


@pytest.fixture
def movement():
    """Two regions with plenty of people, one with too few, two methods, several quarters."""
    (emerging, *_), (established, other, *_) = regions()
    first, second, _third = categories()
    workshop = program_in(established, method="workshop", categories=[first])
    mentoring = program_in(emerging, method="mentoring", categories=[first, second])
    tiny = program_in(other, method="workshop", categories=[second])
    for month, people in ((2, 40), (5, 25), (8, 30)):
        measure("participants", value=people, program=workshop, on=date(2025, month, 3))
        measure("hours_of_learning", value=people * 3, people=people, program=workshop, on=date(2025, month, 3))
    measure("participants", value=22, program=mentoring, on=date(2025, 2, 20))
    measure("participants", value=3, program=tiny, on=date(2025, 2, 21))
    for rating in (1, 2, 2, 3, 1, 0, 2, 1, 2, 2, 1, 3):
        # One person's gain in one capacity, and their summary row (the mean of one).
        measure("capacity_gain", value=rating, people=1, program=mentoring, category=second, on=date(2025, 2, 20))
        measure("capacity_gain", value=rating, people=1, program=mentoring, on=date(2025, 2, 20))
    for active in (1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0):
        measure("retention_3m", numerator=active, denominator=1, people=1, program=workshop, on=date(2025, 2, 3))
    measure("participants", value=12, program=workshop, on=date(2024, 11, 3))
    return {
        "workshop": workshop,
        "mentoring": mentoring,
        "tiny": tiny,
        "emerging": emerging,
        "established": established,
        "other": other,
        "first": first,
        "second": second,
    }


def row(scope, scope_key, period, code, breakdown="", breakdown_key=""):
    return ReportRow.objects.get(
        scope=scope,
        scope_key=scope_key,
        period=period,
        indicator__code=code,
        breakdown=breakdown,
        breakdown_key=breakdown_key,
    )


def test_the_movement_totals_are_the_sql_sums_of_the_measurements(movement):
    reports.year_replace(2025)
    year = row(Scope.MOVEMENT, "", "2025", "participants")
    expected = Measurement.objects.filter(indicator__code="participants", date__year=2025).aggregate(s=Sum("value"))
    assert year.total == year.n == expected["s"] == 40 + 25 + 30 + 22 + 3
    second_quarter = row(Scope.MOVEMENT, "", "2025-Q2", "participants")
    assert second_quarter.shown and second_quarter.value == Decimal(25)
    first_quarter = row(Scope.MOVEMENT, "", "2025-Q1", "participants")
    assert first_quarter.total == 40 + 22 + 3
    assert row(Scope.MOVEMENT, "", "2025-Q3", "hours_of_learning").value == 90
    assert not ReportRow.objects.filter(period__startswith="2024").exists()


def test_a_region_with_fewer_than_k_people_is_hidden_and_so_is_the_cell_that_would_give_it_away(movement):
    reports.year_replace(2025)
    tiny = row(Scope.MOVEMENT, "", "2025-Q1", "participants", "region", movement["other"].slug)
    assert tiny.n == 3 and not tiny.shown and tiny.value is None
    # Its own report's total is the same figure: hidden too.
    assert not row(Scope.REGION, movement["other"].slug, "2025-Q1", "participants").shown
    # The first quarter's regions are 40 / 22 / 3 with a shown total of 65: one more
    # region has to go, or 65 − 40 − 22 would give the 3 away.
    shown = ReportRow.objects.filter(
        scope=Scope.MOVEMENT, period="2025-Q1", indicator__code="participants", breakdown="region", shown=True
    )
    total = row(Scope.MOVEMENT, "", "2025-Q1", "participants")
    hidden_sum = total.n - sum(r.n for r in shown) if total.shown else None
    assert hidden_sum is None or hidden_sum == 0 or hidden_sum >= 5


def test_means_and_rates_carry_a_95_percent_interval_and_need_ten_people(movement):
    reports.year_replace(2025)
    gain = row(Scope.MOVEMENT, "", "2025-Q1", "capacity_gain")
    assert gain.n == 12 and gain.shown
    assert gain.low < gain.value < gain.high
    retention = row(Scope.MOVEMENT, "", "2025-Q1", "retention_3m")
    assert retention.numerator == 11 and retention.denominator == 16
    assert retention.value == Decimal("0.6875")
    assert Decimal(0) <= retention.low < retention.value < retention.high <= Decimal(1)
    # The mentoring program's gain is about one capacity: it reaches that capacity's report.
    assert row(Scope.CATEGORY, movement["second"].slug, "2025-Q1", "capacity_gain").n == 12
    assert not ReportRow.objects.filter(
        scope=Scope.CATEGORY, scope_key=movement["first"].slug, indicator__code="capacity_gain"
    ).exists()


def test_a_program_s_outputs_reach_every_capacity_it_teaches(movement):
    reports.year_replace(2025)
    first = row(Scope.CATEGORY, movement["first"].slug, "2025", "participants")
    assert first.total == 40 + 25 + 30 + 22  # the workshop and the mentoring program
    second = row(Scope.CATEGORY, movement["second"].slug, "2025", "participants")
    assert second.total == 22 + 3


def test_coverage_is_the_share_of_programs_with_survey_data(movement):
    reports.year_replace(2025)
    coverage = ReportRow.objects.get(
        scope=Scope.MOVEMENT, scope_key="", period="2025-Q1", breakdown="coverage", breakdown_key="follow_up_3"
    )
    assert (coverage.numerator, coverage.denominator) == (1, 3)
    post = ReportRow.objects.get(
        scope=Scope.MOVEMENT, scope_key="", period="2025-Q1", breakdown="coverage", breakdown_key="post"
    )
    assert post.numerator == 1  # the mentoring program's capacity gains


def test_building_twice_writes_the_same_rows(movement):
    reports.year_replace(2025)
    first = snapshot()
    reports.year_replace(2025)
    assert snapshot() == first


def test_a_steward_s_rebuild_of_one_report_rewrites_the_whole_year_so_reports_agree(movement):
    reports.year_replace(2025)
    measure("participants", value=50, program=movement["workshop"], on=date(2025, 11, 1))
    build = ReportBuild.objects.create(scope=Scope.REGION, scope_key=movement["established"].slug)
    reports.build_run(build_id=build.pk)
    assert row(Scope.REGION, movement["established"].slug, "2025", "participants").total == 40 + 25 + 30 + 50
    assert row(Scope.MOVEMENT, "", "2025", "participants").total == 170
    assert (
        row(Scope.MOVEMENT, "", "2025", "participants", "region", movement["established"].slug).total
        == 40 + 25 + 30 + 50
    )


def test_a_year_emptied_of_measurements_loses_its_rows(movement):
    reports.year_replace(2024)
    assert ReportRow.objects.filter(period="2024").exists()
    Measurement.objects.filter(date__year=2024).delete()
    assert 2024 in reports.measured_years()
    reports.year_replace(2024)
    assert not ReportRow.objects.filter(period__startswith="2024").exists()


def _grouped_from_the_rows():
    """What the index lists, grouped from every report row as it was before ReportBuilt kept it."""
    return list(
        ReportRow.objects.values("scope", "scope_key").annotate(built_at=Max("built_at")).order_by("scope", "scope_key")
    )


def test_the_list_of_reports_built_is_what_the_rows_say_after_builds_an_emptied_year_and_a_failed_build(
    movement, monkeypatch
):
    from evaluation.models import ReportBuilt
    from evaluation.report_selectors import reports_built

    assert reports_built() == []
    reports.year_replace(2024)
    reports.year_replace(2025)
    listed = reports_built()
    assert listed == _grouped_from_the_rows()
    assert {(entry["scope"], entry["scope_key"]) for entry in listed} >= {
        (Scope.MOVEMENT, ""),
        (Scope.REGION, movement["established"].slug),
        (Scope.METHOD, "workshop"),
    }
    assert set(ReportBuilt.objects.values_list("year", flat=True)) == {2024, 2025}

    # A year rebuilt moves its reports' time on; one emptied of data leaves the list with its rows.
    reports.year_replace(2025)
    assert reports_built() == _grouped_from_the_rows() != listed
    Measurement.objects.filter(date__year=2024).delete()
    reports.year_replace(2024)
    assert set(ReportBuilt.objects.values_list("year", flat=True)) == {2025}
    assert reports_built() == _grouped_from_the_rows()

    # A build that fails part way, even after the year's list is written, leaves the list as it leaves the rows.
    before = reports_built()
    written = []
    original = reports._built_replace

    def then_fail(*args, **kwargs):
        original(*args, **kwargs)
        written.append(ReportBuilt.objects.filter(year=2025).count())
        raise RuntimeError("worker died")

    monkeypatch.setattr(reports, "_built_replace", then_fail)
    with pytest.raises(RuntimeError):
        reports.year_replace(2025)
    assert written and written[0] > 0
    assert reports_built() == before == _grouped_from_the_rows()


def test_the_list_of_reports_built_is_one_query_however_many_years(movement, django_assert_num_queries):
    from evaluation.report_selectors import reports_built

    reports.year_replace(2025)
    with django_assert_num_queries(1):
        one_year = reports_built()
    reports.year_replace(2024)
    with django_assert_num_queries(1):
        assert len(reports_built()) >= len(one_year) > 0


def test_the_builder_reads_aggregates_not_rows(movement, django_assert_max_num_queries):
    """The number of queries depends on the scopes, breakdowns and indicators measured, not on the measurements.

    A GROUP BY per scope and breakdown for each group of indicators the gate weighs
    together (four groups have data here: participants, hours, capacity gains, retention).
    The rows' writes are left out of the comparison: on SQLite they are INSERTs in
    batches of a fixed size, one more batch now and then as the rows grow. On PostgreSQL
    a dozen more statements make the year's table and swap it in (evaluation.report_table).
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def reads(captured):
        return [query for query in captured.captured_queries if not query["sql"].lstrip().startswith("INSERT")]

    reports.year_replace(2025)  # the year's first build makes its table; the two below replace it
    with django_assert_max_num_queries(255) as small:
        reports.year_replace(2025)
    for _ in range(40):
        measure("participants", value=7, program=movement["mentoring"], on=date(2025, 6, 1))
    with CaptureQueriesContext(connection) as large:
        reports.year_replace(2025)
    assert len(reads(large)) == len(reads(small))


def test_an_incremental_build_rebuilds_only_the_marked_years(movement, steward):
    reports.year_replace(2024)
    reports.year_replace(2025)
    StalePeriod.objects.all().delete()
    old_2024 = list(ReportRow.objects.filter(period="2024").values_list("built_at", flat=True))
    StalePeriod.objects.create(year=2025)
    build = ReportBuild.objects.create(incremental=True)
    reports.build_run(build_id=build.pk)
    build.refresh_from_db()
    assert build.status == ReportBuild.Status.DONE
    assert build.steps_done == build.steps_total > 0
    assert list(ReportRow.objects.filter(period="2024").values_list("built_at", flat=True)) == old_2024
    assert not StalePeriod.objects.exists()


def built_at_of(code, year=2025):
    return set(
        ReportRow.objects.filter(period__startswith=str(year), indicator__code=code).values_list("built_at", flat=True)
    )


def reported(year=2025):
    return sorted(ReportBuilt.objects.filter(year=year).values_list("scope", "scope_key"))


def incremental_build():
    build = ReportBuild.objects.create(incremental=True)
    reports.build_run(build_id=build.pk)
    build.refresh_from_db()
    assert build.status == ReportBuild.Status.DONE
    assert build.steps_done == build.steps_total > 0
    return build


@pytest.fixture(params=["own table", "one table"])
def table_kind(request, monkeypatch):
    """The year's rows in a table of its own (PostgreSQL, partitioned), or in the one table (SQLite's way)."""
    from evaluation import report_table

    if request.param == "one table":
        monkeypatch.setattr(report_table, "is_partitioned", lambda: False)
    return request.param


@pytest.mark.parametrize(
    ("changed", "rebuilt", "kept"),
    [
        # Hours alone: nothing else is weighed with them.
        ("hours_of_learning", {"hours_of_learning"}, {"participants", "capacity_gain", "retention_3m"}),
        # Participants: their whole group (the gate weighs newcomers and the emerging share with them).
        ("participants", {"participants"}, {"hours_of_learning", "capacity_gain", "retention_3m"}),
        ("newcomers", {"participants"}, {"hours_of_learning", "capacity_gain", "retention_3m"}),
        ("retention_3m", {"retention_3m"}, {"participants", "hours_of_learning", "capacity_gain"}),
    ],
)
def test_an_incremental_build_of_what_changed_writes_the_rows_of_a_full_build(
    movement, table_kind, changed, rebuilt, kept
):
    # A capacity no program teaches: its report has rows of capacity_gain alone (a self-assessment's).
    *_, third = categories()
    measure("capacity_gain", value=2, people=1, category=third, on=date(2025, 4, 2))
    reports.year_replace(2025)
    if "capacity_gain" in kept:
        assert (Scope.CATEGORY, third.slug) in reported()
    StalePeriod.objects.all().delete()
    StaleIndicator.objects.all().delete()
    before = {code: built_at_of(code) for code in rebuilt | kept}
    # New data of the changed indicator, enough to move what the gate hides and shows.
    for month in (3, 7, 11):
        if changed == "retention_3m":
            for active in (1, 0, 1, 1, 0, 1):
                measure(
                    changed,
                    numerator=active,
                    denominator=1,
                    people=1,
                    program=movement["mentoring"],
                    on=date(2025, month, 9),
                )
        else:
            measure(changed, value=6, people=6, program=movement["tiny"], on=date(2025, month, 9))
    stale_years_mark(changes=[(2025, changed)])

    incremental_build()
    incremental, incremental_reports = snapshot(), reported()
    for code in kept:
        assert built_at_of(code) == before[code]  # kept as they were built
    for code in rebuilt:
        assert built_at_of(code).isdisjoint(before[code])  # built again
    assert not StalePeriod.objects.exists() and not StaleIndicator.objects.exists()

    reports.year_replace(2025)  # the whole year, from the same measurements
    assert incremental == snapshot()
    assert incremental_reports == reported()
    assert incremental != [], "the year has rows"


def test_an_incremental_build_reads_only_the_measurements_it_rebuilds(movement):
    reports.year_replace(2025)
    StalePeriod.objects.all().delete()
    stale_years_mark(changes=[(2025, "hours_of_learning")])
    build = incremental_build()
    hours = Measurement.objects.filter(indicator__code="hours_of_learning", date__year=2025)
    assert build.measurements == hours.count() == 3
    assert (
        build.rows
        == ReportRow.objects.filter(period__startswith="2025", indicator__code="hours_of_learning").count()
        + ReportRow.objects.filter(period__startswith="2025", indicator__isnull=True).count()
    )


@pytest.mark.parametrize(
    "marks",
    [
        [(2025, EVERY_INDICATOR)],  # changed in ways not known by indicator
        [],  # a year marked before marks said what changed
    ],
)
def test_a_year_marked_whole_is_rebuilt_whole(movement, marks):
    reports.year_replace(2025)
    StalePeriod.objects.all().delete()
    before = built_at_of("participants") | built_at_of("hours_of_learning")
    StalePeriod.objects.create(year=2025)
    for year, indicator in marks:
        StaleIndicator.objects.create(year=year, indicator=indicator)
    incremental_build()
    assert (built_at_of("participants") | built_at_of("hours_of_learning")).isdisjoint(before)


def test_a_year_never_built_is_built_whole_whatever_its_marks(movement):
    stale_years_mark(changes=[(2025, "hours_of_learning")])
    incremental_build()
    expected_participants = ReportRow.objects.filter(period="2025", indicator__code="participants")
    assert expected_participants.exists()
    incremental = snapshot()
    reports.year_replace(2025)
    assert snapshot() == incremental


def test_an_indicator_marked_again_while_its_year_is_built_stays_marked(movement, monkeypatch):
    reports.year_replace(2025)
    StalePeriod.objects.all().delete()
    stale_years_mark(changes=[(2025, "hours_of_learning"), (2025, "retention_3m")])
    original = reports.year_rows

    def marked_meanwhile(year, **options):
        # Another transaction's mark, after the build read the marks (a report saved meanwhile).
        stale_years_mark(changes=[(2025, "hours_of_learning")])
        return original(year, **options)

    monkeypatch.setattr(reports, "year_rows", marked_meanwhile)
    incremental_build()
    assert dict(StaleIndicator.objects.values_list("indicator", "version")) == {"hours_of_learning": 2}
    assert set(StalePeriod.objects.values_list("year", flat=True)) == {2025}


def test_a_year_whose_marked_indicator_was_renamed_since_is_rebuilt_whole(movement):
    from evaluation.models import Indicator

    reports.year_replace(2025)
    StalePeriod.objects.all().delete()
    before = built_at_of("participants")
    stale_years_mark(changes=[(2025, "hours_of_learning")])
    Indicator.objects.filter(code="hours_of_learning").update(code="learning_hours")
    incremental_build()
    assert built_at_of("participants").isdisjoint(before)
    assert not StaleIndicator.objects.exists()


def test_a_year_without_a_table_of_its_own_is_rebuilt_whole(movement, monkeypatch):
    from evaluation import report_table

    assert not report_table.keeps_rows(reports.periods_of(2025))  # never built: nothing to keep
    reports.year_replace(2025)
    assert report_table.keeps_rows(reports.periods_of(2025))
    StalePeriod.objects.all().delete()
    before = built_at_of("participants")
    stale_years_mark(changes=[(2025, "hours_of_learning")])
    # As if its rows were still in the default partition (written before the year had a table).
    monkeypatch.setattr(report_table, "keeps_rows", lambda periods: False)
    incremental_build()
    assert built_at_of("participants").isdisjoint(before)


def test_a_mark_made_anew_while_its_year_is_built_is_not_cleared(movement, monkeypatch):
    """A mark cleared and made again (version 1 again) by others meanwhile is another mark: it stays."""
    reports.year_replace(2025)
    StalePeriod.objects.all().delete()
    stale_years_mark(changes=[(2025, "hours_of_learning")])
    original = reports.year_rows

    def made_anew_meanwhile(year, **options):
        StaleIndicator.objects.filter(year=2025).delete()
        stale_years_mark(changes=[(2025, "hours_of_learning")])
        return original(year, **options)

    monkeypatch.setattr(reports, "year_rows", made_anew_meanwhile)
    incremental_build()
    assert list(StaleIndicator.objects.values_list("indicator", "version")) == [("hours_of_learning", 1)]


def test_a_year_with_only_an_indicator_marked_is_planned(movement):
    reports.year_replace(2025)
    StalePeriod.objects.all().delete()
    stale_years_mark(changes=[(2025, "hours_of_learning")])
    StalePeriod.objects.all().delete()  # its year's mark cleared by a build that had not read this one
    build = incremental_build()
    assert build.years_built == [2025]
    assert not StaleIndicator.objects.exists()


def test_a_full_build_clears_every_mark_of_the_years_it_built(movement):
    stale_years_mark(changes=[(2025, "hours_of_learning")], years=[2024])
    build = ReportBuild.objects.create()
    reports.build_run(build_id=build.pk)
    assert not StalePeriod.objects.exists() and not StaleIndicator.objects.exists()


def test_a_full_build_records_what_it_read(movement):
    build = ReportBuild.objects.create()
    reports.build_run(build_id=build.pk)
    build.refresh_from_db()
    assert build.status == ReportBuild.Status.DONE
    # The movement's totals read everything but the per-capacity rows (their people's
    # summary rows stand for them).
    assert build.measurements == Measurement.objects.filter(dimension="", category__isnull=True).count()
    assert build.rows == ReportRow.objects.count()


def test_with_a_worker_pool_each_year_is_a_task_and_the_build_is_done_with_its_last_year(
    movement, django_capture_on_commit_callbacks, monkeypatch
):
    from evaluation import tasks

    sequential = ReportBuild.objects.create()
    reports.build_run(build_id=sequential.pk, fan_out=False)
    expected = snapshot()
    ReportRow.objects.all().delete()

    queued = []
    monkeypatch.setattr(tasks.build_report_year, "delay", lambda *args: queued.append(args))
    build = ReportBuild.objects.create()
    with django_capture_on_commit_callbacks(execute=True):
        assert reports.build_run(build_id=build.pk, fan_out=True) == 0
    assert [(build_id, year) for build_id, year, _version, _attempt in queued] == [(build.pk, 2024), (build.pk, 2025)]
    build.refresh_from_db()
    assert build.status == ReportBuild.Status.RUNNING and build.years_total == 2

    # Workers take the years in any order; one of them runs its year twice (it died after writing).
    for arguments in [queued[1], queued[0], queued[1]]:
        tasks.build_report_year(*arguments)
    build.refresh_from_db()
    sequential.refresh_from_db()
    assert build.status == ReportBuild.Status.DONE and build.finished_at
    assert build.years_built == [2024, 2025]
    assert (build.rows, build.measurements) == (sequential.rows, sequential.measurements)
    assert build.steps_done == build.steps_total == sequential.steps_total > 0
    assert snapshot() == expected


def test_a_year_task_of_an_earlier_attempt_counts_for_nothing_when_the_build_is_taken_over(
    movement, monkeypatch, django_capture_on_commit_callbacks
):
    """The nightly build takes over a build left running: the year tasks of its first start must not finish it."""
    from evaluation import tasks

    queued = []
    monkeypatch.setattr(tasks.build_report_year, "delay", lambda *args: queued.append(args))
    StalePeriod.objects.create(year=2024)
    StalePeriod.objects.create(year=2025)
    build = ReportBuild.objects.create(incremental=True)
    with django_capture_on_commit_callbacks(execute=True):
        reports.build_run(build_id=build.pk, fan_out=True)
    first_2024, first_2025 = queued
    tasks.build_report_year(*first_2024)  # 2024 written and its mark cleared; then its worker is lost
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reports.build_run(build_id=build.pk, fan_out=True)  # taken over: only 2025 is still marked
    (second_2025,) = queued
    assert tasks.build_report_year(*first_2025) == 0  # the first attempt's 2025: nothing
    build.refresh_from_db()
    assert build.status == ReportBuild.Status.RUNNING and build.years_planned == [2025] and build.years_built == []
    tasks.build_report_year(*second_2025)
    build.refresh_from_db()
    assert build.status == ReportBuild.Status.DONE and build.years_built == [2025]
    assert not StalePeriod.objects.exists()


def test_a_build_done_is_not_started_again_when_its_message_comes_twice(movement):
    build = ReportBuild.objects.create()
    reports.build_run(build_id=build.pk, fan_out=False)
    build.refresh_from_db()
    finished_at = build.finished_at
    assert reports.build_run(build_id=build.pk, fan_out=False) == 0
    build.refresh_from_db()
    assert build.status == ReportBuild.Status.DONE and build.finished_at == finished_at and build.attempt == 1


def test_a_year_that_fails_fails_the_build_and_the_years_after_it_do_nothing(movement, monkeypatch):
    build = ReportBuild.objects.create()
    original = reports.year_replace

    def failing(year, **kwargs):
        if year == 2024:
            raise RuntimeError("the database went away")
        return original(year, **kwargs)

    monkeypatch.setattr(reports, "year_replace", failing)
    with pytest.raises(RuntimeError):
        reports.build_run(build_id=build.pk, fan_out=False)
    build.refresh_from_db()
    assert build.status == ReportBuild.Status.FAILED and "went away" in build.error
    assert reports.build_year(build_id=build.pk, year=2025) == 0
    assert not ReportRow.objects.filter(period__startswith="2025").exists()


def test_without_a_small_group_every_figure_of_the_movement_is_shown(movement):
    Measurement.objects.filter(program=movement["tiny"]).delete()
    reports.year_replace(2025)
    year = row(Scope.MOVEMENT, "", "2025", "participants")
    assert year.shown and year.value == Decimal(117)
    assert not ReportRow.objects.filter(
        scope=Scope.MOVEMENT, indicator__code="participants", breakdown__in=["", "region"], shown=False
    ).exists()


def test_a_share_is_hidden_when_its_yes_or_its_no_is_a_small_group(movement):
    """Value × n would give the count away: 14 of 16 still active means 2 who are not."""
    inactive = Measurement.objects.filter(indicator__code="retention_3m", numerator=0).order_by("pk")
    Measurement.objects.filter(pk__in=[measurement.pk for measurement in inactive[:3]]).update(numerator=1)
    reports.year_replace(2025)
    retention = row(Scope.MOVEMENT, "", "2025-Q1", "retention_3m")
    assert (retention.numerator, retention.denominator) == (14, 16)
    assert not retention.shown and retention.value is None


def test_participants_minus_newcomers_never_gives_a_small_group_away(movement):
    """Newcomer status is a demographic (k = 10): 106 participants of whom 100 are new leaves 6 who are not."""
    measure("newcomers", value=100, people=100, program=movement["workshop"], on=date(2025, 2, 3))
    measure("participants", value=66, program=movement["workshop"], on=date(2025, 2, 3))
    reports.year_replace(2025)
    participants = row(Scope.REGION, movement["established"].slug, "2025-Q1", "participants")
    newcomers = row(Scope.REGION, movement["established"].slug, "2025-Q1", "newcomers")
    assert participants.n - newcomers.n == 40 + 66 - 100
    assert not (participants.shown and newcomers.shown)


def test_a_small_demographic_answer_looks_like_an_answer_nobody_gave(movement):
    """Every answer of a dimension is written, zeros too, and both read "not shown"."""
    workshop = movement["workshop"]
    for answer, count in (("woman", 39), ("non_binary", 1)):
        measure("participants", value=count, program=workshop, on=date(2025, 2, 3), dimension="gender", answer=answer)
    reports.year_replace(2025)
    cells = {
        r.breakdown_key: r
        for r in ReportRow.objects.filter(
            scope=Scope.MOVEMENT, period="2025", indicator__code="participants", breakdown="gender"
        )
    }
    assert set(cells) == {"woman", "man", "non_binary", "another", "prefer_not", "not_answered", "not_asked"}
    assert not cells["non_binary"].shown and not cells["another"].shown
    assert cells["non_binary"].value is None and cells["another"].value is None


def test_an_organization_whose_programs_all_teach_one_capacity_is_weighed_inside_that_capacity(monkeypatch):
    """Containment by the data: every program of organization A teaches the first capacity.

    "Organization A" then counts no one outside "capacity first" although no definition
    says so, and first − A is the three people of the other organization's program that
    teaches it: the builder hands the gate that pair (A inside first), in every report
    that prints the two figures, and no other pair of the other organization.
    """
    (emerging, *_), (established, *_) = regions()
    first, second, _third = categories()
    big = program_in(established, method="workshop", categories=[first])
    small = program_in(emerging, method="mentoring", categories=[first, second])
    beside = ProgramFactory(provider=small.provider, region=emerging, method="mentoring", categories=[second])
    measure("participants", value=20, program=big, on=date(2025, 2, 3))
    measure("participants", value=3, program=small, on=date(2025, 2, 3))
    measure("participants", value=30, program=beside, on=date(2025, 2, 3))
    found = []
    original = reports._families_by_data

    def spy(figures, *args, **kwargs):
        pairs = original(figures, *args, **kwargs)
        found.extend(containment_reference.keyed(figures, pairs))
        return pairs

    monkeypatch.setattr(reports, "_families_by_data", spy)
    reports.year_replace(2025)

    pairs = {(outer, inner[0]) for outer, inner in found if outer[3] == "participants"}
    organization = (Scope.ORGANIZATION, big.provider.slug, "2025", "participants", "", "", "")
    assert ((Scope.CATEGORY, first.slug, "2025", "participants", "", "", ""), organization) in pairs
    assert ((Scope.MOVEMENT, "", "2025", "participants", "category", first.slug, ""), organization) in pairs
    # The quarter too (everything happened in its first quarter).
    assert (
        (Scope.CATEGORY, first.slug, "2025-Q1", "participants", "", "", ""),
        organization[:2]
        + (
            "2025-Q1",
            *organization[3:],
        ),
    ) in pairs
    # Nothing about the other organization: its 33 people are not inside a figure 1–4 larger.
    assert not [pair for pair in pairs if small.provider.slug in (pair[0][1], pair[1][1])]
    for outer, inner in pairs:
        assert 0 < figure_n(outer) - figure_n(inner) < 5


def figure_n(key):
    scope, scope_key, period, code, breakdown, breakdown_key, _part = key
    return row(scope, scope_key, period, code, breakdown, breakdown_key).n
