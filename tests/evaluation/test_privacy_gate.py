"""The privacy gate: small cells are hidden, and nothing published gives them back.

No database: the gate takes counts and relations and returns the keys to hide.
"""

import gc
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from evaluation.privacy import gate, gate_positions, k_for, minimum_sample, publishable_mean

from .gate_reference import reference_gate

# ---------------------------------------------------------------------------
# An attacker, written independently of the gate: knows every shown cell, and
# solves any family in which exactly one cell is unknown, again and again.
# ---------------------------------------------------------------------------


def attacker_knowledge(counts, families, hidden, links=()):
    known = {key for key in counts if key not in hidden}
    for link in links:  # a linked figure is printed in several places
        if any(key in known for key in link):
            known.update(link)
    changed = True
    while changed:
        changed = False
        for parent, children in families:
            leftover = counts[parent] != sum(counts[c] for c in children)
            unknown = [m for m in [parent, *children] if m not in known]
            if len(unknown) == 1 and not leftover:
                known.add(unknown[0])
                for link in links:
                    if unknown[0] in link:
                        known.update(link)
                changed = True
    return known


def family_k(k, parent, children):
    return max(k(key) for key in [parent, *children])


def assert_nothing_small_is_given_away(counts, families, k, hidden, links=()):
    k = k if callable(k) else (k.__getitem__ if isinstance(k, dict) else (lambda key, k=k: k))
    for key, n in counts.items():
        if key not in hidden:
            assert not 0 < n < k(key), f"{key} shows {n} < k"
    for parent, children in families:
        if parent in hidden:
            continue
        rest = counts[parent] - sum(counts[c] for c in children if c not in hidden)
        assert not 0 < rest < family_k(k, parent, children), f"{parent} minus its shown children gives {rest}"
    known = attacker_knowledge(counts, families, hidden, links)
    for key in known:
        assert not 0 < counts[key] < k(key), f"{key} ({counts[key]}) can be worked out"
    for parent, children in families:
        if parent in known:
            rest = counts[parent] - sum(counts[c] for c in children if c in known)
            assert not 0 < rest < family_k(k, parent, children), f"{parent} minus what is known gives {rest}"
    for link in links:
        assert len({key in hidden for key in link}) == 1, f"{link} not hidden together"


# ---------------------------------------------------------------------------
# By hand
# ---------------------------------------------------------------------------


def test_a_small_cell_among_big_ones_is_hidden_with_the_smallest_other():
    counts = {"total": 100, "a": 40, "b": 57, "c": 3}
    families = [("total", ["a", "b", "c"])]
    hidden = gate(counts=counts, families=families, k=5)
    assert hidden == {"c", "a"}
    assert_nothing_small_is_given_away(counts, families, 5, hidden)


def test_two_small_cells_that_sum_below_k_need_a_third():
    counts = {"total": 99, "a": 50, "b": 45, "c": 2, "d": 2}
    families = [("total", ["a", "b", "c", "d"])]
    assert gate(counts=counts, families=families, k=5) == {"c", "d", "b"}


def test_two_small_cells_that_sum_to_k_cover_each_other():
    counts = {"total": 100, "a": 50, "b": 44, "c": 3, "d": 3}
    assert gate(counts=counts, families=[("total", ["a", "b", "c", "d"])], k=5) == {"c", "d"}


def test_empty_cells_stay_shown_and_are_no_cover():
    counts = {"total": 43, "a": 40, "b": 0, "c": 3}
    assert gate(counts=counts, families=[("total", ["a", "b", "c"])], k=5) == {"c", "a"}


def test_ties_hide_the_first_child_in_the_familys_order():
    counts = {"total": 63, "a": 30, "b": 30, "c": 3}
    assert gate(counts=counts, families=[("total", ["a", "b", "c"])], k=5) == {"c", "a"}
    assert gate(counts=counts, families=[("total", ["b", "a", "c"])], k=5) == {"c", "b"}


