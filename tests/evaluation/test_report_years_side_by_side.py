"""Two years of one build written at the same time, as two worker processes do: neither waits for nor fails the other."""

import threading

import pytest
from django.db import connection

from evaluation import privacy, reports
from evaluation.measurements import stale_years_mark
from evaluation.models import ReportBuild, ReportRow
from tests.evaluation.test_report_build import movement  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("incremental", [False, True])
def test_two_years_built_side_by_side_both_finish_and_the_build_is_done(movement, monkeypatch, incremental):  # noqa: F811
    """Incremental too: each year copies the rows it keeps from its own table while the other swaps its in."""
    from evaluation import tasks

    kept_before = None
    if incremental:
        reports.year_replace(2024)
        reports.year_replace(2025)
        kept_before = set(
            ReportRow.objects.filter(period="2025", indicator__code="participants").values_list("built_at", flat=True)
        )
        stale_years_mark(changes=[(2024, "participants"), (2025, "hours_of_learning")])
    queued = []
    monkeypatch.setattr(tasks.build_report_year, "delay", lambda *args: queued.append(args))
    build = ReportBuild.objects.create(incremental=incremental)
    reports.build_run(build_id=build.pk, fan_out=True)  # the two workers are the two threads below
    assert [year for _build_id, year, _version, _attempt in queued] == [2024, 2025]
    build.refresh_from_db()
    assert build.years_total == 2 and build.status == ReportBuild.Status.RUNNING

    # Both years reach the gate, with progress written, before either goes on (and writes more).
    both_at_the_gate = threading.Barrier(2, timeout=30)
    original = privacy.gate_positions

    waited = threading.local()

    def gate_in_step(**kwargs):
        if not getattr(waited, "once", False):  # each year's first group
            waited.once = True
            both_at_the_gate.wait()
        return original(**kwargs)

    monkeypatch.setattr(privacy, "gate_positions", gate_in_step)
    errors = []

    def build_year(year):
        try:
            reports.build_year(build_id=build.pk, year=year)
        except Exception as error:  # noqa: BLE001 — the test reports it
            errors.append(error)
            both_at_the_gate.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=build_year, args=(year,)) for year in (2024, 2025)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    build.refresh_from_db()
    assert build.status == ReportBuild.Status.DONE and build.years_built == [2024, 2025]
    assert build.steps_done == build.steps_total > 0
    assert ReportRow.objects.filter(period="2024").exists() and ReportRow.objects.filter(period="2025").exists()
    if incremental:  # 2025's participants were kept, not built again
        kept = ReportRow.objects.filter(period="2025", indicator__code="participants").values_list(
            "built_at", flat=True
        )
        assert set(kept) == kept_before


def test_a_build_run_inside_a_callers_transaction_writes_its_progress_there(movement):  # noqa: F811
    """The caller's transaction holds the build's row: progress through another connection would wait for ever."""
    from django.db import transaction

    build = ReportBuild.objects.create()  # committed: another connection sees it
    with transaction.atomic():
        reports.build_run(build_id=build.pk, fan_out=False)
        build.refresh_from_db()
        assert build.status == ReportBuild.Status.DONE and build.steps_done == build.steps_total > 0


def test_year_rows_outside_a_transaction_is_refused(movement):  # noqa: F811
    with pytest.raises(RuntimeError, match="transaction"):
        reports.year_rows(2025, write=lambda rows: None)


def test_a_year_swapped_in_while_another_is_built_does_not_trouble_it(movement, monkeypatch):  # noqa: F811
    """A build reads the catalog as its snapshot has it: another year's table dropped since is still listed."""
    from evaluation import report_table

    reports.year_replace(2024)  # 2024 has a table of its own before 2025's build begins
    snapshot_taken, go_on = threading.Event(), threading.Event()
    original = reports.year_rows

    def waits_after_reading(year, *, write, **options):
        result = original(year, write=write, **options)
        snapshot_taken.set()
        assert go_on.wait(timeout=60)
        return result

    monkeypatch.setattr(reports, "year_rows", waits_after_reading)
    errors = []

    def build_2025():
        try:
            reports.year_replace(2025)
        except Exception as error:  # noqa: BLE001 — the test reports it
            errors.append(error)
        finally:
            snapshot_taken.set()
            connection.close()

    thread = threading.Thread(target=build_2025)
    thread.start()
    assert snapshot_taken.wait(timeout=60)
    monkeypatch.setattr(reports, "year_rows", original)
    [before] = report_table.year_tables(reports.periods_of(2024))
    reports.year_replace(2024)  # drops the table 2025's snapshot still lists
    assert report_table.year_tables(reports.periods_of(2024)) != [before]
    go_on.set()
    thread.join(timeout=120)
    assert errors == []
    assert ReportRow.objects.filter(period="2025").exists() and ReportRow.objects.filter(period="2024").exists()
    assert len(report_table.year_tables(reports.periods_of(2025))) == 1
