"""Figures contained in others: the builder's arrays find exactly the pairs the figure-by-figure rules find.

The builder works on numpy arrays (evaluation.reports: _families_by_data for figures
contained in others by how the data fall, _families_within_k for those contained by
definition); tests/evaluation/containment_reference.py is the same rules written figure
by figure, as the builder ran them before. Both are handed the same figures and atoms: on a generated
year (every group of indicators the builder gates) and on small random worlds whose
counts sit within k of each other, so most pairs are weighed.
"""

import random
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bench.dataset import generate
from evaluation import reports
from evaluation.models import ReportRow, Scope
from tests.evaluation import containment_reference

YEAR = 2021


def k(key):
    return reports._k(key)


def figures_of(counts, codes):
    figures = reports._Figures.of_counts(counts, YEAR, codes)
    figures.sort()
    return figures


def counts_of(figures):
    return dict(zip(figures.keys, figures.count.tolist(), strict=True))


@pytest.mark.django_db
def test_on_a_generated_year_the_arrays_find_the_pairs_the_figure_by_figure_rule_finds(monkeypatch):
    generate(scale="tiny", seed=1, out=lambda line: None, today=date(2026, 11, 28))
    by_data, within_k = reports._families_by_data, reports._families_within_k
    compared = {"by the data": [], "by definition": []}

    def both_by_data(figures, atoms, codes, per_capacity_ids, k):
        atoms = list(atoms)
        pairs = by_data(figures, iter(atoms), codes, per_capacity_ids, k)
        found = containment_reference.keyed(figures, pairs)
        counts = counts_of(figures)
        assert found == containment_reference.families_by_data(counts, atoms, YEAR, codes, per_capacity_ids, k)
        compared["by the data"].append(len(found))
        return pairs

    def both_within_k(figures, k):
        pairs = within_k(figures, k)
        found = containment_reference.keyed(figures, pairs)
        assert found == containment_reference.families_within_k(counts_of(figures), k)
        compared["by definition"].append(len(found))
        return pairs

    monkeypatch.setattr(reports, "_families_by_data", both_by_data)
    monkeypatch.setattr(reports, "_families_within_k", both_within_k)
    reports.year_replace(YEAR)
    for found in compared.values():
        assert len(found) > 3  # every group of indicators the year measured
        assert sum(found) > 50  # and pairs to find: the check has something to compare


# A small world: two organizations, two regions (one emerging), two methods, three
# capacities, two quarters, a people count and a people share, a gender breakdown; and
# rows without an organization, region or method, or with an empty one (the GROUP BYs
# publish no figure for an empty key, but both rules must treat it alike).
ORGANIZATIONS = ["o1", "o2", None, ""]
REGIONS = [("r1", True), ("r2", False), (None, None), ("", False)]
METHODS = ["m1", "m2", ""]
CAPACITIES = ["c1", "c2", "c3"]
CODES = {1: "participants", 2: "retention_3m", 3: "capacity_gain"}
PER_CAPACITY = {3}  # capacity_gain: a person's gain in one capacity
ANSWERS = {"": [""], "gender": ["woman", "man", ""]}


@st.composite
def atoms(draw):
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        region, is_emerging = draw(st.sampled_from(REGIONS))
        indicator_id = draw(st.sampled_from(sorted(CODES)))
        dimension = draw(st.sampled_from(sorted(ANSWERS)))
        category = draw(st.sampled_from([None, None, *CAPACITIES]))
        program = draw(st.sets(st.sampled_from(CAPACITIES), max_size=3))
        people = draw(st.integers(0, 9))
        if CODES[indicator_id] == "retention_3m":
            denominator = draw(st.integers(1, 9))
            numerator, denominator = Decimal(draw(st.integers(0, denominator))), Decimal(denominator)
        else:
            numerator = denominator = None
        rows.append(
            (
                draw(st.sampled_from(ORGANIZATIONS)),
                region,
                draw(st.sampled_from(METHODS)),
                is_emerging,
                draw(st.integers(1, 2)),
                indicator_id,
                dimension,
                draw(st.sampled_from(ANSWERS[dimension])),
                category,
                ",".join(sorted(program)) if program and category is None else None,
                people,
                numerator,
                denominator,
            )
        )
    return rows


SCOPE_KEYS = [
    (Scope.MOVEMENT, ""),
    *[(Scope.REGION, key) for key in ("r1", "r2", "")],
    *[(Scope.METHOD, key) for key in ("m1", "m2")],
    *[(Scope.ORGANIZATION, key) for key in ("o1", "o2", "")],
    *[(Scope.CATEGORY, key) for key in CAPACITIES],
]
BREAKDOWN_KEYS = [
    ("", ""),
    *[("region", key) for key in ("r1", "r2", "")],
    *[("emerging", key) for key in ("emerging", "established")],
    *[("method", key) for key in ("m1", "m2")],
    *[("category", key) for key in CAPACITIES],
    *[("gender", key) for key in ("woman", "man")],
]


def key_pairs(families, links):
    """Links as the reference gives them: pairs of keys, from the positions _families_and_links gives."""
    return [
        (families.figures.keys[a], families.figures.keys[b])
        for a, b in zip(*(side.tolist() for side in links), strict=True)
    ]