def test_with_no_child_left_to_hide_the_parent_goes():
    # Seven people in a region, shown at the activity k; their gender answers need 10.
    counts = {"region": 7, "woman": 3, "man": 4}
    k = {"region": 5, "woman": 10, "man": 10}
    assert gate(counts=counts, families=[("region", ["woman", "man"])], k=k) == {"region", "woman", "man"}


def test_a_hidden_parent_recovered_from_its_own_family_is_covered_there():
    # The region above, inside the movement: total − the other region would give back
    # the 7, and then the gender answers. The other region is hidden as well.
    counts = {"total": 200, "x": 7, "y": 193, "x woman": 3, "x man": 4}
    families = [("total", ["x", "y"]), ("x", ["x woman", "x man"])]
    k = {"total": 5, "x": 5, "y": 5, "x woman": 10, "x man": 10}
    hidden = gate(counts=counts, families=families, k=k)
    assert hidden == {"x", "x woman", "x man", "y"}
    assert_nothing_small_is_given_away(counts, families, k, hidden)


def test_nested_families_emerging_groups_and_regions():
    counts = {
        "total": 300,
        "emerging": 120,
        "established": 180,
        "africa": 3,
        "asia": 117,
        "europe": 100,
        "americas": 80,
    }
    families = [
        ("total", ["emerging", "established"]),
        ("emerging", ["africa", "asia"]),
        ("established", ["europe", "americas"]),
        ("total", ["africa", "asia", "europe", "americas"]),
    ]
    hidden = gate(counts=counts, families=families, k=5)
    assert {"africa", "asia"} <= hidden
    assert_nothing_small_is_given_away(counts, families, 5, hidden)


