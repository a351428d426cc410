"""Measurements written straight into the table, for the report builder's tests."""

from datetime import date
from decimal import Decimal

from capacity.models import CapacityCategory, Region
from evaluation.models import Indicator, Measurement, Source
from tests.factories import OrganizationFactory, ProgramFactory

_counter = iter(range(1, 10**9))


def indicator(code):
    return Indicator.objects.get(code=code)


def measure(
    code,
    *,
    value=0,
    people=None,
    on=date(2025, 2, 10),
    program=None,
    organization=None,
    region=None,
    category=None,
    method=None,
    dimension="",
    answer="",
    numerator=None,
    denominator=None,
    source_id=None,
):
    if program is not None:
        organization = organization or program.provider
        region = region or program.region
        method = method if method is not None else program.method
    return Measurement.objects.create(
        indicator=indicator(code),
        value=Decimal(value),
        numerator=None if numerator is None else Decimal(numerator),
        denominator=None if denominator is None else Decimal(denominator),
        people=people if people is not None else int(value),
        date=on,
        source=Source.ACTIVITY_REPORT,
        source_id=source_id or next(_counter),
        organization=organization,
        program=program,
        region=region,
        is_emerging=bool(region and region.is_emerging),
        category=category,
        method=method or "",
        dimension=dimension,
        answer=answer,
    )


def regions():
    emerging = Region.objects.filter(is_emerging=True).order_by("slug")
    established = Region.objects.filter(is_emerging=False).order_by("slug")
    return list(emerging), list(established)


def program_in(region, *, method="workshop", categories=None):
    provider = OrganizationFactory(region=region)
    return ProgramFactory(provider=provider, region=region, method=method, categories=categories)


def categories():
    return list(CapacityCategory.objects.order_by("slug")[:3])
