"""The funder's and the recipient's funding pages: who reaches what, what they show, and bad input changing nothing."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from programs.models import ActivityReport
from resources import dashboard, services
from resources.models import Allocation, Expenditure, Fund, Receipt
from stakeholders.models import Membership, Organization
from stakeholders.services import organization_update
from tests.factories import (
    AllocationFactory,
    FundFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def rates(steward):
    services.exchange_rate_set(currency_code="EUR", month=date(2026, 1, 1), usd_per_unit="1.10", by=steward)


@pytest.fixture
def fund(funding_organization):
    return FundFactory(
        funder=funding_organization, name="Open fund", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)
    )


def propose(fund, recipient, by, **fields):
    fields = {
        "amount": Decimal("1000.00"),
        "currency_id": "EUR",
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 10, 31),
        **fields,
    }
    return services.allocation_save(allocation=Allocation(fund=fund, recipient=recipient, **fields), by=by)


@pytest.fixture
def allocation(rates, fund, organization, funder):
    allocation = propose(fund, organization, funder)
    services.allocation_move(allocation=allocation, to_status="approved", by=funder)
    return allocation


@pytest.fixture
def member(organization):
    """A plain member of the recipient: reads its allocations, records nothing."""
    return MembershipFactory(organization=organization, user=UserFactory(username="member"), role="member").user


@pytest.fixture
def other_funder(db):
    """Staff of another funder: none of `funding_organization`'s funds or allocations."""
    other = OrganizationFactory(slug="other-fund", name="Other Fund", kind=Organization.Kind.FUNDER)
    return MembershipFactory(organization=other, user=UserFactory(username="otherfunder")).user


@pytest.fixture
def people(volunteer, other_staff, other_funder, member, staff, funder, steward):
    return {
        "anonymous": None,
        "volunteer": volunteer,
        "other_staff": other_staff,
        "other_funder": other_funder,
        "member": member,
        "staff": staff,
        "funder": funder,
        "steward": steward,
    }


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def outcome(response):
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return "login"
    return response.status_code


def spend(allocation, amount, by, receipt=None, **fields):
    fields.setdefault("spent_on", date(2026, 3, 15))
    fields.setdefault("category", Expenditure.Category.VENUE)
    return services.expenditure_save(
        expenditure=Expenditure(allocation=allocation, amount=Decimal(amount), **fields), receipt=receipt, by=by
    )


def receipt_file(name="receipt.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- who reaches what -----------------------------------------------------------------------

READERS = {"member": 200, "staff": 200, "funder": 200, "steward": 200}
NOBODY_ELSE = {"anonymous": "login", "volunteer": 404, "other_staff": 404, "other_funder": 404}


def expect(**outcomes):
    return {**NOBODY_ELSE, **outcomes}


PAGES = [
    # (url name, kwargs builder, {persona: outcome})
    ("funding:allocation", lambda a, e: {"allocation_id": a.pk}, expect(**READERS)),
    (
        "funding:allocation_edit",
        lambda a, e: {"allocation_id": a.pk},
        # Approved: the funder is sent back to the page with why; its readers who cannot change it are refused.
        expect(member=403, staff=403, funder=302, steward=302),
    ),
    (
        "funding:expenditure_new",
        lambda a, e: {"allocation_id": a.pk},
        expect(member=403, staff=200, funder=403, steward=200),
    ),
    (
        "funding:expenditure_edit",
        lambda a, e: {"expenditure_id": e.pk},
        expect(member=403, staff=200, funder=403, steward=200),
    ),
    (
        "funding:expenditure_delete",
        lambda a, e: {"expenditure_id": e.pk},
        expect(member=403, staff=200, funder=403, steward=200),
    ),
    ("funding:receipt", lambda a, e: {"expenditure_id": e.pk}, expect(**READERS)),
    (
        "funding:fund",
        lambda a, e: {"fund_id": a.fund_id},
        expect(member=404, staff=404, funder=200, steward=200),
    ),
    (
        "funding:fund_edit",
        lambda a, e: {"fund_id": a.fund_id},
        expect(member=404, staff=404, funder=200, steward=200),
    ),
    (
        "funding:allocate",
        lambda a, e: {"fund_id": a.fund_id},
        expect(member=404, staff=404, funder=200, steward=200),
    ),
    # Lists: who manages no funder is refused; the other funder sees its own (none of these).
    (
        "funding:funds",
        None,
        expect(volunteer=403, other_staff=403, other_funder=200, member=403, staff=403, funder=200, steward=200),
    ),
    (
        "funding:fund_new",
        None,
        expect(volunteer=403, other_staff=403, other_funder=200, member=403, staff=403, funder=200, steward=200),
    ),
    ("funding:received", None, expect(volunteer=200, other_staff=200, other_funder=200, **READERS)),
]


@pytest.mark.parametrize(("name", "kwargs", "outcomes"), PAGES, ids=[page[0] for page in PAGES])
def test_each_person_reaches_exactly_the_pages_their_roles_allow(allocation, staff, people, name, kwargs, outcomes):
    expenditure = spend(allocation, "10.00", staff, receipt=services.receipt_check(filename="r.pdf", content=PDF))
    url = reverse(name, kwargs=kwargs(allocation, expenditure) if kwargs else None)
    got = {persona: outcome(client_for(user).get(url)) for persona, user in people.items()}
    assert got == outcomes


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("funding:allocation_move", "get"),
        ("funding:receipt", "post"),
        ("funding:allocation", "post"),
        ("funding:funds", "post"),
        ("funding:received", "delete"),
        ("funding:expenditure_delete", "put"),
    ],
)
def test_a_wrong_http_method_is_refused_and_changes_nothing(allocation, staff, steward, name, method):
    expenditure = spend(allocation, "10.00", staff)
    kwargs = {
        "funding:allocation_move": {"allocation_id": allocation.pk},
        "funding:allocation": {"allocation_id": allocation.pk},
        "funding:receipt": {"expenditure_id": expenditure.pk},
        "funding:expenditure_delete": {"expenditure_id": expenditure.pk},
    }.get(name)
    response = getattr(client_for(steward), method)(reverse(name, kwargs=kwargs))
    assert response.status_code == 405
    assert Expenditure.objects.filter(pk=expenditure.pk).exists()
    allocation.refresh_from_db()
    assert allocation.status == "approved"


# --- funds -------------------------------------------------------------------------------------