def test_a_year_and_its_quarters():
    counts = {"2026": 60, "2026-Q1": 20, "2026-Q2": 2, "2026-Q3": 0, "2026-Q4": 38}
    families = [("2026", ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"])]
    assert gate(counts=counts, families=families, k=5) == {"2026-Q2", "2026-Q1"}


def test_a_complement_recovered_from_another_family_is_covered_too():
    # Region × quarter: Q2 of region x is small; hiding Q1 of x covers it in x's year,
    # but movement Q1 − y's Q1 would give x's Q1 back, then x's Q2.
    counts = {
        "x": 40,
        "y": 100,
        "all": 140,
        "x Q1": 20,
        "x Q2": 2,
        "x Q3": 18,
        "y Q1": 50,
        "y Q2": 20,
        "y Q3": 30,
        "all Q1": 70,
        "all Q2": 22,
        "all Q3": 48,
    }
    families = [
        ("x", ["x Q1", "x Q2", "x Q3"]),
        ("y", ["y Q1", "y Q2", "y Q3"]),
        ("all", ["all Q1", "all Q2", "all Q3"]),
        ("all", ["x", "y"]),
        ("all Q1", ["x Q1", "y Q1"]),
        ("all Q2", ["x Q2", "y Q2"]),
        ("all Q3", ["x Q3", "y Q3"]),
    ]
    hidden = gate(counts=counts, families=families, k=5)
    assert {"x Q2"} < hidden
    assert_nothing_small_is_given_away(counts, families, 5, hidden)


def test_a_chain_is_cut_in_a_breakdown_rather_than_at_the_total():
    # Three organizations under the movement; each one's total is also the sum of its
    # region cells, so hiding an organization's total alone does not hide it.
    counts = {"movement": 120, "a": 95, "b": 22, "c": 3, "a na": 95, "b cee": 22, "c nwe": 3}
    families = [("movement", ["a", "b", "c"]), ("a", ["a na"]), ("b", ["b cee"]), ("c", ["c nwe"])]
    hidden = gate(counts=counts, families=families, k=5)
    assert "movement" not in hidden
    assert {"c", "c nwe", "b", "b cee"} <= hidden
    assert_nothing_small_is_given_away(counts, families, 5, hidden)


def test_the_gate_leaves_nothing_for_the_cycle_collector():
    # A build pauses the collector (evaluation.reports): the gate's lists, a million of them
    # for a large year, must go when it returns, not wait in a cycle for the next collection.
    counts = {"movement": 120, "a": 95, "b": 22, "c": 3, "a na": 95, "b cee": 22, "c nwe": 3}
    families = [("movement", ["a", "b", "c"]), ("a", ["a na"]), ("b", ["b cee"]), ("c", ["c nwe"])]
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        hidden = gate(counts=counts, families=families, k=5, pairs=([0], [3]))
        assert gc.collect() == 0  # nothing unreachable was left behind
    finally:
        if was_enabled:
            gc.enable()
    assert {"c", "c nwe"} <= hidden  # and it decided as ever


def test_linked_cells_are_hidden_together():
    # The movement report's "region = x" cell is region x's own total.
    counts = {"movement": 100, "movement region=x": 43, "movement region=y": 57, "x": 43, "x Q1": 40, "x Q2": 3}
    families = [("movement", ["movement region=x", "movement region=y"]), ("x", ["x Q1", "x Q2"])]
    links = [("movement region=x", "x")]
    hidden = gate(counts=counts, families=families, k=5, links=links)
    # x's quarters: 3 is hidden, 40 is the smallest shown complement; x's total stays.
    assert hidden == {"x Q1", "x Q2"}
    counts["x Q1"], counts["x Q2"], counts["x"], counts["movement region=x"], counts["movement"] = 3, 0, 3, 3, 60
    hidden = gate(counts=counts, families=families, k=5, links=links)
    assert {"x", "movement region=x", "movement region=y"} <= hidden
    assert_nothing_small_is_given_away(counts, families, 5, hidden, links)


def test_what_children_leave_out_is_part_of_the_family():
    # 50 people, 47 answered the gender question: the 3 who did not are a small group.
    counts = {"total": 50, "woman": 25, "man": 22}
    assert gate(counts=counts, families=[("total", ["woman", "man"])], k=10) == {"man"}


@pytest.mark.parametrize("k", [5, {"total": 5, "a": 5, "b": 5}, lambda key: 5])
def test_k_is_a_number_a_mapping_or_a_function(k):
    assert gate(counts={"total": 44, "a": 40, "b": 4}, families=[("total", ["a", "b"])], k=k) == {"a", "b"}


def test_a_key_without_a_count_is_an_error():
    with pytest.raises(ValueError, match="no count"):
        gate(counts={"total": 10}, families=[("total", ["missing"])], k=5)


def test_linked_cells_with_different_counts_are_an_error():
    with pytest.raises(ValueError, match="different counts"):
        gate(counts={"a": 10, "b": 11}, k=5, links=[("a", "b")])


def test_the_same_input_gives_the_same_output_and_tens_of_thousands_of_cells_take_well_under_a_second():
    # 200 regions × 4 quarters × 12 indicators' worth of cells, with every fifth region
    # having a small quarter, plus the movement totals above them.
    counts, families = {}, []
    for indicator in range(12):
        years, quarters = [], {q: [] for q in range(4)}
        for region in range(200):
            year = (indicator, region)
            cells = [(indicator, region, q) for q in range(4)]
            values = [3 if region % 5 == 0 and q == 1 else 10 + (region * 7 + q * 3) % 40 for q in range(4)]
            counts.update(zip(cells, values, strict=True))
            counts[year] = sum(values)
            families.append((year, cells))
            years.append(year)
            for q in range(4):
                quarters[q].append(cells[q])
        counts[(indicator, "all")] = sum(counts[y] for y in years)
        families.append(((indicator, "all"), years))
        for q in range(4):
            counts[(indicator, "all", q)] = sum(counts[c] for c in quarters[q])
            families.append(((indicator, "all", q), quarters[q]))
        families.append(((indicator, "all"), [(indicator, "all", q) for q in range(4)]))
    assert len(counts) > 10_000
    started = time.perf_counter()
    first = gate(counts=counts, families=families, k=5)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"{len(counts)} cells took {elapsed:.2f}s"
    assert gate(counts=counts, families=families, k=5) == first
    assert_nothing_small_is_given_away(counts, families, 5, first)


def test_k_is_the_demographic_one_for_demographic_cells(settings):
    settings.K_ANONYMITY_DEMOGRAPHIC = 10
    settings.K_ANONYMITY_ACTIVITY = 5
    assert k_for(breakdown="gender") == 10
    assert k_for(breakdown="age", indicator_code="participants") == 10
    assert k_for(breakdown="newcomer") == 10
    assert k_for(breakdown="region", indicator_code="newcomers") == 10
    assert k_for(breakdown="region", indicator_code="participants") == 5
    assert k_for(breakdown="", indicator_code=None) == 5


def test_means_and_percentages_need_the_minimum_sample(settings):
    assert minimum_sample() == getattr(settings, "REPORT_MINIMUM_SAMPLE", 10)
    settings.REPORT_MINIMUM_SAMPLE = 10
    assert not publishable_mean(9)
    assert publishable_mean(10)
    settings.REPORT_MINIMUM_SAMPLE = 30
    assert not publishable_mean(29)


# ---------------------------------------------------------------------------
# Property: random trees and tables with planted small groups (1, 4, 9 people)
# ---------------------------------------------------------------------------

PLANTED = (1, 4, 9)
DEMOGRAPHIC_K, ACTIVITY_K = 10, 5

leaf_value = st.one_of(st.sampled_from(PLANTED), st.just(0), st.integers(min_value=10, max_value=300))


@st.composite
def trees(draw):
    """A tree of additive families, some with people their children leave out, and a
    mirror of the top level (the movement report's cells for each region) linked to it."""
    counts, k, families, planted = {}, {}, [], []
    serial = iter(range(10_000))

    def node(depth):
        key = f"n{next(serial)}"
        k[key] = draw(st.sampled_from((ACTIVITY_K, DEMOGRAPHIC_K)))
        if depth == 0 or draw(st.integers(0, 3)) == 0:
            value = draw(leaf_value)
            if value in PLANTED:
                planted.append(key)
                k[key] = DEMOGRAPHIC_K  # so that 9 is small as well
            counts[key] = value
            return key
        children = [node(depth - 1) for _ in range(draw(st.integers(1, 5)))]
        leftover = draw(st.sampled_from((0, 0, 0, 2, 15)))
        counts[key] = sum(counts[c] for c in children) + leftover
        families.append((key, children))
        return key

    root = node(draw(st.integers(1, 4)))
    links = []
    top = next((children for parent, children in families if parent == root), [])
    if top and draw(st.booleans()):
        mirror = [f"m{c}" for c in top]
        for original, copy in zip(top, mirror, strict=True):
            counts[copy], k[copy] = counts[original], k[original]
            links.append((original, copy))
        counts["mirror"], k["mirror"] = sum(counts[c] for c in mirror), ACTIVITY_K
        families.append(("mirror", mirror))
    return counts, families, k, links, planted


@st.composite
def tables(draw):
    """A region × quarter table with its row, column and grand totals."""
    rows, columns = draw(st.integers(2, 5)), draw(st.integers(2, 4))
    counts, k, families, planted = {}, {}, [], []
    for r in range(rows):
        for c in range(columns):
            value = draw(leaf_value)
            counts[(r, c)] = value
            k[(r, c)] = DEMOGRAPHIC_K if value in PLANTED else ACTIVITY_K
            if value in PLANTED:
                planted.append((r, c))
    for r in range(rows):
        counts[(r, "year")], k[(r, "year")] = sum(counts[(r, c)] for c in range(columns)), ACTIVITY_K
        families.append(((r, "year"), [(r, c) for c in range(columns)]))
    for c in range(columns):
        counts[("all", c)], k[("all", c)] = sum(counts[(r, c)] for r in range(rows)), ACTIVITY_K
        families.append((("all", c), [(r, c) for r in range(rows)]))
    counts["all"], k["all"] = sum(counts[(r, "year")] for r in range(rows)), ACTIVITY_K
    families.append(("all", [(r, "year") for r in range(rows)]))
    families.append(("all", [("all", c) for c in range(columns)]))
    return counts, families, k, [], planted


def check(case):
    counts, families, k, links, planted = case
    hidden = gate(counts=counts, families=families, k=k, links=links)
    assert_nothing_small_is_given_away(counts, families, k, hidden, links)
    known = attacker_knowledge(counts, families, hidden, links)
    for key in planted:
        assert key in hidden
        assert key not in known
    assert gate(counts=counts, families=families, k=k, links=links) == hidden


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_no_published_cell_or_difference_reveals_a_planted_group_in_a_tree(case):
    check(case)


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_published_cell_or_difference_reveals_a_planted_group_in_a_table(case):
    check(case)


def containments(families):
    """Every (ancestor, descendant) pair the families imply: a parent contains its children's children too."""
    children_of = {}
    for parent, children in families:
        children_of.setdefault(parent, []).extend(children)
    pairs = set()
    for parent in children_of:
        stack = list(children_of[parent])
        while stack:
            child = stack.pop()
            if (parent, child) not in pairs:
                pairs.add((parent, child))
                stack.extend(children_of.get(child, []))
    return sorted(pairs, key=str)


def check_inert_pairs_change_nothing(case):
    """A family of one whose parent exceeds its child by k or more changes no decision (reports drop them)."""
    counts, families, k, links, _planted = case
    lookup = k.__getitem__
    inert = [
        (parent, [child])
        for parent, child in containments(families)
        if counts[parent] - counts[child] >= family_k(lookup, parent, [child])
    ]
    without = gate(counts=counts, families=families, k=k, links=links)
    assert gate(counts=counts, families=[*families, *inert], k=k, links=links) == without
    assert gate(counts=counts, families=[*inert, *families], k=k, links=links) == without


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_a_parent_k_or_more_above_what_it_contains_changes_nothing_in_a_tree(case):
    check_inert_pairs_change_nothing(case)


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_a_parent_k_or_more_above_what_it_contains_changes_nothing_in_a_table(case):
    check_inert_pairs_change_nothing(case)


def check_pairs_are_families_of_one(case):
    """Families of one given by position (`pairs`, as the reports give them) decide as the same families by key."""
    counts, families, k, links, _planted = case
    ones = containments(families)  # every ancestor with each of its descendants, within k or not
    position = {key: index for index, key in enumerate(counts)}
    pairs = ([position[parent] for parent, _child in ones], [position[child] for _parent, child in ones])
    by_key = gate(counts=counts, families=[*families, *((parent, [child]) for parent, child in ones)], k=k, links=links)
    assert gate(counts=counts, families=families, k=k, links=links, pairs=pairs) == by_key


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_families_of_one_by_position_decide_as_by_key_in_a_tree(case):
    check_pairs_are_families_of_one(case)


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_families_of_one_by_position_decide_as_by_key_in_a_table(case):
    check_pairs_are_families_of_one(case)


def test_families_of_one_by_position_hide_what_the_family_gives_away():
    # "all" (20) contains "a" (17) by position: 3 people are left, so "a" goes too.
    assert gate(counts={"all": 20, "a": 17}, k=5, pairs=([0], [1])) == {"a"}
    assert gate(counts={"all": 20, "a": 17}, k=5) == set()


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (([0], []), "as many parents"),
        (([0], [2]), "outside counts"),
        (([-1], [0]), "outside counts"),
        (([0.5], [1]), "whole numbers"),
        ((["0"], [1]), "whole numbers"),
        (([[0]], [[1]]), "whole numbers"),
    ],
)
def test_families_of_one_by_position_must_be_positions_of_counts(pairs, message):
    with pytest.raises(ValueError, match=message):
        gate(counts={"all": 20, "a": 17}, k=5, pairs=pairs)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"threshold": [5]}, "a threshold for every count"),
        ({"families": ([0], [2], [1])}, "the last at the end"),
        ({"families": ([0, 0], [1], [1])}, "an end for every parent"),
        ({"families": ([0, 1], [1, 0], [1])}, "in order"),
        ({"families": ([2], [1], [1])}, "outside counts"),
        ({"links": ([0], [])}, "as many cells"),
        ({"links": ([0], [5])}, "outside counts"),
        ({"links": ([0], [1])}, "different counts"),
        ({"size": [20, -1]}, "must not be negative"),
    ],
)
def test_cells_by_position_must_be_whole_and_consistent(arguments, message):
    with pytest.raises(ValueError, match=message):
        gate_positions(**{"size": [20, 17], "threshold": [5, 5], **arguments})


