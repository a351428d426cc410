"""The demo's funding story: funds in several currencies, allocations everywhere, spending with receipts.

Checked by tests/capacity/test_demo.py, which runs the demo (twice) once for every story.
"""

import json

from django.urls import reverse

from capacity.models import Region
from resources.models import Allocation, AllocationMethod, Expenditure, Fund, Receipt
from resources.selectors import hours, with_usage
from tests.resources.test_open_data import _validator


def state():
    return {
        "funds": list(Fund.objects.order_by("pk").values_list("pk", "name", "currency_id")),
        "allocations": list(
            Allocation.objects.order_by("pk").values_list("pk", "status", "amount", "usd_amount", "usd_rate_id")
        ),
        "expenditures": list(Expenditure.objects.order_by("pk").values_list("pk", "amount", "usd_amount")),
        "receipts": Receipt.objects.count(),
        "history": Allocation.history.count(),
    }


def check(client):
    """The demo funds every region in every status."""
    # Funds of both demo funders, in three currencies.
    assert Fund.objects.values("funder").distinct().count() == 2
    assert {"USD", "EUR", "CHF"} <= set(Fund.objects.values_list("currency_id", flat=True))
    # Allocations in every region (emerging or not), every status and kind, with purposes and methods.
    assert set(Allocation.objects.values_list("recipient__region", flat=True)) == set(
        Region.objects.values_list("pk", flat=True)
    )
    assert set(Allocation.objects.values_list("status", flat=True)) == set(Allocation.Status.values)
    assert set(Allocation.objects.values_list("kind", flat=True)) == set(Allocation.Kind.values)
    assert not Allocation.objects.filter(categories__isnull=True).exists()
    assert AllocationMethod.objects.values("method").distinct().count() >= 6
    assert Allocation.objects.filter(programs__isnull=False).distinct().count() >= 10
    # Made through the services: every valued allocation has its US dollar value.
    assert not Allocation.objects.exclude(kind="time", value_per_hour__isnull=True).filter(usd_amount=None).exists()
    # Spending has receipts (PDF), and exactly one expenditure went beyond its allocation, with the reason.
    assert Expenditure.objects.count() == Receipt.objects.count() > 5
    assert set(Receipt.objects.values_list("content_type", flat=True)) == {"application/pdf"}
    overspent = [allocation for allocation in with_usage(Allocation.objects.all()) if allocation.overspent]
    assert len(overspent) == 1
    assert Expenditure.objects.filter(allocation=overspent[0]).exclude(overspend_reason="").count() == 1
    # People's time shows the hours given in its programs' reported sessions.
    time = with_usage(Allocation.objects.filter(kind="time", programs__isnull=False).distinct())
    assert any(hours(allocation.time_used) for allocation in time)

    # The public figures and the 360Giving package work on the demo.
    assert client.get(reverse("funding:open")).status_code == 200
    response = client.get(reverse("funding:open_360giving"))
    _validator().validate(json.loads(b"".join(response.streaming_content)))