def test_the_fund_list_adds_up_committed_and_paid_out_in_the_fund_s_currency(rates, fund, organization, funder):
    paid = propose(fund, organization, funder, amount=Decimal("700.00"))
    for status in ("approved", "disbursed"):
        services.allocation_move(allocation=paid, to_status=status, by=funder)
    approved = propose(fund, organization, funder, amount=Decimal("200.50"))
    services.allocation_move(allocation=approved, to_status="approved", by=funder)
    time = propose(
        fund, organization, funder, kind="time", amount=None, hours=Decimal("10"), value_per_hour=Decimal("30")
    )
    services.allocation_move(allocation=time, to_status="approved", by=funder)
    propose(fund, organization, funder, amount=Decimal("99.00"))  # proposed only
    declined = propose(fund, organization, funder, amount=Decimal("5000.00"))
    services.allocation_move(allocation=declined, to_status="declined", by=funder)
    in_usd = propose(fund, organization, funder, amount=Decimal("40.00"), currency_id="USD")
    services.allocation_move(allocation=in_usd, to_status="approved", by=funder)

    response = client_for(funder).get(reverse("funding:funds"))

    [row] = response.context["page"].object_list
    assert row.allocated == Decimal("1200.50")  # 700 + 200.50 + 10 h × 30
    assert row.disbursed == Decimal("700.00")
    assert row.proposed == Decimal("99.00")
    assert (row.other_currency_count, row.other_currency_usd) == (1, Decimal("40.00"))
    assert "1,200.50 EUR" in response.content.decode()


def test_the_fund_list_says_which_rates_its_usd_sums_used_and_how_many_are_not_converted(
    rates, fund, organization, funder, steward
):
    converted = propose(fund, organization, funder, amount=Decimal("40.00"), currency_id="GBP")
    waiting = propose(fund, organization, funder, amount=Decimal("50000"), currency_id="XOF")
    services.exchange_rate_set(currency_code="GBP", month=date(2026, 1, 1), usd_per_unit="1.25", by=steward)
    for allocation in (converted, waiting):
        services.allocation_move(allocation=allocation, to_status="approved", by=funder)

    response = client_for(funder).get(reverse("funding:funds"))

    [row] = response.context["page"].object_list
    assert (row.other_currency_count, row.other_currency_usd, row.other_currency_unconverted) == (
        2,
        Decimal("50.00"),
        1,
    )
    page = response.content.decode()
    assert (
        "and 2 allocations in other currencies (50.00 USD) · 1 of them has no rate yet and is not in the USD sum."
        in page
    )
    assert response.context["rates"]["currencies"] == ["GBP"]
    assert "1 monthly rate (GBP, January 2026–January 2026)" in page


def test_the_fund_list_shows_no_rates_note_when_every_allocation_is_in_the_fund_s_currency(
    rates, fund, organization, funder
):
    services.allocation_move(allocation=propose(fund, organization, funder), to_status="approved", by=funder)
    response = client_for(funder).get(reverse("funding:funds"))
    assert response.context["rates"] is None
    assert "monthly rate" not in response.content.decode()


def test_a_funder_s_staff_see_only_their_funds_and_stewards_see_all(fund, other_funder, steward):
    other = FundFactory(funder=other_funder.memberships.get().organization, name="Their fund")
    mine = client_for(other_funder).get(reverse("funding:funds")).context["page"].object_list
    assert [row.pk for row in mine] == [other.pk]
    everything = client_for(steward).get(reverse("funding:funds")).context["page"].object_list
    assert {row.pk for row in everything} == {fund.pk, other.pk}


def queries_of(client, url, django_assert_max_num_queries, ceiling):
    """How many queries the page costs, within its ceiling."""
    with django_assert_max_num_queries(ceiling) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response


