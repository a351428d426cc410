"""Stewards read funds and allocations in the admin; a fund saved there goes through the service."""

from datetime import date

import pytest

from resources.models import Fund
from tests.factories import AllocationFactory

pytestmark = pytest.mark.django_db


def fund_form(funder):
    return {"funder": funder.pk, "name": "Rapid fund 2026", "currency": "EUR", "starts_on": "2026-01-01"}


def test_a_steward_adds_a_fund_and_its_history_says_who(client, steward, funding_organization):
    client.force_login(steward)
    response = client.post("/admin/resources/fund/add/", {**fund_form(funding_organization), "ends_on": "2026-12-31"})
    assert response.status_code == 302
    fund = Fund.objects.get()
    assert (fund.funder, fund.ends_on) == (funding_organization, date(2026, 12, 31))
    assert fund.history.get().history_user == steward


def test_the_admin_refuses_a_fund_of_an_organization_that_is_not_a_funder(client, steward, organization):
    client.force_login(steward)
    response = client.post("/admin/resources/fund/add/", {**fund_form(organization), "ends_on": "2026-12-31"})
    assert response.status_code == 200
    assert "Only a funder organization has funds." in response.content.decode()
    assert not Fund.objects.exists()


def test_the_admin_refuses_a_fund_that_ends_before_it_starts(client, steward, funding_organization):
    client.force_login(steward)
    response = client.post("/admin/resources/fund/add/", {**fund_form(funding_organization), "ends_on": "2025-12-31"})
    assert response.status_code == 200
    assert "A fund cannot end before it starts." in response.content.decode()
    assert not Fund.objects.exists()


def test_allocations_are_read_in_the_admin_with_their_history_and_not_changed_there(client, steward):
    allocation = AllocationFactory()
    client.force_login(steward)
    assert client.get("/admin/resources/allocation/").status_code == 200
    assert client.get(f"/admin/resources/allocation/{allocation.pk}/change/").status_code == 200
    assert client.get(f"/admin/resources/allocation/{allocation.pk}/history/").status_code == 200
    assert client.get("/admin/resources/allocation/add/").status_code == 403
    response = client.post(f"/admin/resources/allocation/{allocation.pk}/change/", {"status": "closed"})
    assert response.status_code == 403
    allocation.refresh_from_db()
    assert allocation.status == "proposed"
