"""The 95% intervals printed beside the learning reports' figures (standard library only).

A report row keeps raw aggregates — the number of people n, the sum Σx and the sum of
squares Σx² for mean indicators, a numerator and a denominator for rates — so the
figure and its interval can be computed here without reading a single measurement.

- Means: the normal approximation, mean ± z·s/√n, with s the sample standard deviation
  (n − 1 in the denominator) computed from n, Σx and Σx².
- Proportions (rates whose numerator counts successes among the denominator, shares):
  the Wilson score interval, which stays inside [0, 1] and behaves at p = 0 and p = 1
  where the plain normal interval collapses to zero width.
- Weighted ratios whose numerator is not a count of successes among the denominator
  (cost per participant: dollars ÷ people) get no interval: neither formula applies,
  and an honest interval would need the per-program spread. `ratio()` returns the value
  alone.

Everything is Decimal in, Decimal out, quantized to 4 places (the report rows' scale).
The interval is rounded outwards (low down, high up), so the printed interval always
contains the computed one; the figure itself is rounded half-even.
"""

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext
from statistics import NormalDist

# z for a two-sided 95% interval: 1.9599639845400536, not the rounded 1.96.
Z_95 = Decimal(repr(NormalDist().inv_cdf(0.975)))

PLACES = Decimal("0.0001")
# Enough digits that Σx² − (Σx)²/n does not cancel away for the largest values a report
# row can hold (sums up to 10^20 with 4 decimals, squares up to 10^26).
PRECISION = 80


def _figure(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_EVEN)


def _low(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_FLOOR)


def _high(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_CEILING)


def _decimal(value) -> Decimal:
    if isinstance(value, float):
        # repr gives the shortest decimal that round-trips, not the binary expansion.
        return Decimal(repr(value))
    return Decimal(value)


def mean_interval(
    *, n: int, total: Decimal, total_squares: Decimal, z: Decimal = Z_95
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Mean and its normal-approximation 95% interval from n, Σx and Σx².

    n = 0 gives (None, None, None); n = 1 gives the mean with no interval (a sample
    standard deviation needs two values). When rounding in the stored sums makes the
    variance come out a hair below zero, it is taken as zero.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    if n == 0:
        return None, None, None
    with localcontext() as context:
        context.prec = PRECISION
        total = _decimal(total)
        total_squares = _decimal(total_squares)
        z = _decimal(z)
        mean = total / n
        if n < 2:
            return _figure(mean), None, None
        variance = (total_squares - total * total / n) / (n - 1)
        if variance < 0:
            variance = Decimal(0)
        half_width = z * (variance / n).sqrt()
        return _figure(mean), _low(mean - half_width), _high(mean + half_width)


def rate_interval(
    *, numerator: Decimal, denominator: Decimal, z: Decimal = Z_95
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Proportion p = numerator / denominator and its Wilson score 95% interval.

        centre = (p + z²/2n) / (1 + z²/n)
        half   = z / (1 + z²/n) · √(p(1 − p)/n + z²/4n²)

    For proportions only: 0 ≤ numerator ≤ denominator. A zero denominator gives
    (None, None, None). The bounds are clipped to [0, 1] against rounding.
    """
    with localcontext() as context:
        context.prec = PRECISION
        numerator = _decimal(numerator)
        denominator = _decimal(denominator)
        z = _decimal(z)
        if denominator < 0 or numerator < 0:
            raise ValueError("a proportion's numerator and denominator must not be negative")
        if numerator > denominator:
            raise ValueError("a proportion's numerator must not exceed its denominator; use ratio() for other rates")
        if denominator == 0:
            return None, None, None
        p = numerator / denominator
        z2 = z * z
        scale = 1 + z2 / denominator
        centre = (p + z2 / (2 * denominator)) / scale
        half = z / scale * (p * (1 - p) / denominator + z2 / (4 * denominator * denominator)).sqrt()
        low = max(Decimal(0), centre - half)
        high = min(Decimal(1), centre + half)
        return _figure(p), _low(low), _high(high)


def ratio(*, numerator: Decimal, denominator: Decimal) -> tuple[Decimal | None, None, None]:
    """A weighted ratio with no interval, such as cost per participant (dollars ÷ people)."""
    with localcontext() as context:
        context.prec = PRECISION
        denominator = _decimal(denominator)
        if denominator == 0:
            return None, None, None
        return _figure(_decimal(numerator) / denominator), None, None
