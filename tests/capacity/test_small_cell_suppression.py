"""Counts shown beyond the people they count never single anyone out, directly or by subtraction."""

from hypothesis import given
from hypothesis import strategies as st

from capacity.privacy import suppress_small_cells


def test_answers_given_by_enough_people_are_shown_as_they_are():
    shown, other = suppress_small_cells([("a", 12), ("b", 10), ("c", 0)], minimum=10)
    assert (shown, other) == ([("a", 12), ("b", 10), ("c", 0)], None)


def test_a_lone_small_answer_takes_the_smallest_shown_one_with_it():
    shown, other = suppress_small_cells([("a", 30), ("b", 11), ("c", 2)], minimum=10)
    assert (shown, other) == ([("a", 30)], 13)


def test_small_answers_that_together_reach_the_minimum_are_lumped_alone():
    shown, other = suppress_small_cells([("a", 30), ("b", 6), ("c", 5)], minimum=10)
    assert (shown, other) == ([("a", 30)], 11)


@given(
    counts=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=8),
    minimum=st.integers(min_value=2, max_value=12),
)
def test_no_shown_or_lumped_count_is_small_and_nothing_is_lost(counts, minimum):
    cells = [(index, count) for index, count in enumerate(counts)]
    if sum(counts) < minimum:
        return  # callers show nothing at all below the minimum
    shown, other = suppress_small_cells(cells, minimum=minimum)
    assert all(count == 0 or count >= minimum for _key, count in shown)
    assert other is None or other >= minimum
    assert sum(count for _key, count in shown) + (other or 0) == sum(counts)
