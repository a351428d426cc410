"""The builder gates a year a group of indicators at a time, in key order: the same rows as all at once, in any order.

On a generated year with thousands of figures and many hidden ones: gating every
indicator together (as the builder did before) or in the opposite order of the
database's answers must give exactly the rows the builder writes.
"""

from datetime import date

import pytest

from bench.dataset import generate
from evaluation import reports
from evaluation.models import ReportRow

YEAR = 2021


def rows():
    """Every figure of the year as written, but the time it was built."""
    columns = [name for name in reports.ROW_FIELDS if name != "built_at"]
    return sorted(ReportRow.objects.filter(period__startswith=str(YEAR)).values_list(*columns), key=repr)


@pytest.fixture
def built(db):
    generate(scale="tiny", seed=1, out=lambda line: None, today=date(2026, 11, 28))
    reports.year_replace(YEAR)
    written = rows()
    hidden = sum(1 for row in written if not row[reports.ROW_FIELDS.index("shown")])
    assert len(written) > 5000 and 1000 < hidden < len(written) - 1000  # a year where the gate has work
    return written


def test_gating_each_group_of_indicators_alone_decides_as_gating_them_all_together(built, monkeypatch):
    monkeypatch.setattr(reports, "_gate_group", lambda code: "everything")
    reports.year_replace(YEAR)
    assert rows() == built


def test_the_rows_do_not_depend_on_the_order_the_database_answers_in(built, monkeypatch):
    original = reports._cells_of_steps

    def reversed_answers(*args, **kwargs):
        # The steps in the reverse order, and each step's cells too.
        steps = [(scope, breakdown, list(cells)) for scope, breakdown, cells in original(*args, **kwargs)]
        return [(scope, breakdown, reversed(cells)) for scope, breakdown, cells in reversed(steps)]

    monkeypatch.setattr(reports, "_cells_of_steps", reversed_answers)
    reports.year_replace(YEAR)
    assert rows() == built


def test_the_atoms_table_is_gone_after_a_build_and_after_a_failed_one(built, monkeypatch):
    from django.db import connection

    def table_exists():
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('evaluation_reportatom')")
            return cursor.fetchone()[0] is not None

    assert not table_exists()

    def fail(*args, **kwargs):
        raise RuntimeError("worker died")

    monkeypatch.setattr(reports.privacy, "gate_positions", fail)
    with pytest.raises(RuntimeError):
        reports.year_replace(YEAR)
    assert not table_exists()
    assert rows() == built  # nothing half-written


def test_the_cycle_collector_is_paused_while_a_year_is_built_run_after_each_group_and_back_after(built, monkeypatch):
    import gc

    seen, collections = [], []
    original_gate, original_collect = reports.privacy.gate_positions, gc.collect

    def watching(**kwargs):
        seen.append(gc.isenabled())
        return original_gate(**kwargs)

    def counting(*args):
        collections.append(gc.isenabled())
        return original_collect(*args)

    monkeypatch.setattr(reports.privacy, "gate_positions", watching)
    monkeypatch.setattr(reports.gc, "collect", counting)
    assert gc.isenabled()
    try:
        reports.year_replace(YEAR)
        assert seen and not any(seen)  # every group gated with the collector paused
        assert len(collections) == len(seen) and not any(collections)  # and collected after each, still paused
        assert gc.isenabled()
        assert rows() == built  # the same figures

        def fail(**kwargs):
            raise RuntimeError("worker died")

        monkeypatch.setattr(reports.privacy, "gate_positions", fail)
        with pytest.raises(RuntimeError):
            reports.year_replace(YEAR)
        assert gc.isenabled()

        gc.disable()  # a caller that paused it itself gets it back paused
        monkeypatch.setattr(reports.privacy, "gate_positions", original_gate)
        reports.year_replace(YEAR)
        assert not gc.isenabled()
    finally:
        gc.enable()