def test_the_fund_list_costs_the_same_queries_for_3_or_30_funds(
    funding_organization, organization, funder, django_assert_max_num_queries
):
    def add_funds(count):
        for number in range(count):
            fund = FundFactory(funder=funding_organization, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
            AllocationFactory(fund=fund, recipient=organization, status="approved")
            AllocationFactory(fund=fund, recipient=organization, currency_id="USD", status="disbursed", amount=number)
            AllocationFactory(fund=fund, recipient=organization, currency_id="XOF", status="approved")

    client, url = client_for(funder), reverse("funding:funds")
    add_funds(3)
    small, response = queries_of(client, url, django_assert_max_num_queries, 10)
    assert len(response.context["page"].object_list) == 3
    assert response.context["rates"] is not None  # the rates note is part of the count
    add_funds(27)
    large, response = queries_of(client, url, django_assert_max_num_queries, 10)
    assert len(response.context["page"].object_list) == 25
    assert small == large


def test_a_funder_s_staff_create_a_fund_and_its_history_says_who(funding_organization, funder):
    response = client_for(funder).post(
        reverse("funding:fund_new"),
        {
            "funder": "wiki-fund",
            "name": "Skills 2027",
            "currency": "EUR",
            "starts_on": "2027-01-01",
            "ends_on": "2027-12-31",
        },
    )
    assert response.status_code == 302
    fund = Fund.objects.get(name="Skills 2027")
    assert (fund.funder, fund.currency_id) == (funding_organization, "EUR")
    assert fund.history.get().history_user == funder


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": "2026-01-01", "starts_on": "2026-12-31"}, "A fund cannot end before it starts."),
        ({"name": "Line one\r\nLine two"}, ""),
        ({"currency": "ZZZ"}, "Select a valid choice"),
        ({"funder": "other-fund"}, "Select a valid choice"),  # a funder the person does not manage
        ({"funder": "wiki-learning-hub"}, "Select a valid choice"),  # not a funder at all
        ({"starts_on": "yesterday"}, "Enter a valid date"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_a_bad_fund_is_refused_with_a_message_and_nothing_is_saved(
    funding_organization, other_funder, organization, funder, changes, message
):
    data = {
        "funder": "wiki-fund",
        "name": "Skills",
        "currency": "EUR",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
    }
    response = client_for(funder).post(reverse("funding:fund_new"), {**data, **changes})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert message in response.content.decode()
    assert not Fund.objects.exists()


def test_another_funder_cannot_edit_or_allocate_from_a_fund_by_posting_its_id(fund, organization, other_funder):
    client = client_for(other_funder)
    data = {
        "funder": "other-fund",
        "name": "Mine now",
        "currency": "EUR",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
    }
    assert client.post(reverse("funding:fund_edit", kwargs={"fund_id": fund.pk}), data).status_code == 404
    allocate = {"recipient": organization.slug, "kind": "money", "amount": "5", "currency": "EUR", **data}
    assert client.post(reverse("funding:allocate", kwargs={"fund_id": fund.pk}), allocate).status_code == 404
    fund.refresh_from_db()
    assert fund.name == "Open fund"
    assert not Allocation.objects.exists()


def test_the_funder_s_staff_edit_their_fund(fund, funder):
    data = {
        "funder": "wiki-fund",
        "name": "Renamed",
        "currency": "EUR",
        "starts_on": "2026-01-01",
        "ends_on": "2026-06-30",
    }
    response = client_for(funder).post(reverse("funding:fund_edit", kwargs={"fund_id": fund.pk}), data)
    assert response.status_code == 302
    fund.refresh_from_db()
    assert (fund.name, fund.ends_on) == ("Renamed", date(2026, 6, 30))


# --- allocating ----------------------------------------------------------------------------------

ALLOCATE = {
    "recipient": "wiki-learning-hub",
    "kind": "money",
    "amount": "1500.00",
    "currency": "EUR",
    "starts_on": "2026-02-01",
    "ends_on": "2026-10-31",
    "categories": ["event-organizing"],
    "methods": ["workshop", "mentoring"],
}


def test_the_funder_s_staff_propose_an_allocation_with_its_purpose(rates, fund, organization, funder):
    response = client_for(funder).post(reverse("funding:allocate", kwargs={"fund_id": fund.pk}), ALLOCATE)
    allocation = Allocation.objects.get()
    assert response["Location"] == reverse("funding:allocation", kwargs={"allocation_id": allocation.pk})
    assert (allocation.recipient, allocation.amount, allocation.status) == (organization, Decimal("1500"), "proposed")
    assert allocation.usd_amount == Decimal("1650.00")
    assert [category.slug for category in allocation.categories.all()] == ["event-organizing"]
    assert sorted(allocation.methods.values_list("method", flat=True)) == ["mentoring", "workshop"]


def test_the_allocate_form_offers_the_recipients_and_defaults_to_the_fund_s_currency(fund, organization, funder):
    FundFactory(funder__slug="a-funder-not-offered")
    response = client_for(funder).get(reverse("funding:allocate", kwargs={"fund_id": fund.pk}))
    page = response.content.decode()
    assert '<datalist id="recipient-choices">' in page
    assert '<option value="wiki-learning-hub">Wiki Learning Hub</option>' in page
    assert 'value="wiki-fund"' not in page and "a-funder-not-offered" not in page
    assert response.context["form"]["currency"].value() == "EUR"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "-5"}, "An amount cannot be negative."),
        ({"amount": "99999999999999"}, "check the decimal point"),
        ({"amount": "abc"}, "Enter a number."),
        ({"amount": "NaN"}, "Enter a number."),
        ({"amount": "Infinity"}, "Enter a number."),
        ({"amount": "10.123"}, "EUR amounts have at most 2 decimal places."),
        ({"amount": ""}, "Give the amount of money."),
        ({"currency": "XXY"}, "Select a valid choice"),
        ({"currency": "eur\r\n"}, "Select a valid choice"),
        ({"recipient": "wiki-fund"}, "No organization that can receive resources"),
        ({"recipient": "nobody-here"}, "No organization that can receive resources"),
        ({"recipient": "wiki-learning-hub\r\nX"}, ""),
        ({"kind": "gold"}, "Select a valid choice"),
        ({"kind": "in_kind"}, "Describe the in-kind support."),
        ({"kind": "time", "hours": ""}, "Give the number of hours."),
        ({"kind": "time", "hours": "0"}, "Give a number of hours above zero."),
        ({"kind": "time", "hours": "5000000"}, "check the decimal point"),
        ({"ends_on": "2026-01-01"}, "An allocation cannot end before it starts."),
        ({"methods": ["juggling"]}, "Select a valid choice"),
        ({"categories": ["no-such-capacity"]}, "Select a valid choice"),
    ],
)
def test_a_bad_allocation_is_refused_with_a_message_and_nothing_is_saved(fund, organization, funder, changes, message):
    response = client_for(funder).post(
        reverse("funding:allocate", kwargs={"fund_id": fund.pk}), {**ALLOCATE, **changes}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert message in response.content.decode()
    assert not Allocation.objects.exists()


def test_time_is_allocated_in_hours_and_stray_money_fields_are_left_out(fund, organization, funder):
    data = {**ALLOCATE, "kind": "time", "amount": "500", "hours": "12.5", "value_per_hour": "40"}
    client_for(funder).post(reverse("funding:allocate", kwargs={"fund_id": fund.pk}), data)
    allocation = Allocation.objects.get()
    assert (allocation.kind, allocation.amount, allocation.hours) == ("time", None, Decimal("12.5"))


def test_the_second_step_offers_the_recipient_s_programs_and_refuses_anyone_else_s(
    fund, organization, other_organization, funder
):
    allocation = propose(fund, organization, funder)
    ours = ProgramFactory(provider=organization, slug="ours")
    ProgramFactory(provider=other_organization, slug="theirs")
    url = reverse("funding:allocation_edit", kwargs={"allocation_id": allocation.pk})
    client = client_for(funder)
    page = client.get(url).content.decode()
    assert 'value="ours"' in page and 'value="theirs"' not in page
    assert 'name="amount" value="1000"' in page  # as typed, not 1E+3

    data = {**ALLOCATE, "amount": "800", "programs": ["theirs"]}
    del data["recipient"]
    response = client.post(url, data)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    allocation.refresh_from_db()
    assert allocation.amount == Decimal("1000") and not allocation.programs.exists()

    assert client.post(url, {**data, "programs": ["ours"]}).status_code == 302
    allocation.refresh_from_db()
    assert allocation.amount == Decimal("800") and list(allocation.programs.all()) == [ours]


def test_an_approved_allocation_cannot_be_edited_and_says_why(allocation, funder):
    url = reverse("funding:allocation_edit", kwargs={"allocation_id": allocation.pk})
    response = client_for(funder).post(url, {**ALLOCATE, "amount": "1"}, follow=True)
    assert "only a proposed allocation can be changed" in response.content.decode()
    allocation.refresh_from_db()
    assert allocation.amount == Decimal("1000")


# --- the allocation's page ---------------------------------------------------------------------


def test_the_page_shows_the_value_in_usd_with_the_rate_used(allocation, member):
    page = client_for(member).get(reverse("funding:allocation", kwargs={"allocation_id": allocation.pk}))
    assert "= 1,100.00 USD at 1.10 USD per EUR, rate of 2026-01" in page.content.decode()


def test_an_amount_without_a_rate_says_it_is_not_converted_yet(fund, organization, funder):
    allocation = propose(fund, organization, funder, currency_id="XOF", amount=Decimal("50000"))
    page = client_for(funder).get(reverse("funding:allocation", kwargs={"allocation_id": allocation.pk}))
    assert "Not converted yet: no rate for XOF." in page.content.decode()


def test_the_page_shows_programs_time_used_and_the_status_timeline(fund, organization, funder, steward):
    funder.display_name = "Fatou of the Fund"
    funder.save()
    program = ProgramFactory(provider=organization, slug="wikidata-basics")
    starts = timezone.make_aware(timezone.datetime(2026, 3, 2, 10))
    session = SessionFactory(program=program, starts_at=starts, ends_at=starts + timedelta(hours=2))
    ActivityReport.objects.create(session=session, participants=12, facilitators=3, hours_of_learning=24)
    allocation = propose(fund, organization, funder, kind="time", amount=None, currency_id=None, hours=Decimal("40"))
    allocation.programs.set([program])
    services.allocation_move(allocation=allocation, to_status="approved", by=steward)

    response = client_for(funder).get(reverse("funding:allocation", kwargs={"allocation_id": allocation.pk}))

    assert response.context["time_used"] == Decimal("6.00")  # 3 facilitators × 2 hours
    [row] = response.context["programs"]
    assert (row.participants, row.learning_hours, row.reports) == (12, Decimal("24.0"), 1)
    assert [(step["code"], step["by"]) for step in response.context["timeline"]] == [
        ("proposed", "Fatou of the Fund"),
        ("approved", steward.public_name),
    ]
    page = response.content.decode()
    assert reverse("programs:detail", kwargs={"slug": "wikidata-basics"}) in page
    assert "No value in money" in page


def reported_session(program, day, participants, *, cancelled=False, facilitators=1, hours_of_learning=2):
    starts = timezone.make_aware(timezone.datetime(2026, *day, 10))
    session = SessionFactory(program=program, starts_at=starts, ends_at=starts + timedelta(hours=2))
    ActivityReport.objects.create(
        session=session, participants=participants, facilitators=facilitators, hours_of_learning=hours_of_learning
    )
    if cancelled:
        session.is_cancelled = True
        session.save(update_fields=["is_cancelled"])
    return session


def test_the_allocation_page_lists_the_sessions_counted_and_links_reports_only_for_the_recipient_s_staff(
    allocation, organization, staff, funder, member
):
    program = ProgramFactory(provider=organization, slug="wikidata-basics")
    counted = reported_session(program, (3, 2), 12, facilitators=3, hours_of_learning=24)
    outside = reported_session(program, (11, 20), 7)  # after the allocation ends (31 October)
    cancelled = reported_session(program, (4, 1), 5, cancelled=True)
    Allocation.programs.through.objects.create(allocation=allocation, program=program)
    url = reverse("funding:allocation", kwargs={"allocation_id": allocation.pk})
    report_url = reverse("reports:report", kwargs={"session_id": counted.pk})

    as_funder = client_for(funder).get(url)
    assert [session.pk for session in as_funder.context["sessions"]] == [counted.pk]
    [row] = as_funder.context["sessions"]
    assert (row.report.participants, row.report.facilitators, row.report.hours_of_learning) == (12, 3, Decimal("24.0"))
    page = as_funder.content.decode()
    assert "Sessions counted" in page
    assert report_url not in page  # the funder reads the figures; the report is the recipient's
    for other in (outside, cancelled):
        assert reverse("reports:report", kwargs={"session_id": other.pk}) not in page

    as_staff = client_for(staff).get(url).content.decode()
    assert report_url in as_staff
    assert client_for(staff).get(report_url).status_code == 200  # the link opens

    as_member = client_for(member).get(url)
    assert as_member.context["sessions"] == []
    assert report_url not in as_member.content.decode()


def test_overspending_is_flagged_with_its_reasons(allocation, staff, member):
    spend(allocation, "900.00", staff)
    spend(allocation, "300.00", staff, overspend_reason="The venue doubled its price.")
    response = client_for(member).get(reverse("funding:allocation", kwargs={"allocation_id": allocation.pk}))
    assert response.context["overspent"] is True
    assert response.context["remaining"] == Decimal("-200.00")
    page = response.content.decode()
    assert "Overspent" in page and "The venue doubled its price." in page
    # A member reads; only the recipient's staff record and correct.
    assert reverse("funding:expenditure_new", kwargs={"allocation_id": allocation.pk}) not in page


def test_the_allocation_page_costs_the_same_queries_for_3_or_30_expenditures(
    allocation, organization, staff, django_assert_max_num_queries
):
    program = ProgramFactory(provider=organization)
    Allocation.programs.through.objects.create(allocation=allocation, program=program)

    def add_spending(count):
        for number in range(count):
            spend(allocation, "1.00", staff, receipt=services.receipt_check(filename="r.png", content=PNG))
            reported_session(program, (3, 1 + number % 28), 4)  # the sessions counted grow too

    client, url = client_for(staff), reverse("funding:allocation", kwargs={"allocation_id": allocation.pk})
    add_spending(3)
    small, response = queries_of(client, url, django_assert_max_num_queries, 20)
    add_spending(27)
    large, response = queries_of(client, url, django_assert_max_num_queries, 20)
    assert len(response.context["expenditures"]) == 30
    assert len(response.context["sessions"]) == 30
    assert small == large


# --- status moves --------------------------------------------------------------------------------


def test_only_the_moves_allowed_from_the_status_are_offered_and_only_to_the_funder(allocation, funder, staff):
    url = reverse("funding:allocation", kwargs={"allocation_id": allocation.pk})
    assert client_for(funder).get(url).context["moves"] == ["disbursed", "declined"]
    page = client_for(staff).get(url)
    assert page.context["moves"] == []
    assert 'name="to_status"' not in page.content.decode()


def test_the_funder_moves_the_allocation_and_the_history_says_who(allocation, funder):
    url = reverse("funding:allocation_move", kwargs={"allocation_id": allocation.pk})
    assert client_for(funder).post(url, {"to_status": "disbursed"}).status_code == 302
    allocation.refresh_from_db()
    assert allocation.status == "disbursed"
    assert allocation.history.first().history_user == funder


@pytest.mark.parametrize(
    ("persona", "to_status", "code"),
    [
        ("staff", "disbursed", 403),
        ("member", "disbursed", 403),
        ("volunteer", "disbursed", 404),
        ("other_funder", "disbursed", 404),
        ("funder", "closed", 400),  # not allowed from approved
        ("funder", "proposed", 400),
        ("funder", "paid\r\nout", 400),
        ("funder", "", 400),
    ],
)
def test_a_move_that_is_not_allowed_changes_nothing(allocation, people, persona, to_status, code):
    url = reverse("funding:allocation_move", kwargs={"allocation_id": allocation.pk})
    response = client_for(people[persona]).post(url, {"to_status": to_status})
    assert response.status_code == code
    allocation.refresh_from_db()
    assert allocation.status == "approved"


def test_an_allocation_with_spending_cannot_be_declined_and_the_button_is_hidden(allocation, staff, funder):
    spend(allocation, "100.00", staff)
    with pytest.raises(ValidationError, match="it cannot be declined"):
        services.allocation_move(allocation=allocation, to_status="declined", by=funder)

    url = reverse("funding:allocation", kwargs={"allocation_id": allocation.pk})
    page = client_for(funder).get(url)
    assert page.context["moves"] == ["disbursed"]
    assert 'value="declined"' not in page.content.decode()

    response = client_for(funder).post(
        reverse("funding:allocation_move", kwargs={"allocation_id": allocation.pk}), {"to_status": "declined"}
    )
    assert response.status_code == 400
    assert "Spending is recorded against this allocation; it cannot be declined." in response.content.decode()
    allocation.refresh_from_db()
    assert allocation.status == "approved"
    assert allocation.history.count() == 2  # proposed, approved: nothing written


def test_an_id_that_is_not_an_allocation_is_not_found(allocation, steward):
    client = client_for(steward)
    assert client.get(f"/en/funding/allocations/{allocation.pk + 1000}/").status_code == 404
    assert client.get("/en/funding/allocations/abc/").status_code == 404
    assert client.get("/en/funding/allocations/99999999999999999999/").status_code == 404


# --- what a recipient received -----------------------------------------------------------------------


def test_a_person_in_several_organizations_sees_what_each_received_and_nobody_else_s(
    rates, fund, organization, other_organization, staff, funder
):
    MembershipFactory(organization=other_organization, user=staff, role=Membership.Role.MEMBER)
    ours = propose(fund, organization, funder)
    theirs = propose(fund, other_organization, funder)
    stranger = propose(fund, OrganizationFactory(slug="stranger", name="Stranger Org"), funder)
    response = client_for(staff).get(reverse("funding:received"))
    assert {row.pk for row in response.context["page"].object_list} == {ours.pk, theirs.pk}
    assert stranger.pk not in {row.pk for row in response.context["page"].object_list}
    assert "Stranger Org" not in response.content.decode()


def test_the_comparison_puts_the_organization_next_to_the_movement_in_aggregates_only(
    rates, fund, organization, staff, funder, settings
):
    settings.K_ANONYMITY_ACTIVITY = 1  # one other organization is enough here; the threshold is tested below
    program = ProgramFactory(provider=organization, slug="ours")
    starts = timezone.make_aware(timezone.datetime(2026, 3, 2, 10))
    ActivityReport.objects.create(
        session=SessionFactory(program=program, starts_at=starts, ends_at=starts + timedelta(hours=1)), participants=10
    )
    ours = propose(fund, organization, funder)  # 1,100 USD
    services.allocation_move(allocation=ours, to_status="approved", by=funder)
    ours.programs.set([program])
    spend(ours, "500.00", staff)  # 550 USD

    stranger_org = OrganizationFactory(slug="stranger", name="Stranger Org")
    theirs = propose(fund, stranger_org, funder, amount=Decimal("3000.00"))  # 3,300 USD
    services.allocation_move(allocation=theirs, to_status="approved", by=funder)
    spend(theirs, "3000.00", MembershipFactory(organization=stranger_org).user)  # 3,300 USD
    propose(fund, stranger_org, funder, amount=Decimal("9000.00"))  # proposed: not counted
    time = propose(
        fund, organization, funder, kind="time", amount=None, hours=Decimal("10"), value_per_hour=Decimal("10")
    )
    services.allocation_move(allocation=time, to_status="approved", by=funder)  # 110 USD, no spending share

    response = client_for(staff).get(reverse("funding:received"))

    comparison = response.context["comparison"]
    [mine] = comparison["organizations"]
    assert mine["name"] == "Wiki Learning Hub"
    assert (mine["allocated_usd"], mine["spent_usd"], mine["spent_share"]) == (
        Decimal("1210.00"),
        Decimal("550.00"),
        Decimal("50.0"),
    )
    assert (mine["participants"], mine["cost_per_participant"]) == (10, Decimal("55.00"))
    movement = comparison["movement"]
    assert (movement["allocated_usd"], movement["spent_usd"]) == (Decimal("4510.00"), Decimal("3850.00"))
    assert movement["spent_share"] == Decimal("87.5")
    assert movement["cost_per_participant"] == Decimal("385.00")
    assert "Stranger Org" not in response.content.decode()


def test_the_recipient_s_participants_are_counted_as_the_dashboard_counts_them(
    rates, fund, organization, staff, funder, settings
):
    settings.K_ANONYMITY_ACTIVITY = 2
    program = ProgramFactory(provider=organization)
    reported_session(program, (3, 2), 10)  # within both allocations' periods: counted once
    reported_session(program, (12, 1), 100)  # after both allocations end
    reported_session(program, (4, 1), 1000, cancelled=True)
    first = propose(fund, organization, funder, ends_on=date(2026, 6, 30))
    second = propose(fund, organization, funder, starts_on=date(2026, 2, 1), ends_on=date(2026, 5, 31))
    for allocation in (first, second):
        allocation.programs.set([program])
        services.allocation_move(allocation=allocation, to_status="approved", by=funder)
    for number in range(2):  # enough other organizations for the movement row
        other = OrganizationFactory()
        other_program = ProgramFactory(provider=other)
        reported_session(other_program, (3, 3), 20 + number)
        theirs = propose(fund, other, funder)
        theirs.programs.set([other_program])
        services.allocation_move(allocation=theirs, to_status="approved", by=funder)

    comparison = client_for(staff).get(reverse("funding:received")).context["comparison"]

    [mine] = comparison["organizations"]
    assert mine["participants"] == 10
    ours = Allocation.objects.filter(recipient=organization)
    assert mine["participants"] == dashboard._reach(ours)["participants"][None]
    assert comparison["movement"]["participants"] == 51
    assert comparison["movement"]["participants"] == dashboard._reach(Allocation.objects.all())["participants"][None]


def test_the_movement_is_shown_only_with_enough_other_organizations_and_participants(
    rates, fund, organization, staff, funder, settings
):
    settings.K_ANONYMITY_ACTIVITY = 3
    services.allocation_move(allocation=propose(fund, organization, funder), to_status="approved", by=funder)
    others = []

    def add_other(participants):
        other = OrganizationFactory()
        program = ProgramFactory(provider=other)
        reported_session(program, (3, 3), participants)
        allocation = propose(fund, other, funder, amount=Decimal("2000.00"))
        allocation.programs.set([program])
        services.allocation_move(allocation=allocation, to_status="approved", by=funder)
        others.append(other)

    add_other(1)
    add_other(1)
    response = client_for(staff).get(reverse("funding:received"))
    # Two others: the movement minus our figures would give away theirs.
    assert response.context["comparison"]["movement"] is None
    page = response.content.decode()
    assert "The whole movement" not in page
    assert "figures appear once at least 3 other organizations have allocations" in page
    assert "5,500.00" not in page  # the movement's allocated USD (1,100 + 2 × 2,200)

    add_other(0)
    response = client_for(staff).get(reverse("funding:received"))
    movement = response.context["comparison"]["movement"]
    assert movement["allocated_usd"] == Decimal("7700.00")
    # Two participants in all: fewer than three, neither shown nor given away by the cost per participant.
    assert (movement["participants"], movement["cost_per_participant"]) == (None, None)
    assert "participants are not shown while fewer than 3 are counted" in response.content.decode()


def test_the_others_are_counted_without_any_of_the_reader_s_organizations(
    rates, fund, organization, other_organization, staff, funder, settings
):
    """A reader in two organizations, one with committed allocations, one with a proposed one only."""
    settings.K_ANONYMITY_ACTIVITY = 2
    MembershipFactory(organization=other_organization, user=staff, role=Membership.Role.MEMBER)
    services.allocation_move(allocation=propose(fund, organization, funder), to_status="approved", by=funder)
    propose(fund, other_organization, funder)  # proposed: neither theirs in the comparison nor another's
    url = reverse("funding:received")

    def add_other():
        services.allocation_move(
            allocation=propose(fund, OrganizationFactory(), funder), to_status="approved", by=funder
        )

    add_other()
    assert client_for(staff).get(url).context["comparison"]["movement"] is None  # one other organization
    add_other()
    comparison = client_for(staff).get(url).context["comparison"]
    assert comparison["movement"]["allocated_usd"] == Decimal("3300.00")
    assert [row["name"] for row in comparison["organizations"]] == [organization.name]


def test_the_comparison_says_which_rates_its_usd_figures_used(
    rates, fund, organization, staff, funder, steward, settings
):
    settings.K_ANONYMITY_ACTIVITY = 2
    services.allocation_move(allocation=propose(fund, organization, funder), to_status="approved", by=funder)
    page = client_for(staff).get(reverse("funding:received")).content.decode()
    assert "1 monthly rate (EUR, January 2026–January 2026)" in page

    services.exchange_rate_set(currency_code="GBP", month=date(2026, 2, 1), usd_per_unit="1.25", by=steward)
    for _number in range(2):  # the movement row is shown: its rates are named too
        other = propose(fund, OrganizationFactory(), funder, currency_id="GBP", starts_on=date(2026, 2, 1))
        services.allocation_move(allocation=other, to_status="approved", by=funder)
    page = client_for(staff).get(reverse("funding:received")).content.decode()
    assert "The whole movement" in page
    assert "2 monthly rates (EUR, GBP, January 2026–February 2026)" in page


def test_the_comparison_is_computed_once_for_every_reader_until_its_data_changes(
    rates, fund, organization, other_organization, staff, funder, settings, django_assert_max_num_queries
):
    settings.K_ANONYMITY_ACTIVITY = 1
    theirs_staff = MembershipFactory(organization=other_organization).user
    program = ProgramFactory(provider=other_organization)
    reported_session(program, (3, 3), 40)
    for recipient in (organization, other_organization):
        allocation = propose(fund, recipient, funder)
        allocation.programs.set([program] if recipient == other_organization else [])
        services.allocation_move(allocation=allocation, to_status="approved", by=funder)
    url = reverse("funding:received")

    first, response = queries_of(client_for(staff), url, django_assert_max_num_queries, 18)
    first_comparison = response.context["comparison"]
    assert first_comparison["movement"]["participants"] == 40
    # Another organization's staff: their own figures, the movement's as they were computed.
    second, response = queries_of(client_for(theirs_staff), url, django_assert_max_num_queries, 18)
    movement = response.context["comparison"]["movement"]
    assert (movement["allocated_usd"], movement["participants"]) == (Decimal("2200.00"), 40)
    assert [row["name"] for row in response.context["comparison"]["organizations"]] == [other_organization.name]
    assert {item.recipient_id for item in response.context["page"].object_list} == {other_organization.pk}
    assert organization.name not in response.content.decode()
    assert response.context["rates"]["rates"] == 1
    # The recipients, totals, spending, participants reached and rates of every committed allocation.
    assert second == first - 5
    # The same reader again: their organizations' figures too as they were computed.
    again, response = queries_of(client_for(staff), url, django_assert_max_num_queries, 18)
    assert response.context["comparison"] == first_comparison
    assert again == first - 10  # their names, totals, spending, participants, and the page of allocations

    reported_session(program, (3, 4), 2)  # new data: the next reader sees it at once
    third, response = queries_of(client_for(staff), url, django_assert_max_num_queries, 18)
    assert response.context["comparison"]["movement"]["participants"] == 42
    assert third == first
    services.allocation_move(allocation=propose(fund, organization, funder), to_status="approved", by=funder)
    movement = client_for(theirs_staff).get(url).context["comparison"]["movement"]
    assert movement["allocated_usd"] == Decimal("3300.00")
    [mine] = client_for(staff).get(url).context["comparison"]["organizations"]  # kept under this version
    assert mine["name"] == organization.name
    organization_update(organization=organization, data={"name": "Renamed Hub"}, fields=["name"])
    response = client_for(staff).get(url)
    [mine] = response.context["comparison"]["organizations"]
    assert mine["name"] == "Renamed Hub"
    assert "Renamed Hub" in response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]  # the page too


