"""The 95% intervals of the learning reports against references computed independently here.

No database: the functions take and return numbers.
"""

import math
import statistics
from decimal import Decimal

import pytest

from evaluation.statistics import Z_95, mean_interval, rate_interval, ratio

STEP = Decimal("0.0001")


def sums(values):
    return len(values), sum(Decimal(str(v)) for v in values), sum(Decimal(str(v)) ** 2 for v in values)


def reference_mean_interval(values):
    """The textbook computation on the raw list: statistics.mean/stdev and NormalDist."""
    z = statistics.NormalDist().inv_cdf(0.975)
    mean = statistics.mean(values)
    half = z * statistics.stdev(values) / math.sqrt(len(values))
    return mean, mean - half, mean + half


def close(published: Decimal, exact: float):
    """Published figures are 4-place roundings of the exact value."""
    return abs(float(published) - exact) <= 0.0001 + 1e-9


def test_z_is_the_975th_percentile_of_the_standard_normal():
    assert Z_95 == Decimal("1.9599639845400536")


@pytest.mark.parametrize(
    "values",
    [
        [1, 2, 3, 4, 5],
        [4.5, 3.2, 5.0, 4.1, 2.9, 3.8, 4.4, 5.0, 1.5, 3.3, 4.0],
        [0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1],
        [120, 95, 180, 60, 240, 30, 75, 150, 90, 100, 110, 85, 200],
        [-3, 7, 2.25, 0, 11, -0.5],
    ],
)
def test_the_mean_interval_matches_statistics_on_the_raw_list(values):
    n, total, squares = sums(values)
    mean, low, high = mean_interval(n=n, total=total, total_squares=squares)
    ref_mean, ref_low, ref_high = reference_mean_interval(values)
    assert close(mean, ref_mean)
    assert close(low, ref_low)
    assert close(high, ref_high)
    # Rounded outwards: the printed interval contains the computed one.
    assert float(low) <= ref_low + 1e-9
    assert float(high) >= ref_high - 1e-9


def test_the_interval_is_the_normal_approximation_not_the_t_interval():
    values = [1, 2, 3, 4, 5]
    n, total, squares = sums(values)
    _, low, high = mean_interval(n=n, total=total, total_squares=squares)
    # s = √2.5, s/√5 = 0.7071…, 1.95996 × 0.7071 = 1.3859 (a t interval would be 1.9632).
    assert (low, high) == (Decimal("1.6140"), Decimal("4.3860"))


def test_all_equal_values_give_a_zero_width_interval():
    n, total, squares = sums([7.25] * 40)
    assert mean_interval(n=n, total=total, total_squares=squares) == (Decimal("7.2500"),) * 3


def test_huge_values_do_not_lose_the_spread_to_cancellation():
    # Values near the largest a report row holds: Σx² ~ 10^27, spread of a few units.
    base = 10**13
    values = [base + d for d in (0, 1, 2, 3, 4)]
    n, total, squares = sums(values)
    mean, low, high = mean_interval(n=n, total=total, total_squares=squares)
    assert mean == Decimal(base + 2)
    # Same spread as 0..4: s = √2.5, half width 1.3859…
    assert low == Decimal(base + 2) - Decimal("1.3860")
    assert high == Decimal(base + 2) + Decimal("1.3860")


def test_huge_equal_values_give_zero_width():
    n, total, squares = sums([10**13] * 3)
    mean, low, high = mean_interval(n=n, total=total, total_squares=squares)
    assert mean == low == high == Decimal(10**13)


def test_a_slightly_negative_variance_from_rounding_counts_as_zero():
    # Σx² rounded down by one unit of the last place: the formula would go below zero.
    mean, low, high = mean_interval(n=2, total=Decimal("0.2"), total_squares=Decimal("0.0199"))
    assert (mean, low, high) == (Decimal("0.1000"),) * 3


