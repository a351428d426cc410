"""Fixtures the funding tests share: rates in euros and an approved euro allocation, and one waiting for a rate.

A module that defines a fixture of the same name uses its own.
"""

from datetime import date
from decimal import Decimal

import pytest

from resources import services
from resources.models import Allocation
from tests.factories import FundFactory


@pytest.fixture
def rates(steward):
    services.exchange_rate_set(currency_code="EUR", month=date(2026, 1, 1), usd_per_unit="1.10", by=steward)
    services.exchange_rate_set(currency_code="EUR", month=date(2026, 3, 1), usd_per_unit="1.05", by=steward)


@pytest.fixture
def allocation(funding_organization, organization, funder, rates):
    fund = FundFactory(funder=funding_organization, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    allocation = services.allocation_save(
        allocation=Allocation(
            fund=fund,
            recipient=organization,
            amount=Decimal("1000.00"),
            currency_id="EUR",
            starts_on=date(2026, 2, 1),
            ends_on=date(2026, 10, 31),
        ),
        by=funder,
    )
    services.allocation_move(allocation=allocation, to_status="approved", by=funder)
    return allocation


@pytest.fixture
def allocation_waiting_for_a_rate(funding_organization, organization, funder):
    """A proposed allocation in West African CFA francs, a currency with no rate yet."""
    fund = FundFactory(funder=funding_organization, currency_id="XOF")
    return services.allocation_save(
        allocation=Allocation(
            fund=fund,
            recipient=organization,
            amount=Decimal("500000"),
            currency_id="XOF",
            starts_on=date(2026, 5, 1),
            ends_on=date(2026, 6, 1),
        ),
        by=funder,
    )
