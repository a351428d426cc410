"""Screenshots of the main pages in English, Korean and Arabic, phone and desktop.

Starts the embedded portal on a fresh SQLite database with the demo data, then saves
PNGs to screenshots/ (or the folder given as the first argument) for people to look at.
Usage: .venv/bin/python scripts/screenshots.py [folder]

SCREENSHOTS_DATABASE_URL=sqlite:////tmp/shots.sqlite3 reuses a database that already has
the demo (no migrate, no demo run); SCREENSHOTS_ONLY=evaluation shoots only the learning
reports, practices, surveys and self-assessment pages.
"""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots"
PORT = 8766
PAGES = {
    "home": "/{lang}/",
    "catalog": "/{lang}/programs/",
    "catalog-filtered": "/{lang}/programs/?category=technology&language={lang}",
    "program": "/{lang}/programs/{program}/",
    "my-learning": "/{lang}/me/",
    "organizations": "/{lang}/organizations/",
    "organization": "/{lang}/organizations/korean-wikidata-lab/",
    "glossary": "/{lang}/glossary/",
    # The community pages, as the signed-in volunteer (or Kang Min-seo in Korean).
    "exchange": "/{lang}/exchange/",
    "exchange-mentors": "/{lang}/exchange/mentors/",
    "exchange-mine": "/{lang}/exchange/me/",
    "exchange-contacts": "/{lang}/exchange/contacts/",
    "support": "/{lang}/support/",
    "support-new": "/{lang}/support/new/",
    "profile-page": "/{lang}/people/minseo_kang/",
    "recognition": "/{lang}/me/recognition/",
    "demographics": "/{lang}/me/demographics/",
    "delete-account": "/{lang}/me/delete/",
    # The open funding pages (a volunteer following "Funding" lands on the open figures).
    "funding-open": "/{lang}/funding/",
    "funding-rates": "/{lang}/funding/rates/",
}
# What affiliate staff see (as Kang Min-seo, an admin of the Korean Wikidata Lab).
STAFF_PAGES = {
    "workspace": "/{lang}/workspace/",
    "workspace-organization": "/{lang}/workspace/korean-wikidata-lab/",
    "workspace-reports": "/{lang}/workspace/korean-wikidata-lab/reports/",
    "workspace-program-form": "/{lang}/workspace/programs/wikidata-first-items-ko/edit/",
    "workspace-program": "/{lang}/workspace/programs/wikidata-first-items-ko/",
    "imports": "/{lang}/workspace/imports/korean-wikidata-lab/",
    "audit": "/{lang}/organizations/korean-wikidata-lab/audit/",
    "funding-received": "/{lang}/funding/received/",
}
# What a funder's staff see (as Gabrielle Tremblay, Open Knowledge Movement Fund).
FUNDER_PAGES = {
    "funding-dashboard": "/{lang}/funding/",
    "funding-dashboard-emerging": "/{lang}/funding/?community=emerging",
    "funding-funds": "/{lang}/funding/funds/",
    "funding-allocations": "/{lang}/funding/allocations/",
}
# The evaluation pages (learning reports, practices, surveys, self-assessment), by who sees them.
STEWARD_PAGES = {
    "reports": "/{lang}/reports/",
    "report-movement": "/{lang}/reports/movement/all/",
    "report-quarter": "/{lang}/reports/movement/all/?period={quarter}",
    "report-region": "/{lang}/reports/region/sub-saharan-africa/",
    "report-method": "/{lang}/reports/method/mentoring/",
    "report-build": "/{lang}/reports/builds/{build}/",
    "practices": "/{lang}/practices/",
    "practice": "/{lang}/practices/{practice}/",
    "practices-review": "/{lang}/practices/review/",
}
STAFF_EVALUATION_PAGES = {
    "practice-new": "/{lang}/practices/new/",
    "practices-mine": "/{lang}/practices/mine/",
    "assessment": "/{lang}/assessment/",
    "assessment-organization": "/{lang}/assessment/organizations/korean-wikidata-lab/",
    "profile-assessment": "/{lang}/people/minseo_kang/",
}
LEARNER_PAGES = {
    "surveys": "/{lang}/surveys/",
    "survey": "/{lang}/surveys/{token}/",
}
# Run in `manage.py shell`: a learner with an open post-session survey gets the demo password
# (learners have none, nor a verified address), and one practice is written and sent for review, one published.
EVALUATION_SETUP = """
from allauth.account.models import EmailAddress
from django.utils import timezone
from evaluation import practices, surveys
from evaluation.models import Practice, ReportBuild, ReportRow, SurveyInvitation
from capacity.models import CapacityCategory, Language
from stakeholders.models import Organization, User
now = timezone.now()
open_ = [i for i in SurveyInvitation.objects.filter(responded_at__isnull=True, enrollment__user__isnull=False)
         .select_related("enrollment__user").order_by("kind", "-due_at") if surveys.invitation_is_open(i, now=now)]
invitation = next((i for i in open_ if i.kind in ("post", "pre")), open_[0])
learner = invitation.enrollment.user
learner.set_password("capacity-demo")
learner.save()
EmailAddress.objects.update_or_create(user=learner, email=learner.email, defaults={"verified": True, "primary": True})
organization = Organization.objects.get(slug="korean-wikidata-lab")
author = User.objects.get(email="minseo_kang@example.org")
steward = User.objects.get(email="steward@example.org")
categories = list(CapacityCategory.objects.filter(slug__in=["wikidata", "mentoring"]))
texts = {
    "original_language": Language.objects.get(code="ko"),
    "original_title": "\ub3d9\ub8cc \uba58\ud1a0\ub9c1\uc73c\ub85c \uccab \ud56d\ubaa9 \ub9cc\ub4e4\uae30",
    "original_context": "Newcomers left after their first Wikidata workshop.",
    "original_what_was_done": "Each newcomer was paired with an experienced editor for six weeks.",
    "original_evidence": "Three in four were still editing six months later.",
    "original_would_change": "Start the pairs before the workshop.",
    "method": "mentoring",
    "report_scopes": ["movement:", "method:mentoring"],
}
if not Practice.objects.exists():
    published = practices.practice_create(organization=organization, author=author, data=texts, categories=categories)
    practices.practice_submit(practice=published)
    practices.practice_publish(practice=published, by=steward)
    waiting = practices.practice_create(organization=organization, author=author, categories=categories[:1],
        data={**texts, "original_language": Language.objects.get(code="en"),
              "original_title": "Office hours for new editors", "method": "workshop", "report_scopes": []})
    practices.practice_submit(practice=waiting)
quarters = sorted({p for p in ReportRow.objects.filter(scope="movement").values_list("period", flat=True) if "-Q" in p})
print("SETUP", learner.email, invitation.token, Practice.objects.filter(status="published").first().slug,
      ReportBuild.objects.order_by("-pk").first().pk, quarters[-2])
"""
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    folder = tempfile.mkdtemp()
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL"}}
    env["DATABASE_URL"] = os.environ.get("SCREENSHOTS_DATABASE_URL") or f"sqlite:///{folder}/db.sqlite3"
    env["DEBUG"] = "true"  # the embedded default, as `make demo` runs it
    python = sys.executable
    if not os.environ.get("SCREENSHOTS_DATABASE_URL"):
        subprocess.run(
            [python, "manage.py", "migrate", "--no-input"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
        subprocess.run([python, "manage.py", "demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    setup = subprocess.run(
        [python, "manage.py", "shell", "-c", EVALUATION_SETUP],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    _label, learner, token, practice, build, quarter = next(
        line for line in setup.splitlines() if line.startswith("SETUP ")
    ).split()
    evaluation = {"learner": learner, "token": token, "practice": practice, "build": build, "quarter": quarter}
    server = subprocess.Popen(
        [python, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz")  # noqa: S310 — our own local server
                break
            except OSError:
                time.sleep(0.1)
        shoot(evaluation)
    finally:
        server.terminate()


def shoot_staff_pages(browser, lang, name, viewport):
    context = browser.new_context(viewport=viewport, locale=lang, base_url=f"http://127.0.0.1:{PORT}")
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "minseo_kang@example.org")
    page.fill("input[name=password]", "capacity-demo")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    for page_name, path in STAFF_PAGES.items():
        page.goto(path.format(lang=lang))
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / f"{page_name}-{lang}-{name}.png", full_page=name == "desktop")
    # The activity report of the session whose Dashboard course was imported.
    page.goto(f"/{lang}/workspace/korean-wikidata-lab/reports/")
    page.locator("a[href*='/report/']").first.click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / f"report-{lang}-{name}.png", full_page=name == "desktop")
    context.close()


def shoot_funder_pages(browser, lang, name, viewport):
    context = browser.new_context(viewport=viewport, locale=lang, base_url=f"http://127.0.0.1:{PORT}")
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "gabrielle_tremblay@example.org")
    page.fill("input[name=password]", "capacity-demo")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    for page_name, path in FUNDER_PAGES.items():
        page.goto(path.format(lang=lang))
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / f"{page_name}-{lang}-{name}.png", full_page=True)
    # The overspent allocation, with its spending, reason and status timeline.
    page.goto(f"/{lang}/funding/allocations/?overspent=1")
    page.locator("main table a[href*='/funding/allocations/']").first.click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / f"funding-allocation-{lang}-{name}.png", full_page=True)
    context.close()