def test_no_people_give_nothing_and_one_person_gives_a_mean_without_interval():
    assert mean_interval(n=0, total=Decimal(0), total_squares=Decimal(0)) == (None, None, None)
    assert mean_interval(n=1, total=Decimal("4.5"), total_squares=Decimal("20.25")) == (Decimal("4.5000"), None, None)


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError):
        mean_interval(n=-1, total=Decimal(0), total_squares=Decimal(0))


def wilson_textbook(x, n, z):
    """Wilson (1927), as printed in Newcombe (1998), Statistics in Medicine 17:857, method 3."""
    p = x / n
    denominator = 2 * (n + z * z)
    centre = 2 * n * p + z * z
    spread = z * math.sqrt(z * z + 4 * n * p * (1 - p))
    return (centre - spread) / denominator, (centre + spread) / denominator


# Newcombe (1998), table I, method 3 (score interval without continuity correction).
NEWCOMBE = [
    (81, 263, "0.2553", "0.3662"),
    (15, 148, "0.0624", "0.1605"),
    (0, 20, "0.0000", "0.1611"),
    (1, 29, "0.0061", "0.1718"),
]


@pytest.mark.parametrize(("x", "n", "low", "high"), NEWCOMBE)
def test_the_rate_interval_is_wilsons_as_published(x, n, low, high):
    p, got_low, got_high = rate_interval(numerator=Decimal(x), denominator=Decimal(n))
    assert close(p, x / n)
    # Rounded outwards from the exact bound, so at most one step beyond the published one.
    assert Decimal(low) - STEP <= got_low <= Decimal(low)
    assert Decimal(high) <= got_high <= Decimal(high) + STEP


@pytest.mark.parametrize(("x", "n"), [(81, 263), (15, 148), (0, 20), (1, 29), (7, 9), (500, 1000), (3, 3)])
def test_the_rate_interval_matches_the_textbook_formula(x, n):
    ref_low, ref_high = wilson_textbook(x, n, statistics.NormalDist().inv_cdf(0.975))
    _, low, high = rate_interval(numerator=Decimal(x), denominator=Decimal(n))
    assert close(low, max(0.0, ref_low))
    assert close(high, min(1.0, ref_high))
    assert float(low) <= ref_low + 1e-9 or low == 0
    assert float(high) >= ref_high - 1e-9 or high == 1


def test_wilson_at_zero_and_at_one_stays_inside_zero_one_and_keeps_a_width():
    p, low, high = rate_interval(numerator=Decimal(0), denominator=Decimal(10))
    assert (p, low) == (Decimal("0.0000"), Decimal("0.0000"))
    assert Decimal(0) < high < Decimal(1)
    p, low, high = rate_interval(numerator=Decimal(10), denominator=Decimal(10))
    assert (p, high) == (Decimal("1.0000"), Decimal("1.0000"))
    assert Decimal(0) < low < Decimal(1)
    # Symmetric: 0/10 and 10/10 mirror each other.
    assert rate_interval(numerator=Decimal(0), denominator=Decimal(10))[2] == 1 - low


def test_wilson_with_huge_counts_is_narrow_and_correct():
    x, n = 3 * 10**12, 10**13
    p, low, high = rate_interval(numerator=Decimal(x), denominator=Decimal(n))
    assert p == Decimal("0.3000")
    assert low == Decimal("0.2999") and high == Decimal("0.3001")


def test_a_zero_denominator_gives_nothing():
    assert rate_interval(numerator=Decimal(0), denominator=Decimal(0)) == (None, None, None)


@pytest.mark.parametrize(("numerator", "denominator"), [(11, 10), (-1, 10), (1, -10)])
def test_not_a_proportion_is_refused(numerator, denominator):
    with pytest.raises(ValueError):
        rate_interval(numerator=Decimal(numerator), denominator=Decimal(denominator))


def test_cost_per_participant_is_a_ratio_without_interval():
    assert ratio(numerator=Decimal("12500.00"), denominator=Decimal(48)) == (Decimal("260.4167"), None, None)
    assert ratio(numerator=Decimal(100), denominator=Decimal(0)) == (None, None, None)