def test_cells_by_position_decide_as_cells_by_key():
    counts = {"all": 20, "a": 17, "b": 3, "copy of a": 17}
    by_key = gate(counts=counts, families=[("all", ["a", "b"])], k=5, links=[("a", "copy of a")])
    hidden = gate_positions(
        size=list(counts.values()),
        threshold=np.full(4, 5),
        families=(np.array([0]), np.array([2]), np.array([1, 2])),
        links=(np.array([1]), np.array([3])),
    )
    assert by_key == {"a", "b", "copy of a"}
    assert [key for key, shown in zip(counts, hidden.tolist(), strict=True) if shown] == sorted(
        by_key, key=list(counts).index
    )


def check_decides_as_the_reference(case):
    """The gate keeps its families in flat arrays; it must decide exactly as the lists of lists did."""
    counts, families, k, links, _planted = case
    ones = containments(families)
    position = {key: index for index, key in enumerate(counts)}
    pairs = ([position[parent] for parent, _child in ones], [position[child] for _parent, child in ones])
    for arguments in (
        {"families": families, "links": links},
        {"families": families, "links": links, "pairs": pairs},
        {"families": [], "links": [], "pairs": pairs},
    ):
        expected = reference_gate(counts=counts, k=k, **arguments)
        assert gate(counts=counts, k=k, **arguments) == expected
        if "pairs" in arguments:  # as the reports hand them over: arrays
            for dtype in (np.int64, np.uint32):
                as_arrays = tuple(np.array(positions, dtype=dtype) for positions in pairs)
                assert gate(counts=counts, k=k, **{**arguments, "pairs": as_arrays}) == expected


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_the_gate_decides_as_the_reference_in_a_tree(case):
    check_decides_as_the_reference(case)


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_the_gate_decides_as_the_reference_in_a_table(case):
    check_decides_as_the_reference(case)


