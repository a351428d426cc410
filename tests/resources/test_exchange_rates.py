"""Amounts keep their currency; US dollars come from the rate stewards keep per currency and month."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from resources import services
from resources.models import Currency, ExchangeRate

pytestmark = pytest.mark.django_db


def test_every_iso_4217_currency_is_there_with_its_decimal_places():
    assert Currency.objects.get(code="EUR").minor_units == 2
    assert Currency.objects.get(code="JPY").minor_units == 0
    assert Currency.objects.get(code="KWD").minor_units == 3
    assert not Currency.objects.filter(code="XAU").exists()  # gold is not a grant's currency
    assert Currency.objects.count() > 150


def test_a_rate_is_kept_for_the_month_whatever_day_is_given(steward):
    rate = services.exchange_rate_set(currency_code="EUR", month=date(2026, 3, 17), usd_per_unit="1.0842", by=steward)
    assert (rate.month, rate.usd_per_unit, rate.set_by) == (date(2026, 3, 1), Decimal("1.0842"), steward)
    again = services.exchange_rate_set(currency_code="EUR", month=date(2026, 3, 2), usd_per_unit="1.09")
    assert again.pk == rate.pk and ExchangeRate.objects.count() == 1
    assert again.history.count() == 2  # changing a rate is audited


def test_an_amount_uses_its_months_rate_or_the_latest_before_it():
    services.exchange_rate_set(currency_code="KRW", month=date(2026, 1, 1), usd_per_unit="0.00068")
    services.exchange_rate_set(currency_code="KRW", month=date(2026, 3, 1), usd_per_unit="0.00072")
    february = services.usd_amount(amount=Decimal("1500000"), currency_code="KRW", on=date(2026, 2, 20))
    march = services.usd_amount(amount=Decimal("1500000"), currency_code="KRW", on=date(2026, 3, 5))
    assert (february.amount, february.rate.month) == (Decimal("1020.00"), date(2026, 1, 1))
    assert (march.amount, march.rate.month) == (Decimal("1080.00"), date(2026, 3, 1))


def test_usd_is_rounded_once_to_the_cent_half_to_even():
    services.exchange_rate_set(currency_code="EUR", month=date(2026, 1, 1), usd_per_unit="1.5")
    assert services.usd_amount(amount=Decimal("0.01"), currency_code="EUR", on=date(2026, 1, 9)).amount == Decimal(
        "0.02"
    )  # 0.015 → 0.02 (even)
    assert services.usd_amount(amount=Decimal("0.03"), currency_code="EUR", on=date(2026, 1, 9)).amount == Decimal(
        "0.04"
    )  # 0.045 → 0.04 (even)
    dollars = services.usd_amount(amount=Decimal("12.345"), currency_code="USD", on=date(2026, 1, 9))
    assert (dollars.amount, dollars.rate) == (Decimal("12.34"), None)


def test_a_missing_rate_says_which_currency_and_month():
    with pytest.raises(ValidationError, match="BRL in or before 2026-02"):
        services.usd_amount(amount=Decimal("10"), currency_code="BRL", on=date(2026, 2, 1))


def test_floats_are_refused_as_money():
    with pytest.raises(TypeError):
        services.usd_amount(amount=10.5, currency_code="USD", on=date(2026, 2, 1))


@pytest.mark.parametrize(
    ("currency", "value", "field"),
    [
        ("EUR", "0", "usd_per_unit"),
        ("EUR", "-1.2", "usd_per_unit"),
        ("EUR", "abc", "usd_per_unit"),
        ("EUR", "NaN", "usd_per_unit"),
        ("EUR", "Infinity", "usd_per_unit"),
        ("EUR", "1e30", "usd_per_unit"),
        ("ZZZ", "1.1", "currency"),
        ("USD", "1", "currency"),
    ],
)
def test_bad_rates_are_refused_with_a_reason_and_nothing_is_saved(currency, value, field):
    with pytest.raises(ValidationError) as refused:
        services.exchange_rate_set(currency_code=currency, month=date(2026, 1, 1), usd_per_unit=value)
    assert field in refused.value.message_dict
    assert not ExchangeRate.objects.exists()


def test_the_database_refuses_a_rate_that_is_not_positive_or_not_on_the_first():
    euro = Currency.objects.get(code="EUR")
    for month, value in ((date(2026, 1, 1), Decimal("0")), (date(2026, 1, 2), Decimal("1.1"))):
        with pytest.raises(IntegrityError), transaction.atomic():
            ExchangeRate.objects.create(currency=euro, month=month, usd_per_unit=value)


def test_a_steward_sets_a_rate_in_the_admin_through_the_service(client, steward):
    client.force_login(steward)
    response = client.post(
        "/admin/resources/exchangerate/add/", {"currency": "EUR", "month": "2026-04-01", "usd_per_unit": "1.07"}
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    rate = ExchangeRate.objects.get()
    assert (rate.set_by, rate.usd_per_unit) == (steward, Decimal("1.07"))


def test_nobody_but_stewards_opens_the_rates_in_the_admin(client, staff, funder):
    for person in (staff, funder):
        client.force_login(person)
        assert client.get("/admin/resources/exchangerate/").status_code == 302


def test_the_demo_sets_two_years_of_rates_once():
    from resources import demo

    demo.load({}, password="x")
    count = ExchangeRate.objects.count()
    assert count == len(demo.START_RATES) * demo.MONTHS
    assert demo.load({}, password="x") == "0 exchange rates"
    assert ExchangeRate.objects.count() == count