EVERY_FIGURE = [
    (scope, scope_key, period, code, breakdown, breakdown_key, part)
    for scope, scope_key in SCOPE_KEYS
    for breakdown, breakdown_key in BREAKDOWN_KEYS
    if breakdown not in reports.SKIPPED.get(scope, ())
    for period in (str(YEAR), f"{YEAR}-Q1", f"{YEAR}-Q2")
    for code in CODES.values()
    for part in (("", "yes", "no") if code in reports.PEOPLE_SHARES else ("",))
]


@pytest.mark.django_db
def test_on_a_generated_year_the_families_by_definition_are_those_the_key_by_key_rule_finds_in_its_order(monkeypatch):
    generate(scale="tiny", seed=1, out=lambda line: None, today=date(2026, 11, 28))
    original = reports._families_and_links
    compared = []

    def both(figures, region_emerging):
        families, links = original(figures, region_emerging)
        assert (list(families), key_pairs(families, links)) == containment_reference.families_and_links(
            counts_of(figures), region_emerging
        )
        compared.append(len(families))
        return families, links

    monkeypatch.setattr(reports, "_families_and_links", both)
    reports.year_replace(YEAR)
    assert len(compared) > 3  # every group of indicators the year measured
    assert sum(compared) > 100


def test_families_whose_parent_is_not_published_are_left_out_and_the_rest_keep_their_order():
    quarter, year = f"{YEAR}-Q1", str(YEAR)
    cells = {  # not in key order, and no movement total for the region's quarter to be part of
        (Scope.REGION, "asia", quarter, "participants", "method", "online", ""): 3,
        (Scope.REGION, "asia", year, "participants", "", "", ""): 9,
        (Scope.REGION, "asia", quarter, "participants", "", "", ""): 5,
        (Scope.MOVEMENT, "", year, "participants", "", "", ""): 9,
        (Scope.REGION, "asia", year, "participants", "method", "online", ""): 3,
    }
    families, links = reports._families_and_links(figures_of(cells, {1: "participants"}), {"asia": True})
    expected = containment_reference.families_and_links(cells, {"asia": True})
    assert (list(families), key_pairs(families, links)) == expected
    assert len(families) == len(expected[0]) == 5  # three more have no parent published
    families, links = reports._families_and_links(figures_of({}, {}), {})
    assert families.parents.size == families.children.size == links[0].size == 0


@given(rows=atoms(), world=st.integers(0, 2**32))
@hypothesis_settings(max_examples=200, deadline=None)
def test_in_any_small_world_the_arrays_find_the_pairs_the_figure_by_figure_rule_finds(rows, world):
    # Which figures are published, and counts within k of each other (so that most pairs are weighed).
    draw = random.Random(world)
    figures = {key: draw.randint(0, 14) for key in EVERY_FIGURE if draw.random() < 0.8}
    built = figures_of(figures, CODES)
    found = containment_reference.keyed(built, reports._families_by_data(built, iter(rows), CODES, PER_CAPACITY, k))
    assert found == containment_reference.families_by_data(figures, rows, YEAR, CODES, PER_CAPACITY, k)


@given(world=st.integers(0, 2**32))
@hypothesis_settings(max_examples=200, deadline=None)
def test_in_any_small_world_the_arrays_find_the_figures_within_k_of_those_containing_them_by_definition(world):
    draw = random.Random(world)
    figures = {key: draw.randint(0, 24) for key in EVERY_FIGURE if draw.random() < 0.8}
    built = figures_of(figures, CODES)
    found = containment_reference.keyed(built, reports._families_within_k(built, k))
    assert found == containment_reference.families_within_k(figures, k)


def test_a_figure_no_other_exceeds_by_less_than_k_needs_no_profile_and_the_atoms_are_not_read():
    figures = {(Scope.MOVEMENT, "", str(YEAR), "participants", "", "", ""): 40}

    def unread():
        raise AssertionError("the atoms were read")
        yield

    outers, inners = reports._families_by_data(figures_of(figures, CODES), unread(), CODES, set(), k)
    assert len(outers) == len(inners) == 0


@pytest.mark.django_db
def test_small_chunks_and_batches_find_the_same_pairs_and_write_the_same_rows(monkeypatch):
    # A large year weighs its candidates CHUNK rows at a time and reads back and writes its
    # rows ROW_BATCH at a time; a small year fits in one of each unless they are made small.
    generate(scale="tiny", seed=1, out=lambda line: None, today=date(2026, 11, 28))

    def built_rows():
        reports.year_replace(YEAR)
        fields = [name for name in reports.ROW_FIELDS if name != "built_at"]
        return list(ReportRow.objects.order_by(*fields).values_list(*fields))

    found = []
    by_data = reports._families_by_data

    def recorded(*args):
        pairs = by_data(*args)
        found.append([part.tolist() for part in pairs])
        return pairs

    monkeypatch.setattr(reports, "_families_by_data", recorded)
    whole = built_rows()
    # Pieces small enough that most rules and the rows span many of them, and primes, so
    # that pieces end anywhere (7 and 3 took three times as long for nothing more).
    monkeypatch.setattr(reports, "CHUNK", 61)
    monkeypatch.setattr(reports, "ROW_BATCH", 37)
    in_pieces = built_rows()
    assert in_pieces == whole
    assert len(whole) > 20 * 37  # the rows were written in many batches
    assert len(found) % 2 == 0 and found[: len(found) // 2] == found[len(found) // 2 :]
    assert sum(len(outers) for outers, _inners in found) > 50  # pairs were found to compare