def test_the_page_of_allocations_received_is_drawn_once_until_its_data_changes(allocation, fund, staff, funder):
    for number in range(26):
        AllocationFactory(fund=fund, recipient=allocation.recipient, status="approved", amount=100 + number)
    client, url = client_for(staff), reverse("funding:received")

    def links(response):
        return re.findall(r'href="/en/funding/allocations/(\d+)/"', response.content.decode())

    first = client.get(url)
    assert links(first) == [str(item.pk) for item in first.context["page"].object_list]
    assert len(links(first)) == 25
    second = client.get(url, {"page": 2})
    assert links(second) and not set(links(second)) & set(links(first))
    assert links(client.get(url)) == links(first)

    spend(allocation, "123.45", staff)  # spending recorded: the next request draws the page again
    where = {"page": 2} if str(allocation.pk) in links(second) else {}
    assert "123.45 EUR" in client.get(url, where).content.decode()
    # The same page under the same data version, in Korean: drawn in Korean, not the English one kept.
    korean = client_for(staff).get(url.replace("/en/", "/ko/"), where).content.decode()
    rows = korean.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "승인됨" in rows and "Approved" not in rows


def test_the_received_page_costs_the_same_queries_for_3_or_30_allocations(
    fund, organization, staff, django_assert_max_num_queries, settings
):
    settings.K_ANONYMITY_ACTIVITY = 2
    other = OrganizationFactory()
    MembershipFactory(organization=other, user=staff)
    for _number in range(2):  # others in the movement: its row, and its rates, are part of the count
        AllocationFactory(fund=fund, status="approved")

    def add_allocations(count):
        for number in range(count):
            AllocationFactory(fund=fund, recipient=organization if number % 2 else other, status="approved")

    client, url = client_for(staff), reverse("funding:received")
    add_allocations(3)
    small, response = queries_of(client, url, django_assert_max_num_queries, 18)
    assert response.context["comparison"]["movement"] is not None
    add_allocations(27)
    large, response = queries_of(client, url, django_assert_max_num_queries, 18)
    assert len(response.context["page"].object_list) == 25
    assert small == large


