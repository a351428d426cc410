"""A funder allocates money and people's time to an affiliate in an emerging community and approves
both; the recipient records spending with a receipt; the funder reads the dashboard in English and Arabic."""

import os
import tempfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from capacity.models import Region
from programs.models import ActivityReport
from resources.models import Allocation, Expenditure
from stakeholders.models import Organization
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import FundFactory, MembershipFactory, OrganizationFactory, ProgramFactory, SessionFactory

pytestmark = pytest.mark.browser

RECEIPT = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SHOTS = Path(os.environ.get("SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "shots")


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def propose(page, fund, recipient, *, kind, **fields):
    page.goto(f"/en/funding/funds/{fund.pk}/allocate/")
    page.fill("#id_recipient", recipient.slug)
    page.check(f"input[name=kind][value={kind}]")
    for field, value in fields.items():
        if field == "currency":
            page.select_option("#id_currency", value)
        else:
            page.fill(f"#id_{field}", value)
    page.check("input[name=categories] >> nth=0")
    page.check("input[name=methods][value=workshop]")
    page.fill("#id_starts_on", f"{date.today().year}-01-01")
    page.fill("#id_ends_on", f"{date.today().year}-12-31")
    page.click("form.funding-form button[type=submit]")
    page.wait_for_url("**/funding/allocations/*/")
    return Allocation.objects.order_by("-pk").first()


def approve(page):
    page.click("form:has(input[name=to_status][value=approved]) button")
    page.wait_for_load_state()


def test_a_funder_allocates_money_and_hours_the_recipient_spends_and_the_dashboard_shows_it(log_in, live_site):
    kampala = Region.objects.get(slug="sub-saharan-africa")
    assert kampala.is_emerging
    funder_org = OrganizationFactory(slug="open-fund", name="Open Fund", kind=Organization.Kind.FUNDER)
    recipient = OrganizationFactory(slug="kampala-wiki-circle", name="Kampala Wiki Circle", region=kampala)
    MembershipFactory(organization=funder_org, user__email="funder@example.org", user__username="funder")
    MembershipFactory(organization=recipient, user__email="amina@example.org", user__username="amina")
    fund = FundFactory(
        funder=funder_org,
        name="Community Fund",
        currency_id="USD",
        starts_on=date(date.today().year, 1, 1),
        ends_on=date(date.today().year, 12, 31),
    )
    program = ProgramFactory(provider=recipient, region=kampala)
    started = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    session = SessionFactory(program=program, starts_at=started, ends_at=started + timedelta(hours=3))
    ActivityReport.objects.create(session=session, participants=12, facilitators=2)

    # The funder proposes money and people's time, chooses the program the time is for, and approves both.
    funder = log_in("funder@example.org", language="en", viewport=DESKTOP)
    money = propose(funder, fund, recipient, kind="money", amount="5000", currency="USD")
    assert (money.status, money.amount, money.usd_amount) == ("proposed", Decimal("5000"), Decimal("5000.00"))
    approve(funder)
    time = propose(funder, fund, recipient, kind="time", hours="40", value_per_hour="25", currency="USD")
    funder.goto(f"/en/funding/allocations/{time.pk}/edit/")
    funder.check(f"input[name=programs][value='{program.slug}']")
    funder.click("form.funding-form button[type=submit]")
    funder.wait_for_url(f"**/funding/allocations/{time.pk}/")
    approve(funder)
    money.refresh_from_db()
    time.refresh_from_db()
    assert (money.status, time.status, list(time.programs.all())) == ("approved", "approved", [program])
    assert "Time used\n6 hours" in funder.locator("main").inner_text()  # 2 facilitators × 3 hours
    assert_accessible(funder)

    # The recipient's staff record spending with its receipt, on a phone.
    amina = log_in("amina@example.org", language="en", viewport=PHONE)
    amina.goto(f"/en/funding/allocations/{money.pk}/")
    amina.click(f"a[href$='/funding/allocations/{money.pk}/spending/new/']")
    amina.fill("#id_spent_on", date.today().isoformat())
    amina.fill("#id_amount", "1200")
    amina.select_option("#id_category", "venue")
    amina.fill("#id_note", "Hall for the Wikidata workshop")
    amina.set_input_files("#id_receipt", files=[{"name": "hall.pdf", "mimeType": "application/pdf", "buffer": RECEIPT}])
    amina.click("main form button[type=submit]")
    amina.wait_for_url(f"**/funding/allocations/{money.pk}/")
    spent = Expenditure.objects.get(allocation=money)
    assert (spent.amount, spent.receipt.original_filename) == (Decimal("1200"), "hall.pdf")
    assert "hall.pdf" in amina.locator("main").inner_text()
    assert_accessible(amina)
    shoot(amina, "funding-allocation-en-phone")

    # The funder's dashboard, in English then in Arabic, shows the figures, the charts and their tables.
    funder.goto("/en/funding/")
    main = funder.locator("main").inner_text()
    assert "6,000.00" in main  # allocated: 5,000 money + 40 h × 25 USD
    assert "1,200.00" in main  # spent
    assert "4,800.00" in main  # remaining
    assert funder.locator("figure svg[role=img]").count() >= 3
    assert funder.locator("table caption").count() >= 3
    assert "Sub-Saharan Africa" in main
    assert_accessible(funder)
    shoot(funder, "funding-dashboard-en-desktop")

    arabic = log_in("funder@example.org", language="ar", viewport=PHONE)
    arabic.goto("/ar/funding/")
    assert arabic.locator("html").get_attribute("dir") == "rtl"
    # Nothing pushes the page sideways on a phone: wide tables scroll inside their own box.
    assert arabic.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert arabic.locator("figure svg[role=img]").count() >= 3
    assert arabic.locator("table caption").count() >= 3
    assert_accessible(arabic)
    shoot(arabic, "funding-dashboard-ar-phone")
    arabic.set_viewport_size(DESKTOP)
    shoot(arabic, "funding-dashboard-ar-desktop")
