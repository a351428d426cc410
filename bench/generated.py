"""bench/run.py --scale: time the pages on a database filled by `manage.py generate_dataset`.

Instead of the bench's own fills (bench/fill.py, community.py, funding.py), the site is
the generated decade of the movement: the pages are picked from it — the provider with
the most programs and its admin, its fullest session, a small provider, a person who
wants capacities in the exchange, a funder's staff, the person with the most
enrollments — and the movement's learning report of the latest year is built first, so
its page has figures to show.
"""

import time
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F

from bench.community import CommunitySite
from bench.community import sizes as community_sizes
from bench.fill import StaffSite
from bench.funding import FundingSite
from bench.funding import sizes as funding_sizes


@dataclass
class GeneratedSite:
    programs: int
    program_slug: str
    staff: StaffSite
    community: CommunitySite
    funding: FundingSite
    learner_id: int
    learner_enrollments: int
    organization_slug: str
    report_year: int
    report_seconds: float
    generate_seconds: float


def prepare(scale, *, build_report=True, out=print):
    """Generate the scale into the (migrated) database unless it holds it already; pick the pages."""
    from bench.dataset import generate
    from evaluation import reports
    from evaluation.models import Measurement, ReportRow
    from programs import audit, selectors
    from programs.models import Enrollment, Program, Session
    from stakeholders.models import (
        ExchangeCapacity,
        Membership,
        Organization,
    )

    generate_seconds = 0.0
    if not Program.objects.exists():
        started = time.monotonic()
        generate(scale=scale, out=out)
        generate_seconds = time.monotonic() - started
    elif not Program.objects.filter(slug__startswith="gen-").exists():
        raise SystemExit("The database holds programs that generate_dataset did not make: use --fresh.")

    # The staff pages: the provider with the most programs, signed in as its admin.
    providers = Organization.objects.exclude(kind="funder").annotate(n=Count("programs")).order_by("-n", "pk")
    large = providers.first()
    admin = Membership.objects.filter(organization=large, role="admin").order_by("pk").first()
    # The audit trail of a small organization needs one the same person administers; maybe none.
    small = (
        providers.filter(n__gt=0, memberships__user=admin.user_id, memberships__role="admin")
        .exclude(pk=large.pk)
        .order_by("n", "pk")
        .first()
    )
    full = (
        Session.objects.filter(program__provider=large, seats_taken=F("seats"))
        .order_by("-seats", "pk")
        .select_related("program")
        .first()
    ) or Session.objects.filter(program__provider=large).order_by("-seats_taken", "pk").select_related(
        "program"
    ).first()
    report_counts = selectors.workspace_report_counts(organization=large)
    staff = StaffSite(
        organization_slug=large.slug,
        admin_id=admin.user_id,
        full_session_program_slug=full.program.slug,
        full_session_id=full.pk,
        small_organization_slug=small.slug if small else "",
        sizes={
            "programs": large.n,
            "ended_sessions": report_counts["missing"] + report_counts["reported"],
            "reports": report_counts["reported"],
            "audit_records": audit.audit_keys(organization=large).count(),
            "full_session_people": selectors.participants_for_session(session=full).count(),
            "small_audit_records": audit.audit_keys(organization=small).count() if small else 0,
        },
    )

    # Find a mentor as someone with an exchange profile who wants to learn something.
    wanted = (
        ExchangeCapacity.objects.filter(profile__user__isnull=False, wants=True)
        .order_by("profile_id", "pk")
        .select_related("profile", "category")
        .first()
    )
    community = CommunitySite(
        mentee_id=wanted.profile.user_id,
        wanted_category=wanted.category.slug,
        sizes=community_sizes(),
    )

    # The funder dashboard as the staff of the funder with the most allocations.
    funder = (
        Organization.objects.filter(kind="funder").annotate(n=Count("funds__allocations")).order_by("-n", "pk").first()
    )
    funder_staff = Membership.objects.filter(organization=funder).order_by("pk").first()
    funding = FundingSite(funder_user_id=funder_staff.user_id, sizes=funding_sizes(funder))

    # My learning as the person with the most enrollments.
    learner = Enrollment.objects.values("user").annotate(n=Count("id")).order_by("-n", "user").first()

    # The movement's learning report of the latest year with measurements.
    latest = Measurement.objects.order_by("-date").values_list("date", flat=True).first()
    started = time.monotonic()
    if build_report and latest and not ReportRow.objects.filter(period=str(latest.year)).exists():
        reports.year_replace(latest.year)
    report_seconds = time.monotonic() - started

    middle = Program.objects.order_by("pk").values_list("slug", flat=True)[Program.objects.count() // 2]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return GeneratedSite(
        programs=Program.objects.count(),
        program_slug=middle,
        staff=staff,
        community=community,
        funding=funding,
        learner_id=learner["user"],
        learner_enrollments=learner["n"],
        organization_slug=large.slug,
        report_year=latest.year if latest else 0,
        report_seconds=report_seconds,
        generate_seconds=generate_seconds,
    )