# --- spending -------------------------------------------------------------------------------------

SPEND = {"spent_on": "2026-03-15", "amount": "120.50", "category": "venue", "note": "Hall for the workshop"}


def test_the_recipient_s_staff_record_spending_with_a_receipt(allocation, staff):
    url = reverse("funding:expenditure_new", kwargs={"allocation_id": allocation.pk})
    page = client_for(staff).get(url).content.decode()
    assert "Amount in EUR" in page
    response = client_for(staff).post(url, {**SPEND, "receipt": receipt_file()})
    assert response.status_code == 302
    expenditure = Expenditure.objects.get()
    assert (expenditure.amount, expenditure.currency_id, expenditure.recorded_by) == (Decimal("120.50"), "EUR", staff)
    assert bytes(expenditure.receipt.content) == PDF


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "-1"}, "An amount cannot be negative."),
        ({"amount": "0"}, "Give the amount spent, above zero."),
        ({"amount": "NaN"}, "Enter a number."),
        ({"amount": "1e400"}, "check the decimal point"),
        ({"amount": "ten"}, "Enter a number."),
        ({"amount": "1.001"}, "EUR amounts have at most 2 decimal places."),
        ({"amount": "1500"}, "spending goes beyond the allocation of"),
        ({"spent_on": "2999-01-01"}, "the date is in the future"),
        ({"category": "yacht"}, "Select a valid choice"),
        ({"currency": "USD", "amount": "abc"}, "Enter a number."),  # a currency posted by hand is never read
        ({"receipt": ("receipt.exe", b"MZ\x90\x00", "application/pdf")}, "A receipt is a PDF, PNG or JPEG file."),
        ({"receipt": ("fake.pdf", b"<html>", "application/pdf")}, "A receipt is a PDF, PNG or JPEG file."),
        ({"receipt": ("empty.pdf", b"", "application/pdf")}, "The submitted file is empty."),
        ({"note": "x" * 2001}, "at most 2000 characters"),
        ({"note": "hidden\u202etext"}, ""),
    ],
)
def test_bad_spending_is_refused_with_a_message_and_nothing_is_saved(allocation, staff, changes, message):
    data = {**SPEND, **changes}
    if "receipt" in changes:
        name, content, content_type = changes["receipt"]
        data["receipt"] = receipt_file(name, content, content_type)
    response = client_for(staff).post(reverse("funding:expenditure_new", kwargs={"allocation_id": allocation.pk}), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert message in response.content.decode()
    assert not Expenditure.objects.exists() and not Receipt.objects.exists()


def test_a_receipt_above_the_limit_gets_the_translated_message_not_an_error_page(allocation, staff, settings):
    settings.RECEIPT_MAX_BYTES = 2048
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # the upload goes to a temporary file, as a large one does
    big = receipt_file(content=PDF + b"0" * 4096)
    url = reverse("funding:expenditure_new", kwargs={"allocation_id": allocation.pk})
    response = client_for(staff).post(url, {**SPEND, "receipt": big})
    assert response.status_code == 200
    assert "A receipt can be at most 0.0 MB; this file is 0.0 MB." in response.content.decode()
    assert not Expenditure.objects.exists()


def test_a_receipt_larger_than_django_s_memory_limits_is_still_a_form_error(allocation, staff, settings):
    settings.RECEIPT_MAX_BYTES = 1024 * 1024
    big = receipt_file(content=PDF + b"0" * (3 * 1024 * 1024))  # above DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
    url = reverse("funding:expenditure_new", kwargs={"allocation_id": allocation.pk})
    response = client_for(staff).post(url, {**SPEND, "receipt": big})
    assert response.status_code == 200
    assert "A receipt can be at most 1.0 MB; this file is 3.0 MB." in response.content.decode()
    assert not Expenditure.objects.exists()


def test_spending_is_refused_on_an_allocation_that_is_not_open_for_it(rates, fund, organization, funder, staff):
    proposed = propose(fund, organization, funder)
    url = reverse("funding:expenditure_new", kwargs={"allocation_id": proposed.pk})
    response = client_for(staff).post(url, SPEND)
    assert "spending is recorded while it is approved or disbursed" in response.content.decode()
    assert not Expenditure.objects.exists()


def test_the_recipient_s_staff_correct_and_remove_an_expenditure(allocation, staff):
    expenditure = spend(allocation, "100.00", staff)
    client = client_for(staff)
    edit = reverse("funding:expenditure_edit", kwargs={"expenditure_id": expenditure.pk})
    assert client.post(edit, {**SPEND, "amount": "90.00", "receipt": receipt_file("scan.png", PNG)}).status_code == 302
    expenditure.refresh_from_db()
    assert expenditure.amount == Decimal("90.00") and expenditure.receipt.content_type == "image/png"

    delete = reverse("funding:expenditure_delete", kwargs={"expenditure_id": expenditure.pk})
    assert "Remove it" in client.get(delete).content.decode()
    assert Expenditure.objects.exists()  # the GET only asks
    assert client.post(delete).status_code == 302
    assert not Expenditure.objects.exists() and not Receipt.objects.exists()


def test_expenditures_of_other_people_s_allocations_are_not_found(allocation, staff, other_staff, rates, funder):
    elsewhere = propose(allocation.fund, OrganizationFactory(), funder)
    services.allocation_move(allocation=elsewhere, to_status="approved", by=funder)
    theirs = spend(elsewhere, "10.00", MembershipFactory(organization=elsewhere.recipient).user)
    client = client_for(staff)
    assert (
        client.post(reverse("funding:expenditure_edit", kwargs={"expenditure_id": theirs.pk}), SPEND).status_code == 404
    )
    assert client.post(reverse("funding:expenditure_delete", kwargs={"expenditure_id": theirs.pk})).status_code == 404
    assert client.get(reverse("funding:receipt", kwargs={"expenditure_id": theirs.pk})).status_code == 404
    new = reverse("funding:expenditure_new", kwargs={"allocation_id": elsewhere.pk})
    assert client.post(new, SPEND).status_code == 404
    theirs.refresh_from_db()
    assert theirs.amount == Decimal("10.00") and Expenditure.objects.count() == 1


def test_an_expenditure_of_a_closed_allocation_cannot_be_removed(allocation, staff, funder):
    expenditure = spend(allocation, "100.00", staff)
    for status in ("disbursed", "closed"):
        services.allocation_move(allocation=allocation, to_status=status, by=funder)
    response = client_for(staff).post(reverse("funding:expenditure_delete", kwargs={"expenditure_id": expenditure.pk}))
    assert response.status_code == 400
    assert "its spending can no longer be changed" in response.content.decode()
    assert Expenditure.objects.filter(pk=expenditure.pk).exists()


# --- receipts ------------------------------------------------------------------------------------------


def test_a_receipt_is_downloaded_as_an_attachment_that_cannot_run(allocation, staff, funder):
    name = "reçu\r\nSet-Cookie: x=1.pdf"
    expenditure = spend(allocation, "10.00", staff, receipt=services.receipt_check(filename=name, content=PDF))
    response = client_for(funder).get(reverse("funding:receipt", kwargs={"expenditure_id": expenditure.pk}))
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Cache-Control"] == "private, no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="re_uSet-Cookie: x=1.pdf"')
    assert "filename*=UTF-8''re%C3%A7uSet-Cookie%3A%20x%3D1.pdf" in disposition
    assert "\r" not in disposition and "\n" not in disposition
    assert "Set-Cookie" not in {key for key, _value in response.items()}


def test_an_expenditure_without_a_receipt_has_nothing_to_download(allocation, staff):
    expenditure = spend(allocation, "10.00", staff)
    assert (
        client_for(staff).get(reverse("funding:receipt", kwargs={"expenditure_id": expenditure.pk})).status_code == 404
    )


# --- the admin ----------------------------------------------------------------------------------------


def test_stewards_read_expenditures_and_their_history_in_the_admin_but_cannot_change_or_download(
    allocation, staff, steward
):
    expenditure = spend(allocation, "10.00", staff, receipt=services.receipt_check(filename="scan.pdf", content=PDF))
    client = client_for(steward)
    listing = client.get(reverse("admin:resources_expenditure_changelist"))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "scan.pdf" in page
    assert reverse("funding:receipt", kwargs={"expenditure_id": expenditure.pk}) not in page
    assert "%PDF" not in page
    detail = client.get(reverse("admin:resources_expenditure_change", args=[expenditure.pk]))
    assert detail.status_code == 200 and 'name="amount"' not in detail.content.decode()
    history = client.get(reverse("admin:resources_expenditure_history", args=[expenditure.pk]))
    assert history.status_code == 200
    response = client.post(
        reverse("admin:resources_expenditure_change", args=[expenditure.pk]),
        {"amount": "1.00", "spent_on": "2026-03-01", "category": "venue"},
    )
    assert response.status_code == 403
    expenditure.refresh_from_db()
    assert expenditure.amount == Decimal("10.00")
    assert client.get(reverse("admin:resources_expenditure_add")).status_code == 403


def test_the_fund_page_costs_the_same_queries_for_3_or_30_allocations(
    fund, organization, funder, django_assert_max_num_queries
):
    def add_allocations(count):
        for _number in range(count):
            AllocationFactory(fund=fund, recipient=organization, status="approved")

    client, url = client_for(funder), reverse("funding:fund", kwargs={"fund_id": fund.pk})
    add_allocations(3)
    small, response = queries_of(client, url, django_assert_max_num_queries, 8)
    add_allocations(27)
    large, response = queries_of(client, url, django_assert_max_num_queries, 8)
    assert len(response.context["page"].object_list) == 25
    assert small == large


def test_hostile_ids_of_funds_and_expenditures_are_not_found(fund, steward):
    client = client_for(steward)
    for url in (
        "/en/funding/funds/99999999999999999999/",
        "/en/funding/funds/99999999999999999999/allocate/",
        "/en/funding/expenditures/99999999999999999999/receipt/",
        "/en/funding/expenditures/-1/edit/",
        "/en/funding/expenditures/1%0d%0a/delete/",
    ):
        assert client.get(url).status_code == 404, url