def test_the_gate_with_nothing_to_weigh():
    assert gate(counts={}, k=5) == set()
    assert gate(counts={"a": 3, "b": 0}, k=5) == {"a"}


def test_a_count_beyond_any_number_of_people_is_an_error():
    with pytest.raises(ValueError, match="numbers of people"):
        gate(counts={"all": 1 << 62, "a": 3}, families=[("all", ["a"])], k=5)


@pytest.mark.parametrize(
    "case",
    [
        # A cell twice in one family, and a family of a cell with itself.
        ({"all": 10, "a": 3, "b": 4}, [("all", ["a", "a", "b"]), ("a", ["a"])], [], ([0, 2], [1, 1])),
        # Links that make a family's parent and child one variable.
        ({"all": 7, "a": 7, "b": 2}, [("all", ["a"]), ("a", ["b"])], [("all", "a")], ([], [])),
        # Families with no children, and cells in no family.
        ({"all": 12, "a": 3, "z": 40}, [("all", []), ("all", ["a"])], [], ([1], [1])),
    ],
)
def test_odd_families_decide_as_the_reference(case):
    counts, families, links, pairs = case
    for k in (5, 10):
        assert gate(counts=counts, families=families, k=k, links=links, pairs=pairs) == reference_gate(
            counts=counts, families=families, k=k, links=links, pairs=pairs
        )


def test_more_figures_than_the_gate_numbers_is_an_error(monkeypatch):
    from evaluation import privacy

    monkeypatch.setattr(privacy, "MOST_FIGURES", 4)
    with pytest.raises(ValueError, match="counts at once"):
        gate(counts={"a": 1, "b": 2, "c": 3, "d": 4}, k=5)
    with pytest.raises(ValueError, match="families and members at once"):
        gate(counts={"all": 20, "a": 17}, families=[("all", ["a"]), ("all", ["a"])], k=5)
    with pytest.raises(ValueError, match="families and members at once"):
        gate(counts={"all": 20, "a": 17}, k=5, pairs=([0, 0], [1, 1]))
    assert gate(counts={"all": 20, "a": 17}, families=[("all", ["a"])], k=5) == {"a"}
