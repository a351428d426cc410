"""The funding pages attacked as an outsider and as a malicious signed-in person: other people's ids,
forged fields, absurd numbers, hostile text and files, wrong methods, hostile filters, Redis down.

Every probe asks for a clear answer (404, 403, 400, 405 or the form again with its message),
never a 500, nothing changed and nothing of another funder's leaked.
"""

import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from capacity import cache as cache_breaker
from resources import dashboard, services
from resources.models import Allocation, Expenditure, Fund, Receipt
from stakeholders.models import Membership, Organization
from tests.capacity.test_without_redis import redis_down, redis_hanging  # noqa: F401 - the project's Redis fixtures
from tests.concurrency import race
from tests.factories import FundFactory, MembershipFactory, OrganizationFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HUGE = "99999999999999999999"
RIVAL_SECRETS = ("Rival Fund Zeta", "Secret Fund Omega", "777,123", "777123", "rival secret note")


# --- the world: our funder and recipient, and a rival funder with its own recipient ----------------


def _propose(fund, recipient, by, **fields):
    fields = {
        "amount": Decimal("1000.00"),
        "currency_id": "USD",
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 10, 31),
        **fields,
    }
    return services.allocation_save(allocation=Allocation(fund=fund, recipient=recipient, **fields), by=by)


@pytest.fixture
def fund(funding_organization):
    return FundFactory(
        funder=funding_organization,
        name="Our fund",
        currency_id="USD",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )


@pytest.fixture
def allocation(fund, organization, funder):
    allocation = _propose(fund, organization, funder)
    services.allocation_move(allocation=allocation, to_status="approved", by=funder)
    return allocation


@pytest.fixture
def proposed(fund, organization, funder):
    return _propose(fund, organization, funder, amount=Decimal("500.00"))


@pytest.fixture
def expenditure(allocation, staff):
    return services.expenditure_save(
        expenditure=Expenditure(
            allocation=allocation, amount=Decimal("100.00"), spent_on=date(2026, 3, 1), category="venue"
        ),
        receipt=services.receipt_check(filename="ours.pdf", content=PDF),
        by=staff,
    )


