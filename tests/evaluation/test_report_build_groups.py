"""The builder gates a year a group of indicators at a time, in key order: the same rows as all at once, in any order.

On a generated year with thousands of figures and many hidden ones: gating every
indicator together (as the builder did before) or in the opposite order of the
database's answers must give exactly the rows the builder writes.
"""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

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
    original = reports._aggregate

    def reversed_answers(*args, **kwargs):
        return dict(reversed(original(*args, **kwargs).items()))

    monkeypatch.setattr(reports, "_aggregate", reversed_answers)
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

    monkeypatch.setattr(reports.privacy, "gate", fail)
    with pytest.raises(RuntimeError):
        reports.year_replace(YEAR)
    assert not table_exists()
    assert rows() == built  # nothing half-written


SCOPES = [
    (reports.Scope.MOVEMENT, ""),
    *[(reports.Scope.REGION, key) for key in ("r1", "r2")],
    *[(reports.Scope.METHOD, key) for key in ("m1", "m2")],
    *[(reports.Scope.ORGANIZATION, key) for key in ("o1", "o2")],
    *[(reports.Scope.CATEGORY, key) for key in ("c1", "c2", "c3")],
]
BREAKDOWNS = [
    ("", ""),
    *[("region", key) for key in ("r1", "r2")],
    *[("emerging", key) for key in ("emerging", "established")],
    *[("method", key) for key in ("m1", "m2")],
    *[("category", key) for key in ("c1", "c2", "c3")],
    *[("gender", key) for key in ("woman", "man")],
]
PERIODS = ["2021", "2021-Q1", "2021-Q2"]
EVERY_FIGURE = [
    (scope, scope_key, period, code, breakdown, breakdown_key)
    for scope, scope_key in SCOPES
    for breakdown, breakdown_key in BREAKDOWNS
    for period in PERIODS
    for code in ("participants", "hours_of_learning")
]


def one_or_mixed(values):
    return st.sampled_from([*values, None, reports.MIXED])


@given(
    figure=st.sampled_from(EVERY_FIGURE),
    organization=one_or_mixed(["o1", "o2"]),
    region=one_or_mixed(["r1", "r2"]),
    method=one_or_mixed(["m1", "m2"]),
    emerging=one_or_mixed(["emerging", "established"]),
    quarter=st.sampled_from([1, 2, reports.MIXED]),
    capacities=st.frozensets(st.sampled_from(["c1", "c2", "c3"])),
    outside=st.booleans(),
)
@hypothesis_settings(max_examples=300, deadline=None)
def test_checking_one_figure_against_a_profile_agrees_with_listing_every_figure_that_contains_it(
    figure, organization, region, method, emerging, quarter, capacities, outside
):
    """The builder checks the few figures a little larger than one against its profile
    (_contains) instead of listing all the figures the profile says contain it (_containing)."""
    profile = (organization, region, method, emerging, quarter, capacities, outside)
    listed = set(reports._containing(figure, profile))
    checked = {outer for outer in EVERY_FIGURE if reports._contains(outer, figure, profile)}
    assert checked == listed & set(EVERY_FIGURE)