def signed_in(browser, email, lang, viewport):
    context = browser.new_context(viewport=viewport, locale=lang, base_url=f"http://127.0.0.1:{PORT}")
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", "capacity-demo")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    return context, page


def shoot_evaluation_pages(browser, lang, name, viewport, values):
    """Learning reports and practices as the steward, writing and self-assessment as staff, surveys as a learner."""
    for email, pages in (
        ("steward@example.org", STEWARD_PAGES),
        ("minseo_kang@example.org", STAFF_EVALUATION_PAGES),
        (values["learner"], LEARNER_PAGES),
    ):
        context, page = signed_in(browser, email, lang, viewport)
        for page_name, path in pages.items():
            page.goto(path.format(lang=lang, **values))
            page.wait_for_load_state("networkidle")
            page.screenshot(path=OUT / f"{page_name}-{lang}-{name}.png", full_page=True)
        context.close()


def shoot(evaluation):
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        for lang in ("en", "ko", "ar"):
            for name, viewport in VIEWPORTS.items():
                shoot_evaluation_pages(browser, lang, name, viewport, evaluation)
                if os.environ.get("SCREENSHOTS_ONLY") == "evaluation":
                    continue
                context = browser.new_context(viewport=viewport, locale=lang, base_url=f"http://127.0.0.1:{PORT}")
                page = context.new_page()
                page.goto("/accounts/login/")
                page.fill(
                    "input[name=login]", "minseo_kang@example.org" if lang == "ko" else "yazan_haddad@example.org"
                )
                page.fill("input[name=password]", "capacity-demo")
                page.click("form button[type=submit]")
                page.wait_for_load_state()
                page.goto(f"/{lang}/programs/")
                program = page.locator(".program-card h3 a").first.get_attribute("href").rstrip("/").rsplit("/", 1)[-1]
                for page_name, path in PAGES.items():
                    page.goto(path.format(lang=lang, program=program))
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=OUT / f"{page_name}-{lang}-{name}.png", full_page=name == "desktop")
                # The first support request in the list, with its process and offers.
                page.goto(f"/{lang}/support/")
                request = page.eval_on_selector_all(
                    "main a",
                    "links => links.map(a => a.getAttribute('href')).find(h => /\\/support\\/\\d+\\/$/.test(h))",
                )
                if request:
                    page.goto(request)
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=OUT / f"support-request-{lang}-{name}.png", full_page=name == "desktop")
                # The certificate of the first completed session, and (for staff) a participant list.
                page.goto(f"/{lang}/me/")
                certificate = page.locator("a[href*='/certificates/']").first
                if certificate.count():
                    certificate.click()
                    page.wait_for_load_state()
                    page.screenshot(path=OUT / f"certificate-{lang}-{name}.png", full_page=True)
                page.goto(f"/{lang}/organizations/korean-wikidata-lab/")
                page.locator(".card h3 a").first.click()
                page.wait_for_load_state()
                participants = page.locator("a[href*='/participants/']").first
                if participants.count():
                    participants.click()
                    page.wait_for_load_state()
                    page.screenshot(path=OUT / f"participants-{lang}-{name}.png", full_page=True)
                context.close()
                shoot_staff_pages(browser, lang, name, viewport)
                shoot_funder_pages(browser, lang, name, viewport)
                anonymous = browser.new_context(viewport=viewport, locale=lang, base_url=f"http://127.0.0.1:{PORT}")
                page = anonymous.new_page()
                page.goto("/accounts/login/")
                page.screenshot(path=OUT / f"login-{lang}-{name}.png", full_page=True)
                anonymous.close()
        browser.close()
    print(f"screenshots saved in {OUT}")


if __name__ == "__main__":
    main()