@pytest.fixture
def rival(other_organization):
    """Another funder with its own fund, allocation, spending and receipt; nobody of ours may see them."""
    funder_org = OrganizationFactory(slug="rival-fund", name="Rival Fund Zeta", kind=Organization.Kind.FUNDER)
    rival_funder = MembershipFactory(organization=funder_org, user=UserFactory(username="rivalfunder")).user
    rival_staff = MembershipFactory(organization=other_organization, user=UserFactory(username="rivalstaff")).user
    fund = FundFactory(
        funder=funder_org,
        name="Secret Fund Omega",
        currency_id="USD",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    allocation = _propose(fund, other_organization, rival_funder, amount=Decimal("777123.00"))
    services.allocation_move(allocation=allocation, to_status="approved", by=rival_funder)
    expenditure = services.expenditure_save(
        expenditure=Expenditure(
            allocation=allocation,
            amount=Decimal("1234.00"),
            spent_on=date(2026, 3, 1),
            category="venue",
            note="rival secret note",
        ),
        receipt=services.receipt_check(filename="rival.pdf", content=PDF),
        by=rival_staff,
    )
    return {"fund": fund, "allocation": allocation, "expenditure": expenditure, "staff": rival_staff}


def _login(client, user):
    client.force_login(user)
    return client


def _no_secret(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode(errors="replace")
    for secret in RIVAL_SECRETS:
        assert secret not in text, secret


# --- other people's ids --------------------------------------------------------------------------

RIVAL_PAGES = [
    ("funding:fund", "fund"),
    ("funding:fund_edit", "fund"),
    ("funding:allocate", "fund"),
    ("funding:allocation", "allocation"),
    ("funding:allocation_edit", "allocation"),
    ("funding:expenditure_new", "allocation"),
    ("funding:expenditure_edit", "expenditure"),
    ("funding:expenditure_delete", "expenditure"),
    ("funding:receipt", "expenditure"),
]
_KWARG = {"fund": "fund_id", "allocation": "allocation_id", "expenditure": "expenditure_id"}


@pytest.mark.parametrize(("name", "what"), RIVAL_PAGES)
@pytest.mark.parametrize("persona", ["funder", "staff", "steward_none"])
def test_another_funders_objects_are_not_found(client, rival, funder, staff, name, what, persona):
    user = {"funder": funder, "staff": staff, "steward_none": UserFactory()}[persona]
    url = reverse(name, kwargs={_KWARG[what]: rival[what].pk})
    _login(client, user)
    response = client.get(url)
    assert response.status_code == 404
    _no_secret(response)
    response = client.post(url, {"name": "x", "amount": "1", "confirm": "on", "to_status": "declined"})
    assert response.status_code in (404, 405)
    _no_secret(response)
    assert Expenditure.objects.filter(pk=rival["expenditure"].pk).exists()
    rival["allocation"].refresh_from_db()
    assert rival["allocation"].status == Allocation.Status.APPROVED


def test_another_funders_allocation_cannot_be_moved(client, rival, funder):
    _login(client, funder)
    response = client.post(reverse("funding:allocation_move", args=[rival["allocation"].pk]), {"to_status": "declined"})
    assert response.status_code == 404
    rival["allocation"].refresh_from_db()
    assert rival["allocation"].status == Allocation.Status.APPROVED


@pytest.mark.parametrize("name", [name for name, _ in RIVAL_PAGES] + ["funding:allocation_move"])
@pytest.mark.parametrize("bad_id", [HUGE, "9223372036854775808", "2147483648", "0"])
def test_huge_and_zero_ids_are_not_found(client, steward, name, bad_id):
    kwarg = _KWARG[dict(RIVAL_PAGES).get(name, "allocation")]
    url = reverse(name, kwargs={kwarg: 1}).replace("/1/", f"/{bad_id}/")
    _login(client, steward)
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, {"to_status": "approved"}).status_code in (404, 405)


@pytest.mark.parametrize("segment", ["-1", "abc", "1.5", "%00", "١٢", "1e3"])
def test_negative_and_non_numeric_ids_do_not_resolve(client, steward, segment):
    _login(client, steward)
    for prefix in ("funds", "allocations", "expenditures"):
        assert client.get(f"/en/funding/{prefix}/{segment}/").status_code == 404
        assert client.get(f"/en/funding/{prefix}/{segment}/edit/").status_code == 404


def test_access_helpers_refuse_non_numeric_and_huge_ids(steward):
    from django.http import Http404

    from resources import access

    for bad in ("abc", None, HUGE, -1, "1 OR 1=1"):
        with pytest.raises(Http404):
            access.get_allocation_for_reader(steward, bad)
        with pytest.raises(Http404):
            access.get_fund_for_manager(steward, bad)


# --- who may do what -----------------------------------------------------------------------------


def _spending_post(**extra):
    return {"spent_on": "2026-03-02", "amount": "10.00", "category": "venue", **extra}


@pytest.fixture
def member(organization):
    return MembershipFactory(organization=organization, user=UserFactory(), role=Membership.Role.MEMBER).user


@pytest.fixture
def funder_member(funding_organization):
    return MembershipFactory(organization=funding_organization, user=UserFactory(), role=Membership.Role.MEMBER).user


@pytest.mark.parametrize("persona", ["member", "funder_member", "funder"])
def test_only_the_recipients_staff_record_change_or_remove_spending(
    client, allocation, expenditure, persona, member, funder_member, funder
):
    user = {"member": member, "funder_member": funder_member, "funder": funder}[persona]
    _login(client, user)
    before = list(Expenditure.objects.values_list("pk", "amount"))
    new = client.post(reverse("funding:expenditure_new", args=[allocation.pk]), _spending_post())
    edit = client.post(reverse("funding:expenditure_edit", args=[expenditure.pk]), _spending_post(amount="99.00"))
    delete = client.post(reverse("funding:expenditure_delete", args=[expenditure.pk]))
    expected = 404 if persona == "funder_member" else 403
    assert (new.status_code, edit.status_code, delete.status_code) == (expected, expected, expected)
    assert list(Expenditure.objects.values_list("pk", "amount")) == before


@pytest.mark.parametrize("persona", ["staff", "member"])
def test_the_recipient_cannot_move_or_edit_its_allocation(client, proposed, staff, member, persona):
    _login(client, {"staff": staff, "member": member}[persona])
    move = client.post(reverse("funding:allocation_move", args=[proposed.pk]), {"to_status": "approved"})
    edit = client.post(
        reverse("funding:allocation_edit", args=[proposed.pk]),
        {"kind": "money", "amount": "999999", "currency": "USD", "starts_on": "2026-01-01", "ends_on": "2026-02-01"},
    )
    assert (move.status_code, edit.status_code) == (403, 403)
    proposed.refresh_from_db()
    assert (proposed.status, proposed.amount) == ("proposed", Decimal("500.00"))


def test_a_steward_records_edits_and_removes_spending(client, allocation, expenditure, steward):
    _login(client, steward)
    response = client.post(reverse("funding:expenditure_new", args=[allocation.pk]), _spending_post())
    assert response.status_code == 302
    response = client.post(reverse("funding:expenditure_edit", args=[expenditure.pk]), _spending_post(amount="20.00"))
    assert response.status_code == 302
    expenditure.refresh_from_db()
    assert expenditure.amount == Decimal("20.00")
    assert client.post(reverse("funding:expenditure_delete", args=[expenditure.pk])).status_code == 302
    assert not Expenditure.objects.filter(pk=expenditure.pk).exists()


# --- forged fields ----------------------------------------------------------------------------------


def test_an_expenditure_keeps_its_allocation_whatever_is_posted(client, allocation, expenditure, staff, rival):
    _login(client, staff)
    response = client.post(
        reverse("funding:expenditure_edit", args=[expenditure.pk]),
        _spending_post(
            amount="30.00", allocation=rival["allocation"].pk, allocation_id=rival["allocation"].pk, currency="EUR"
        ),
    )
    assert response.status_code == 302
    expenditure.refresh_from_db()
    assert (expenditure.allocation_id, expenditure.currency_id, expenditure.amount) == (
        allocation.pk,
        "USD",
        Decimal("30.00"),
    )
    assert Expenditure.objects.filter(allocation=rival["allocation"]).count() == 1


def test_the_rivals_staff_cannot_edit_our_expenditure(client, expenditure, rival):
    _login(client, rival["staff"])
    response = client.post(reverse("funding:expenditure_edit", args=[expenditure.pk]), _spending_post(amount="1.00"))
    assert response.status_code == 404
    expenditure.refresh_from_db()
    assert expenditure.amount == Decimal("100.00")


def _allocation_post(**extra):
    return {
        "kind": "money",
        "amount": "100.00",
        "currency": "USD",
        "starts_on": "2026-02-01",
        "ends_on": "2026-03-01",
        **extra,
    }


@pytest.mark.parametrize("slug", ["wiki-fund", "rival-fund", "no-such-org", "x" * 500, HUGE, "<script>", "a\r\nb"])
def test_allocate_refuses_funders_and_unknown_recipients(client, fund, funder, rival, slug):
    _login(client, funder)
    response = client.post(reverse("funding:allocate", args=[fund.pk]), _allocation_post(recipient=slug))
    assert response.status_code == 200
    assert response.context["form"].errors["recipient"]
    assert b"<script>" not in response.content
    assert not Allocation.objects.filter(fund=fund).exists()


def test_allocation_edit_refuses_a_program_of_another_organization(client, proposed, funder, other_organization):
    theirs = ProgramFactory(provider=other_organization, slug="their-program")
    _login(client, funder)
    response = client.post(
        reverse("funding:allocation_edit", args=[proposed.pk]), _allocation_post(programs=[theirs.slug])
    )
    assert response.status_code == 200
    assert response.context["form"].errors["programs"]
    assert not proposed.programs.exists()


@pytest.mark.parametrize("code", ["XXY", "usd", "US", "EURX", "<s>", ""])
def test_allocate_refuses_a_currency_that_is_not_iso(client, fund, funder, organization, code):
    _login(client, funder)
    response = client.post(
        reverse("funding:allocate", args=[fund.pk]), _allocation_post(recipient=organization.slug, currency=code)
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Allocation.objects.filter(fund=fund).exists()


BAD_AMOUNTS = ["1e400", "NaN", "Infinity", "-Infinity", "-1", "1,000.00", "1" * 30, "1.00001", "sNaN", "0x10", "1e-400"]


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_allocate_refuses_absurd_amounts_with_a_message(client, fund, funder, organization, amount):
    _login(client, funder)
    response = client.post(
        reverse("funding:allocate", args=[fund.pk]), _allocation_post(recipient=organization.slug, amount=amount)
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Allocation.objects.filter(fund=fund).exists()


@pytest.mark.parametrize("amount", [*BAD_AMOUNTS, "-0", "0", "0.00"])
def test_spending_refuses_absurd_amounts_with_a_message(client, allocation, staff, amount):
    _login(client, staff)
    response = client.post(reverse("funding:expenditure_new", args=[allocation.pk]), _spending_post(amount=amount))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Expenditure.objects.exists()


def test_full_width_digits_are_read_as_the_number_they_are(client, allocation, staff):
    # Python reads every Unicode decimal digit; "１２３" is 123, as a person typing it means.
    _login(client, staff)
    response = client.post(reverse("funding:expenditure_new", args=[allocation.pk]), _spending_post(amount="１２３"))
    assert response.status_code == 302
    assert Expenditure.objects.get().amount == Decimal("123")


@pytest.mark.parametrize(
    ("hours", "value_per_hour"),
    [("0", ""), ("-1", ""), ("1e9", ""), ("NaN", ""), ("1.001", ""), ("1000000", "9999999999"), ("999999", "99999")],
)
def test_time_allocations_refuse_absurd_hours_and_values(client, fund, funder, organization, hours, value_per_hour):
    _login(client, funder)
    response = client.post(
        reverse("funding:allocate", args=[fund.pk]),
        _allocation_post(
            recipient=organization.slug, kind="time", amount="", hours=hours, value_per_hour=value_per_hour
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Allocation.objects.filter(fund=fund).exists()


def test_the_most_a_time_allocation_may_be_worth_is_the_most_an_amount_may_be(funder, fund, organization):
    with pytest.raises(Exception) as refused:
        _propose(
            fund,
            organization,
            funder,
            kind="time",
            amount=None,
            hours=Decimal("1000000"),
            value_per_hour=Decimal("9999999999"),
        )
    assert "value_per_hour" in refused.value.message_dict


@pytest.mark.parametrize(
    ("starts_on", "ends_on"),
    [("0000-00-00", "2026-02-01"), ("2026-02-30", "2026-03-01"), ("2026-05-01", "2026-02-01"), ("", ""), ("x", "y")],
)
def test_allocate_refuses_impossible_dates(client, fund, funder, organization, starts_on, ends_on):
    _login(client, funder)
    response = client.post(
        reverse("funding:allocate", args=[fund.pk]),
        _allocation_post(recipient=organization.slug, starts_on=starts_on, ends_on=ends_on),
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Allocation.objects.filter(fund=fund).exists()


@pytest.mark.parametrize("spent_on", ["0000-00-00", "9999-12-31", "2026-02-30", "10000-01-01"])
def test_spending_refuses_impossible_and_future_dates(client, allocation, staff, spent_on):
    _login(client, staff)
    response = client.post(reverse("funding:expenditure_new", args=[allocation.pk]), _spending_post(spent_on=spent_on))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Expenditure.objects.exists()


@pytest.mark.parametrize(("starts_on", "ends_on"), [("9999-12-31", "9999-12-31"), ("2026-05-01", "2026-02-01")])
def test_fund_dates_far_or_backwards(client, funder, funding_organization, starts_on, ends_on):
    _login(client, funder)
    response = client.post(
        reverse("funding:fund_new"),
        {
            "funder": funding_organization.slug,
            "name": "Far",
            "currency": "USD",
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    assert response.status_code in (200, 302)
    if starts_on > ends_on:
        assert response.status_code == 200
        assert not Fund.objects.filter(name="Far").exists()


# --- hostile text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["\u200b\u200c\u200d", "\u200b", "\u2060\ufeff", "a\u202eb", "a\x00b", "x" * 100_000, "a\r\nb"],
)
def test_fund_names_refuse_invisible_control_and_huge_text(client, funder, funding_organization, text):
    _login(client, funder)
    response = client.post(
        reverse("funding:fund_new"),
        {
            "funder": funding_organization.slug,
            "name": text,
            "currency": "USD",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not Fund.objects.exists()


def test_script_in_a_fund_name_is_shown_escaped(client, funder, funding_organization):
    _login(client, funder)
    name = "<script>alert(1)</script>"
    response = client.post(
        reverse("funding:fund_new"),
        {
            "funder": funding_organization.slug,
            "name": name,
            "currency": "USD",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("funding:funds"))
    assert b"<script>alert(1)</script>" not in page.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content


@pytest.mark.parametrize(
    ("field", "text"),
    [("note", "x" * 100_000), ("note", "\u200b"), ("note", "a\x00b"), ("overspend_reason", "y" * 100_000)],
)
def test_spending_text_refuses_hidden_and_huge_text(client, allocation, staff, field, text):
    _login(client, staff)
    response = client.post(reverse("funding:expenditure_new", args=[allocation.pk]), _spending_post(**{field: text}))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Expenditure.objects.exists()


def test_script_in_a_note_and_description_is_escaped(client, fund, allocation, staff, funder, organization):
    _login(client, staff)
    script = "<script>alert('x')</script>\r\nline two"
    assert (
        client.post(reverse("funding:expenditure_new", args=[allocation.pk]), _spending_post(note=script)).status_code
        == 302
    )
    page = client.get(reverse("funding:allocation", args=[allocation.pk]))
    assert b"<script>alert(" not in page.content
    _login(client, funder)
    response = client.post(
        reverse("funding:allocate", args=[fund.pk]),
        _allocation_post(recipient=organization.slug, kind="in_kind", description=script),
    )
    assert response.status_code == 302
    page = client.get(response.url)
    assert b"<script>alert(" not in page.content


# --- wrong methods and CSRF -----------------------------------------------------------------------


def test_post_only_endpoints_refuse_get_and_change_nothing(client, proposed, expenditure, funder, staff):
    _login(client, funder)
    assert (
        client.get(reverse("funding:allocation_move", args=[proposed.pk]), {"to_status": "approved"}).status_code == 405
    )
    proposed.refresh_from_db()
    assert proposed.status == "proposed"
    _login(client, staff)
    # GET on delete shows the confirmation; only a POST removes.
    assert client.get(reverse("funding:expenditure_delete", args=[expenditure.pk])).status_code == 200
    assert Expenditure.objects.filter(pk=expenditure.pk).exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_refused(client, proposed, expenditure, staff, funder, method):
    _login(client, staff)
    for url in (
        reverse("funding:expenditure_edit", args=[expenditure.pk]),
        reverse("funding:expenditure_delete", args=[expenditure.pk]),
        reverse("funding:receipt", args=[expenditure.pk]),
        reverse("funding:received"),
    ):
        assert getattr(client, method)(url).status_code == 405
    _login(client, funder)
    for url in (
        reverse("funding:allocation_move", args=[proposed.pk]),
        reverse("funding:allocation", args=[proposed.pk]),
        reverse("funding:funds"),
        reverse("funding:dashboard"),
        reverse("funding:dashboard_csv", args=["headline"]),
        reverse("funding:open"),
        reverse("funding:rates"),
    ):
        assert getattr(client, method)(url).status_code == 405
    assert Expenditure.objects.filter(pk=expenditure.pk).exists()


def test_post_on_read_only_pages_is_refused(client, proposed, funder):
    _login(client, funder)
    for url in (
        reverse("funding:allocation", args=[proposed.pk]),
        reverse("funding:funds"),
        reverse("funding:dashboard"),
        reverse("funding:allocations"),
        reverse("funding:open"),
        reverse("funding:open_360giving"),
        reverse("funding:rates"),
        reverse("funding:received"),
    ):
        assert client.post(url).status_code == 405, url


def test_head_is_refused_like_every_method_but_get_and_changes_nothing(client, proposed, expenditure, staff, funder):
    # The project's views take GET only (require_GET): HEAD is a 405 like PUT, and never acts.
    _login(client, staff)
    assert client.head(reverse("funding:allocation", args=[proposed.pk])).status_code == 405
    assert client.head(reverse("funding:receipt", args=[expenditure.pk])).status_code == 405
    assert client.head(reverse("funding:expenditure_delete", args=[expenditure.pk])).status_code == 405
    _login(client, funder)
    assert client.head(reverse("funding:allocation_move", args=[proposed.pk])).status_code == 405
    assert Expenditure.objects.filter(pk=expenditure.pk).exists()
    proposed.refresh_from_db()
    assert proposed.status == "proposed"


def test_csrf_is_checked(allocation, staff, proposed, funder):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.post(reverse("funding:expenditure_new", args=[allocation.pk]), _spending_post()).status_code == 403
    client.force_login(funder)
    assert (
        client.post(reverse("funding:allocation_move", args=[proposed.pk]), {"to_status": "approved"}).status_code
        == 403
    )
    assert not Expenditure.objects.exists()
    proposed.refresh_from_db()
    assert proposed.status == "proposed"


def test_anonymous_visitors_are_sent_to_sign_in(client, allocation, expenditure):
    for url in (
        reverse("funding:allocation", args=[allocation.pk]),
        reverse("funding:receipt", args=[expenditure.pk]),
        reverse("funding:funds"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response.url or "accounts" in response.url
    assert client.post(reverse("funding:expenditure_delete", args=[expenditure.pk])).status_code == 302
    assert Expenditure.objects.filter(pk=expenditure.pk).exists()


# --- receipts ------------------------------------------------------------------------------------------


def _upload(client, allocation, name, content, content_type="application/pdf"):
    return client.post(
        reverse("funding:expenditure_new", args=[allocation.pk]),
        _spending_post(receipt=SimpleUploadedFile(name, content, content_type=content_type)),
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("receipt.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)),
        ("receipt.exe", PDF),
        ("receipt.pdf", b"<html><script>alert(1)</script></html>"),
        ("receipt.pdf", b""),
        ("receipt.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("receipt.html", PDF),
    ],
)
def test_bad_receipts_are_refused_with_a_message(client, allocation, staff, name, content):
    _login(client, staff)
    response = _upload(client, allocation, name, content)
    assert response.status_code == 200
    assert response.context["form"].errors["receipt"]
    assert not Expenditure.objects.exists()
    assert not Receipt.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        'evil"; filename="x.html.pdf',
        "../../etc/passwd.pdf",
        "..\\..\\windows\\x.pdf",
        "reçu – 領収書 «1».pdf",
        "a\r\nSet-Cookie: x=1.pdf",
        "\u202egpj.pdf",
        ";.pdf",
    ],
)
def test_receipt_names_are_cleaned_and_the_download_header_holds(client, allocation, staff, name):
    _login(client, staff)
    response = _upload(client, allocation, name, PDF)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert response.context["form"].errors["receipt"]
        return
    receipt = Receipt.objects.get()
    assert "/" not in receipt.original_filename and "\\" not in receipt.original_filename
    assert "\r" not in receipt.original_filename and "\n" not in receipt.original_filename
    download = client.get(reverse("funding:receipt", args=[receipt.expenditure_id]))
    assert download.status_code == 200
    header = download["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="')
    assert header.count('"') == 2
    assert "Set-Cookie" not in {key for key, _ in download.items()} or "x=1" not in download.get("Set-Cookie", "")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"


# --- dashboard filters -----------------------------------------------------------------------------------

DASHBOARD_QUERIES = [
    "fund={rival_fund}",
    f"fund={HUGE}",
    "fund=-1",
    "fund=abc",
    "region=..",
    "region=%00",
    "quarter=9",
    "quarter=0",
    "year=99999",
    "year=-1",
    "year=1e400",
    "starts_from=2026-12-01&starts_to=2026-01-01",
    "starts_from=0000-00-00",
    "status=proposed&status=approved&status=<x>",
    "recipient=other-chapter",
    "recipient=" + "x" * 3000,
    "overspent=2",
    "method=<script>",
    "q=" + "y" * 20000,
    "category=../../etc",
    "year=0",
    "year=10000",
    "others=-1",
    "others=1e400",
    "others=" + HUGE,
    "unconverted=<x>",
    "status=committed&status=paid",
    "category=none&method=none&status=paid&others=3&unconverted=1",
    "category=NONE&method=None",
    "also_category=../x&also_method=<x>",
    "category=none&also_category=none&method=workshop&also_method=none",
]


@pytest.mark.parametrize("query", DASHBOARD_QUERIES)
@pytest.mark.parametrize("page", ["funding:dashboard", "funding:allocations"])
def test_dashboard_filters_are_named_or_ignored_never_a_500(client, allocation, funder, rival, query, page):
    _login(client, funder)
    query = query.format(rival_fund=rival["fund"].pk)
    response = client.get(reverse(page) + "?" + query)
    assert response.status_code == 200
    _no_secret(response)
    assert b"<script>" not in response.content or b"<script>" not in query.encode()


@pytest.mark.parametrize("page", ["funding:dashboard", "funding:allocations"])
def test_the_kept_filter_form_is_each_funders_own_and_follows_a_renamed_fund(client, allocation, funder, rival, page):
    """The filter form is kept rendered per scope, query and language: the same URL, another funder, another form."""
    ours = allocation.fund
    rival_funder = rival["fund"].funder.memberships.get().user
    for _ in range(2):  # the second time from the cache
        mine = _login(client, funder).get(reverse(page), {"status": "approved"})
        assert ours.name in mine.content.decode() and "Secret Fund Omega" not in mine.content.decode()
    theirs = _login(client, rival_funder).get(reverse(page), {"status": "approved"})
    assert "Secret Fund Omega" in theirs.content.decode() and ours.name not in theirs.content.decode()
    ours.name = "Fund renamed this minute"
    ours.save()
    again = _login(client, funder).get(reverse(page), {"status": "approved"})
    assert "Fund renamed this minute" in again.content.decode()


@pytest.mark.parametrize("query", DASHBOARD_QUERIES)
def test_dashboard_csv_with_hostile_filters(client, allocation, funder, rival, query):
    _login(client, funder)
    query = query.format(rival_fund=rival["fund"].pk)
    response = client.get(reverse("funding:dashboard_csv", args=["allocations"]) + "?" + query)
    assert response.status_code in (200, 400)
    _no_secret(response)


@pytest.mark.parametrize("page_number", ["-1", "999999", "abc", HUGE, "0", "1e3"])
def test_drill_down_pages_out_of_range_answer(client, allocation, funder, page_number):
    _login(client, funder)
    response = client.get(reverse("funding:allocations"), {"page": page_number})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path", ["table/../../x.csv", "table/evil.csv", "table/.csv", "table/headline.CSV", "table/%2e%2e.csv"]
)
def test_unknown_csv_tables_are_not_found(client, funder, allocation, path):
    _login(client, funder)
    assert client.get("/en/funding/" + path).status_code == 404


def test_csv_cells_cannot_run_formulas(client, funder, funding_organization, steward):
    recipient = OrganizationFactory(slug="formula-org", name='=HYPERLINK("http://evil.example","click")')
    fund = FundFactory(
        funder=funding_organization,
        name="+SUM(A1:A9)",
        currency_id="USD",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    services.allocation_move(allocation=_propose(fund, recipient, funder), to_status="approved", by=funder)
    _login(client, funder)
    for name in ("allocations", "headline", *dashboard.TABLE_NAMES):
        response = client.get(reverse("funding:dashboard_csv", args=[name]))
        if response.status_code == 404:
            continue
        text = b"".join(response.streaming_content).decode()
        if name == "recipients":
            recipients_text = text
        if name == "allocations":
            assert "'=HYPERLINK" in text and "'+SUM(A1:A9)" in text  # the names are there, neutralised
        assert ",=HYPERLINK" not in text and '"=HYPERLINK' not in text and "\n=HYPERLINK" not in text
        assert ",+SUM" not in text and "\n+SUM" not in text
    assert "'=HYPERLINK" in recipients_text
    for table in ("regions", "categories", "years"):
        response = client.get(reverse("funding:open_csv", args=[table]))
        text = b"".join(response.streaming_content).decode()
        if name == "recipients":
            recipients_text = text
        if name == "allocations":
            assert "'=HYPERLINK" in text and "'+SUM(A1:A9)" in text  # the names are there, neutralised
        assert ",=HYPERLINK" not in text and "\n=HYPERLINK" not in text


# --- open pages: no person ----------------------------------------------------------------------------


def test_open_pages_name_no_person(client, steward, funding_organization, organization):
    giver = UserFactory(
        username="zz-giver-handle", email="giver-zz@example.org", first_name="Qwertina", last_name="Zyxwell"
    )
    MembershipFactory(organization=funding_organization, user=giver)
    spender = UserFactory(
        username="zz-spender-handle", email="spender-zz@example.org", first_name="Plonkus", last_name="Vexmoor"
    )
    MembershipFactory(organization=organization, user=spender)
    fund = FundFactory(
        funder=funding_organization, currency_id="USD", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)
    )
    allocation = _propose(fund, organization, giver)
    services.allocation_move(allocation=allocation, to_status="approved", by=giver)
    services.allocation_move(allocation=allocation, to_status="disbursed", by=giver)
    services.expenditure_save(
        expenditure=Expenditure(
            allocation=allocation, amount=Decimal("50"), spent_on=date(2026, 3, 1), category="food"
        ),
        by=spender,
    )
    bodies = []
    for url in [reverse("funding:open"), reverse("funding:open_360giving"), reverse("funding:rates")] + [
        reverse("funding:open_csv", args=[table]) for table in ("regions", "categories", "years")
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        bodies.append((b"".join(response.streaming_content) if response.streaming else response.content).decode())
    text = "\n".join(bodies)
    assert organization.name in text  # the grant is there…
    for personal in ("zz-giver", "zz-spender", "giver-zz", "spender-zz", "Qwertina", "Zyxwell", "Plonkus", "Vexmoor"):
        assert personal not in text, personal  # …and nobody behind it


@pytest.mark.parametrize(
    "query",
    [
        "currency=<script>alert(1)</script>",
        "currency=EURX",
        "page=abc",
        "page=-1",
        f"page={HUGE}",
        "currency=eur&currency=usd",
        "currency=%00",
    ],
)
def test_rates_page_with_hostile_queries(client, steward, query):
    services.exchange_rate_set(currency_code="EUR", month=date(2026, 1, 1), usd_per_unit="1.1", by=steward)
    response = client.get(reverse("funding:rates") + "?" + query)
    assert response.status_code == 200
    assert b"<script>alert(1)" not in response.content


@pytest.mark.parametrize("table", ["evil", "..", "regions.csv"])
def test_open_csv_names_that_do_not_exist(client, table):
    assert client.get(f"/en/funding/open/{table}.csv").status_code == 404


# --- Redis down ---------------------------------------------------------------------------------------


def test_funding_pages_answer_with_redis_down(client, redis_down, allocation, expenditure, funder, staff):  # noqa: F811
    for url in (reverse("funding:open"), reverse("funding:rates"), reverse("funding:open_360giving")):
        assert client.get(url).status_code == 200
    _login(client, funder)
    for url in (
        reverse("funding:dashboard"),
        reverse("funding:allocations"),
        reverse("funding:dashboard_csv", args=["headline"]),
        reverse("funding:funds"),
        reverse("funding:allocation", args=[allocation.pk]),
    ):
        assert client.get(url).status_code == 200, url
    _login(client, staff)
    response = client.post(reverse("funding:expenditure_new", args=[allocation.pk]), _spending_post())
    assert response.status_code == 302
    assert client.get(reverse("funding:received")).status_code == 200


def test_funding_pages_stop_asking_a_hanging_redis_for_a_while(
    client,
    redis_hanging,  # noqa: F811
    allocation,
    expenditure,
    funder,
):
    # The funding pages keep their figures, filters and tables in the cache: several calls a page.
    _login(client, funder)
    # The first page waits for the cache's timeouts once, then renders without it.
    assert client.get(reverse("funding:dashboard")).status_code == 200
    assert cache_breaker.is_down()
    started = time.perf_counter()
    for url in (
        reverse("funding:dashboard") + "?status=approved",
        reverse("funding:allocations"),
        reverse("funding:open"),
    ):
        assert client.get(url).status_code == 200, url
    elapsed = time.perf_counter() - started
    # Each reads and keeps at least two things: asking the hanging Redis, three pages would
    # wait at least 1.5 s of socket timeouts.
    assert elapsed < 1.0, f"three pages took {elapsed:.2f} s"


# --- double submit and concurrency ---------------------------------------------------------------------------


def test_a_double_submitted_allocation_makes_two(client, fund, funder, organization):
    # Noted, not refused: two identical grants can be meant; the second is a proposal to decline.
    _login(client, funder)
    for _ in range(2):
        assert (
            client.post(
                reverse("funding:allocate", args=[fund.pk]), _allocation_post(recipient=organization.slug)
            ).status_code
            == 302
        )
    assert Allocation.objects.filter(fund=fund).count() == 2


def test_a_double_submitted_expenditure_beyond_the_allocation_needs_a_reason_the_second_time(client, allocation, staff):
    _login(client, staff)
    post = _spending_post(amount="600.00")
    assert client.post(reverse("funding:expenditure_new", args=[allocation.pk]), post).status_code == 302
    second = client.post(reverse("funding:expenditure_new", args=[allocation.pk]), post)
    assert second.status_code == 200
    assert second.context["form"].errors["overspend_reason"]
    assert Expenditure.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_overspends_at_once_the_second_needs_a_reason(
    seeded_transactional_db, funding_organization, organization, funder, staff
):
    fund = FundFactory(
        funder=funding_organization, currency_id="USD", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)
    )
    allocation = _propose(fund, organization, funder)
    services.allocation_move(allocation=allocation, to_status="approved", by=funder)

    def spend():
        services.expenditure_save(
            expenditure=Expenditure(
                allocation_id=allocation.pk, amount=Decimal("600.00"), spent_on=date(2026, 3, 1), category="venue"
            ),
            by=staff,
        )
        return "saved"

    outcomes = race(spend, spend, catch=ValidationError)
    assert outcomes.count("saved") == 1
    refusal = next(outcome for outcome in outcomes if outcome != "saved")
    assert "overspend_reason" in refusal.message_dict
    assert Expenditure.objects.filter(allocation_id=allocation.pk).count() == 1


# --- more forged posts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("to_status", ["<script>", "closed", "proposed", "", "approved\r\n", "x" * 5000])
def test_a_move_that_is_not_allowed_or_not_understood_is_a_400(client, proposed, funder, to_status):
    _login(client, funder)
    response = client.post(reverse("funding:allocation_move", args=[proposed.pk]), {"to_status": to_status})
    assert response.status_code == 400
    assert b"<script>" not in response.content
    proposed.refresh_from_db()
    assert proposed.status == "proposed"


def test_a_plain_member_of_the_funder_cannot_allocate_and_a_recipient_cannot_make_funds(
    client, fund, funder_member, staff, organization
):
    _login(client, funder_member)
    response = client.post(reverse("funding:allocate", args=[fund.pk]), _allocation_post(recipient=organization.slug))
    assert response.status_code == 404
    _login(client, staff)
    response = client.post(
        reverse("funding:fund_new"),
        {
            "funder": organization.slug,
            "name": "Ours",
            "currency": "USD",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        },
    )
    assert response.status_code == 403
    assert not Allocation.objects.filter(fund=fund).exists()
    assert list(Fund.objects.all()) == [fund]


def test_a_fund_cannot_be_moved_to_a_funder_one_does_not_manage(client, fund, funder, rival):
    _login(client, funder)
    response = client.post(
        reverse("funding:fund_edit", args=[fund.pk]),
        {
            "funder": "rival-fund",
            "name": "Moved",
            "currency": "USD",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["funder"]
    fund.refresh_from_db()
    assert (fund.funder.slug, fund.name) == ("wiki-fund", "Our fund")


def test_allocation_edit_ignores_posted_recipient_fund_and_status(client, proposed, funder, rival, other_organization):
    _login(client, funder)
    response = client.post(
        reverse("funding:allocation_edit", args=[proposed.pk]),
        _allocation_post(
            recipient=other_organization.slug,
            fund=rival["fund"].pk,
            status="disbursed",
            usd_amount="1",
            amount="600.00",
        ),
    )
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert (proposed.recipient.slug, proposed.fund.name, proposed.status, proposed.amount) == (
        "wiki-learning-hub",
        "Our fund",
        "proposed",
        Decimal("600.00"),
    )
    assert proposed.usd_amount == Decimal("600.00")


def test_spending_is_refused_on_in_kind_and_closed_allocations(client, fund, funder, organization, staff, expenditure):
    in_kind = _propose(fund, organization, funder, kind="in_kind", description="Laptops")
    services.allocation_move(allocation=in_kind, to_status="approved", by=funder)
    _login(client, staff)
    response = client.post(reverse("funding:expenditure_new", args=[in_kind.pk]), _spending_post())
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    allocation = expenditure.allocation
    services.allocation_move(allocation=allocation, to_status="disbursed", by=funder)
    services.allocation_move(allocation=allocation, to_status="closed", by=funder)
    edit = client.post(reverse("funding:expenditure_edit", args=[expenditure.pk]), _spending_post(amount="1.00"))
    delete = client.post(reverse("funding:expenditure_delete", args=[expenditure.pk]))
    assert (edit.status_code, delete.status_code) == (200, 400)
    expenditure.refresh_from_db()
    assert expenditure.amount == Decimal("100.00")
    assert Expenditure.objects.count() == 1


def test_raising_an_expenditure_beyond_the_allocation_needs_a_reason(client, expenditure, staff):
    _login(client, staff)
    response = client.post(reverse("funding:expenditure_edit", args=[expenditure.pk]), _spending_post(amount="1000.01"))
    assert response.status_code == 200
    assert response.context["form"].errors["overspend_reason"]
    expenditure.refresh_from_db()
    assert expenditure.amount == Decimal("100.00")


@pytest.mark.parametrize(
    "body",
    [b"garbage", b'--xyz\r\nContent-Disposition: form-data; name="amount"\r\n\r\n1', b"--xyz--\r\n" * 5000],
)
def test_a_broken_multipart_body_is_refused_not_a_500(client, allocation, staff, body):
    _login(client, staff)
    response = client.generic(
        "POST",
        reverse("funding:expenditure_new", args=[allocation.pk]),
        body,
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code in (200, 400)
    assert not Expenditure.objects.exists()


def test_a_json_body_is_an_empty_post_the_blank_form_again(client, allocation, staff):
    # request.POST is empty for JSON, so the view shows the form as on GET; nothing is recorded.
    _login(client, staff)
    response = client.post(
        reverse("funding:expenditure_new", args=[allocation.pk]), {"amount": "1"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert not response.context["form"].is_bound
    assert not Expenditure.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("categories", "<script>"), ("methods", "evil"), ("kind", "gold")])
def test_allocate_refuses_unknown_choices(client, fund, funder, organization, field, value):
    _login(client, funder)
    response = client.post(
        reverse("funding:allocate", args=[fund.pk]), _allocation_post(recipient=organization.slug, **{field: value})
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert b"<script>" not in response.content
    assert not Allocation.objects.filter(fund=fund).exists()


def test_too_many_fields_are_a_400(client, allocation, staff):
    _login(client, staff)
    response = client.post(
        reverse("funding:expenditure_new", args=[allocation.pk]), {f"f{i}": "x" for i in range(1200)}
    )
    assert response.status_code == 400
    assert not Expenditure.objects.exists()


def test_allocations_at_the_ends_of_the_calendar_show_everywhere(client, fund, funder, organization, staff, steward):
    _login(client, funder)
    response = client.post(
        reverse("funding:allocate", args=[fund.pk]),
        _allocation_post(recipient=organization.slug, starts_on="0001-01-01", ends_on="9999-12-31"),
    )
    assert response.status_code == 302
    allocation = Allocation.objects.get(fund=fund)
    services.allocation_move(allocation=allocation, to_status="approved", by=funder)
    services.allocation_move(allocation=allocation, to_status="disbursed", by=funder)
    _login(client, staff)
    response = client.post(
        reverse("funding:expenditure_new", args=[allocation.pk]), _spending_post(spent_on="0001-01-02")
    )
    assert response.status_code == 302
    urls = [reverse("funding:allocation", args=[allocation.pk]), reverse("funding:received")]
    for url in urls:
        assert client.get(url).status_code == 200, url
    _login(client, funder)
    urls = [
        reverse("funding:dashboard"),
        reverse("funding:dashboard") + "?year=2026",
        reverse("funding:allocations"),
        reverse("funding:fund", args=[fund.pk]),
        reverse("funding:funds"),
        reverse("funding:open"),
        reverse("funding:open_360giving"),
        reverse("funding:dashboard_csv", args=["allocations"]),
        reverse("funding:dashboard_csv", args=["headline"]),
    ] + [reverse("funding:open_csv", args=[table]) for table in ("regions", "categories", "years")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            b"".join(response.streaming_content)


# --- the largest amount at the largest rate still fits the US-dollar columns ---------------------------------


def test_the_largest_amount_at_the_largest_rate_is_stored_not_a_500(client, fund, funder, organization, steward, staff):
    # The USD columns hold 14 digits before the point: the largest amount times the largest rate must fit.
    services.exchange_rate_set(
        currency_code="EUR", month=date(2026, 1, 1), usd_per_unit=services.MAX_USD_PER_UNIT, by=steward
    )
    _login(client, funder)
    response = client.post(
        reverse("funding:allocate", args=[fund.pk]),
        _allocation_post(recipient=organization.slug, currency="EUR", amount=str(services.MAX_AMOUNT)),
    )
    assert response.status_code == 302
    allocation = Allocation.objects.get(fund=fund)
    assert allocation.usd_amount == services.MAX_AMOUNT * services.MAX_USD_PER_UNIT
    services.allocation_move(allocation=allocation, to_status="approved", by=funder)
    _login(client, staff)
    response = client.post(
        reverse("funding:expenditure_new", args=[allocation.pk]), _spending_post(amount=str(services.MAX_AMOUNT))
    )
    assert response.status_code == 302
    # A rate set after the rows exist recomputes them, and fits too.
    services.exchange_rate_set(
        currency_code="EUR", month=date(2026, 2, 1), usd_per_unit=services.MAX_USD_PER_UNIT, by=steward
    )
    assert Expenditure.objects.get().usd_amount == services.MAX_AMOUNT * services.MAX_USD_PER_UNIT


def test_a_rate_above_ten_thousand_dollars_a_unit_is_refused(steward):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.exchange_rate_set(currency_code="EUR", month=date(2026, 1, 1), usd_per_unit="10000.01", by=steward)
    assert "usd_per_unit" in refused.value.message_dict


def test_the_limits_fit_the_columns():
    for model in (Allocation, Expenditure):
        field = model._meta.get_field("usd_amount")
        assert services.MAX_AMOUNT * services.MAX_USD_PER_UNIT < 10 ** (field.max_digits - field.decimal_places)
        amount = model._meta.get_field("amount")
        assert services.MAX_AMOUNT < 10 ** (amount.max_digits - amount.decimal_places)
