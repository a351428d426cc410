"""Generated data for the benchmark: the catalog, and one large organization for its staff's pages.

fill_catalog spreads programs over a thousand organizations; fill_staff_organization
gives one organization a tenth of them, with its admin, sessions, reports, a full
session and an audit trail. Each is one function, to follow the models when they change.
"""

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Least
from django.utils import timezone

WORDS = (
    "wikidata commons wikisource editing workshop mentoring grant governance advocacy outreach photography translation"
).split()
ORGANIZATIONS = 1000


def program_slug(number):
    return f"bench-{number}"


def fill_catalog(programs):
    """Add generated programs until the database holds `programs`; return how many it holds.

    Every program has two sessions between 60 days ago and 180 days ahead, two capacity
    categories and two languages of instruction, from a fixed random seed. Programs and
    sessions get their creation's history record, dated over the last three years, so
    the audit tables hold every organization's records as they do in production.
    """
    from simple_history.utils import bulk_create_with_history

    from capacity.models import CapacityCategory, Language, Region
    from programs.models import Program, Session
    from stakeholders.models import Organization

    existing = Program.objects.count()
    if existing >= programs:
        return existing

    rng = random.Random(7)  # noqa: S311 - generated test data
    # A generator of its own, so the catalog is the same as before history records were added.
    history_dates = random.Random(8)  # noqa: S311 - generated test data
    english = Language.objects.get(code="en")
    regions = list(Region.objects.all())
    languages = list(Language.objects.all()[:30])
    categories = list(CapacityCategory.objects.filter(parent__isnull=False))
    Organization.objects.bulk_create(
        [
            Organization(
                slug=f"bench-org-{n}", name=f"Bench org {n}", name_en=f"Bench org {n}", kind="chapter", region=region
            )
            for n, region in enumerate(rng.choices(regions, k=ORGANIZATIONS))
        ],
        ignore_conflicts=True,
    )
    organizations = list(Organization.objects.filter(slug__startswith="bench-org-"))

    now = timezone.now()
    batch = 2000
    for start in range(existing, programs, batch):
        new = []
        for n in range(start, min(start + batch, programs)):
            title = " ".join(rng.sample(WORDS, 3)).capitalize() + f" {n}"
            provider = rng.choice(organizations)
            program = Program(
                slug=program_slug(n),
                original_language=english,
                original_title=title,
                original_summary="Generated program for benchmarks",
                provider=provider,
                region=provider.region,
                method=rng.choice(Program.Method.values),
                format=rng.choice(Program.Format.values),
                level=rng.choice(Program.Level.values),
                is_published=True,
            )
            program._history_date = now - timedelta(days=history_dates.uniform(1, 3 * 365))
            new.append(program)
        # PostgreSQL returns the new primary keys from bulk_create.
        bulk_create_with_history(new, Program)
        sessions = [
            Session(
                program=program,
                starts_at=now + timedelta(days=rng.randint(-60, 180), hours=rng.randint(0, 23)),
                ends_at=now + timedelta(days=200),
                seats=20,
            )
            for program in new
            for _ in range(2)
        ]
        for session in sessions:
            session._history_date = session.program._history_date + timedelta(hours=1)
        bulk_create_with_history(sessions, Session)
        Program.categories.through.objects.bulk_create(
            Program.categories.through(program_id=program.pk, capacitycategory_id=category.pk)
            for program in new
            for category in rng.sample(categories, 2)
        )
        Program.languages.through.objects.bulk_create(
            Program.languages.through(program_id=program.pk, language_id=language.pk)
            for program in new
            for language in rng.sample(languages, 2)
        )
    # Direct inserts, as test factories do: the services would validate each of the
    # 40,000 sessions with a query. Cached pages are not told; bench/run.py empties
    # the cache before every run.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Program.objects.count()


# One organization's share of the catalog, for the pages its staff read ------------------

STAFF_ORGANIZATION = "bench-staff"
# A catalog organization of the usual size that the same person administers: its audit
# trail shows what the page costs an organization with a short history.
SMALL_ORGANIZATION = "bench-org-0"
ADMIN_USERNAME = "bench-admin"
# The largest affiliates run far more programs than the median one: a tenth of the catalog.
STAFF_SHARE = 10
STAFF_PEOPLE = 20  # staff besides the admin; they make the recorded changes
MEMBERS = 200
# Days after a program is written that its three sessions start.
SESSION_DAYS = (14, 44, 74)
SESSION_HOURS = 3
FULL_SESSION_SEATS = 100
FULL_SESSION_WAITING = 25
# Django's mark for "no password": the admin is signed in by a session the bench creates.
UNUSABLE_PASSWORD = "!"  # noqa: S105


@dataclass(frozen=True)
class StaffSite:
    """Where the staff pages of the large organization are, and whom to sign in as."""

    organization_slug: str
    admin_id: int
    full_session_program_slug: str
    full_session_id: int
    small_organization_slug: str
    sizes: dict  # how many rows each page reads from, for the report

    def describe(self):
        sizes = self.sizes
        return (
            f"{self.organization_slug} with {sizes['programs']:,} programs, {sizes['ended_sessions']:,} ended "
            f"sessions ({sizes['reports']:,} reported), {sizes['audit_records']:,} audit records, "
            f"{sizes['full_session_people']} people in the full session"
            + (
                f"; {self.small_organization_slug} with {sizes['small_audit_records']} audit records"
                if self.small_organization_slug
                else ""
            )
        )


def staff_share(programs):
    return max(programs // STAFF_SHARE, 1)


def staff_program_slug(number):
    return f"bench-staff-{number}"


def fill_staff_organization(programs):
    """One organization running `programs` programs, with its admin, sessions, reports and audit trail.

    Done once per database, in one transaction; returns where the pages are.
    """
    from stakeholders.models import Organization

    if not Organization.objects.filter(slug=STAFF_ORGANIZATION).exists():
        with transaction.atomic():
            _fill_staff_organization(programs)
        # The bulk updates left dead rows behind; a live database's autovacuum clears them.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return staff_site()


def staff_site():
    from programs import audit, selectors
    from programs.models import Program, Session
    from stakeholders.models import Membership, Organization

    admin = Membership.objects.select_related("organization").get(
        organization__slug=STAFF_ORGANIZATION, user__username=ADMIN_USERNAME
    )
    organization = admin.organization
    full = (
        Session.objects.select_related("program")
        .filter(program__provider=organization, seats=FULL_SESSION_SEATS, seats_taken=FULL_SESSION_SEATS)
        .latest("pk")
    )
    reports = selectors.workspace_report_counts(organization=organization)
    sizes = {
        "programs": Program.objects.filter(provider=organization).count(),
        "ended_sessions": reports["missing"] + reports["reported"],
        "reports": reports["reported"],
        "audit_records": audit.audit_keys(organization=organization).count(),
        "full_session_people": selectors.participants_for_session(session=full).count(),
        "small_audit_records": audit.audit_keys(organization=Organization.objects.get(slug=SMALL_ORGANIZATION)).count(),
    }
    return StaffSite(STAFF_ORGANIZATION, admin.user_id, full.program.slug, full.pk, SMALL_ORGANIZATION, sizes)


def _fill_staff_organization(programs):
    """Rows as the services would leave them, with history records dated over three years.

    Programs and sessions are bulk-created with simple-history's helpers, each record
    dated and signed by one of the staff, so the audit trail has a record per change:
    programs written, published and some archived, sessions added, a few cancelled,
    linked to a Dashboard course; reports go through services.reports_import_apply.
    """
    from django.contrib.auth import get_user_model
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    from capacity.models import CapacityCategory, Language, Region
    from programs import services
    from programs.models import DASHBOARD_FIGURES, ActivityReport, Certificate, Enrollment, Program, Session
    from stakeholders.models import Membership, Organization

    rng = random.Random(11)  # noqa: S311 - generated test data
    now = timezone.now()
    start = now - timedelta(days=3 * 365)
    # The newest program was written a week ago.
    span = now - timedelta(days=7) - start
    english = Language.objects.get(code="en")
    region = Region.objects.order_by("pk").first()
    languages = list(Language.objects.all()[:30])
    categories = list(CapacityCategory.objects.filter(parent__isnull=False))

    def dated(instance, when, by):
        instance._history_date = min(when, now)
        instance._history_user = by
        return instance

    User = get_user_model()
    admin = User(username=ADMIN_USERNAME, email="bench-admin@example.org", display_name="Bench admin")
    staff = [User(username=f"bench-staff-person-{n}", display_name=f"Staff {n}") for n in range(STAFF_PEOPLE)]
    members = [User(username=f"bench-member-{n}", display_name=f"Member {n}") for n in range(MEMBERS)]
    participants = [
        User(username=f"bench-participant-{n}", display_name=f"참가자 {n}")
        for n in range(FULL_SESSION_SEATS + FULL_SESSION_WAITING)
    ]
    everyone = [admin, *staff, *members, *participants]
    for person in everyone:
        person.password = UNUSABLE_PASSWORD
        person.email = person.email or f"{person.username}@example.org"
    User.objects.bulk_create(everyone)
    writers = [admin, *staff]

    organization = dated(
        Organization(
            slug=STAFF_ORGANIZATION,
            name="Bench staff organization",
            name_en="Bench staff organization",
            kind=Organization.Kind.CHAPTER,
            region=region,
        ),
        start - timedelta(days=1),
        admin,
    )
    (organization,) = bulk_create_with_history([organization], Organization)
    roles = [(admin, Membership.Role.ADMIN)]
    roles += [(person, Membership.Role.STAFF) for person in staff]
    roles += [(person, Membership.Role.MEMBER) for person in members]
    memberships = [
        dated(
            Membership(user=person, organization=organization, role=role),
            start if person is admin else start + span * rng.random(),
            admin,
        )
        for person, role in roles
    ]
    small = Organization.objects.get(slug=SMALL_ORGANIZATION)
    memberships.append(dated(Membership(user=admin, organization=small, role=Membership.Role.ADMIN), start, admin))
    bulk_create_with_history(memberships, Membership, batch_size=1000)

    # Programs: written one after the other over three years.
    written = [start + span * n / max(programs - 1, 1) for n in range(programs)]
    new = [
        dated(
            Program(
                slug=staff_program_slug(n),
                original_language=english,
                original_title=" ".join(rng.sample(WORDS, 3)).capitalize() + f" (staff {n})",
                original_summary="Generated program of the bench's large organization",
                provider=organization,
                region=region,
                method=rng.choice(Program.Method.values),
                format=rng.choice(Program.Format.values),
                level=rng.choice(Program.Level.values),
            ),
            when,
            rng.choice(writers),
        )
        for n, when in enumerate(written)
    ]
    new = bulk_create_with_history(new, Program, batch_size=1000)
    first_record = Program.history.model.objects.filter(id=OuterRef("pk"), history_type="+").values("history_date")
    Program.objects.filter(provider=organization).update(created_at=Subquery(first_record[:1]))
    Program.categories.through.objects.bulk_create(
        Program.categories.through(program_id=program.pk, capacitycategory_id=category.pk)
        for program in new
        for category in rng.sample(categories, min(2, len(categories)))
    )
    Program.languages.through.objects.bulk_create(
        Program.languages.through(program_id=program.pk, language_id=language.pk)
        for program in new
        for language in rng.sample(languages, min(2, len(languages)))
    )

    # Sessions, added two days after their program was written.
    sessions = []
    for program, when in zip(new, written, strict=True):
        for number, days in enumerate(SESSION_DAYS):
            starts_at = when + timedelta(days=days, hours=rng.randint(0, 8))
            session = Session(
                program=program,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=SESSION_HOURS),
                seats=rng.choice([15, 20, 25, 30, 40]),
                online_url=f"https://meet.example.org/bench-{program.pk}-{number}",
            )
            sessions.append(dated(session, when + timedelta(days=2, minutes=number), program._history_user))
    sessions = bulk_create_with_history(sessions, Session, batch_size=2000)
    by_program = {}
    for session in sessions:
        by_program.setdefault(session.program_id, []).append(session)

    # The newest tenth stay drafts; the others are published three days after being
    # written, every twentieth old one archived a month after its last session; a few
    # sessions are cancelled a week before they start.
    drafts = programs - programs // 10
    published = [
        dated(program, when + timedelta(days=3), program._history_user)
        for program, when in zip(new[:drafts], written[:drafts], strict=True)
    ]
    for program in published:
        program.is_published = True
    bulk_update_with_history(published, Program, fields=["is_published"], batch_size=1000)
    archived = []
    for n, program in enumerate(published):
        last_end = max(session.ends_at for session in by_program[program.pk])
        if n % 20 == 0 and last_end + timedelta(days=30) < now:
            program.is_published, program.archived_at = False, last_end + timedelta(days=30)
            archived.append(dated(program, program.archived_at, rng.choice(writers)))
    bulk_update_with_history(archived, Program, fields=["is_published", "archived_at"], batch_size=1000)
    cancelled = [session for session in sessions if rng.random() < 0.03]
    for session in cancelled:
        session.is_cancelled = True
        dated(session, session.starts_at - timedelta(days=7), rng.choice(writers))
    bulk_update_with_history(cancelled, Session, fields=["is_cancelled"], batch_size=1000)

    # Reports for three in four of the sessions that took place, through the import service.
    ended = [s for s in sessions if s.ends_at <= now and not s.is_cancelled and rng.random() < 0.75]
    for offset in range(0, len(ended), services.REPORT_BATCH_SIZE):
        batch = [
            (session, _report_values(rng, session)) for session in ended[offset : offset + services.REPORT_BATCH_SIZE]
        ]
        services.reports_import_apply(reports=batch, by=rng.choice(writers), now=now)
    session_end = Subquery(Session.objects.filter(pk=OuterRef("session_id")).values("ends_at")[:1])
    ActivityReport.history.model.objects.filter(session_id__in=[s.pk for s in ended]).update(
        history_date=Least(session_end + timedelta(days=2), Value(now))
    )
    # A tenth linked to their Dashboard course, whose figures are imported two days later.
    linked = [session for session in ended if rng.random() < 0.1]
    for session in linked:
        session.dashboard_course = f"Bench/Course_{session.pk}"
        dated(session, session.ends_at + timedelta(days=10), rng.choice(writers))
    bulk_update_with_history(linked, Session, fields=["dashboard_course"], batch_size=1000)
    reports = ActivityReport.objects.filter(session__in=linked).select_related("session")
    figures = []
    for report in reports:
        report.dashboard_course = report.session.dashboard_course
        report.dashboard_imported_at = min(report.session.ends_at + timedelta(days=12), now)
        report.dashboard_editors = report.participants
        report.dashboard_new_editors = report.newcomers
        report.dashboard_articles_created = rng.randint(0, 30)
        report.dashboard_articles_edited = rng.randint(0, 200)
        report.dashboard_edits = rng.randint(0, 2000)
        report.dashboard_bytes_added = rng.randint(0, 500_000)
        report.dashboard_references_added = rng.randint(0, 300)
        report.dashboard_uploads = rng.randint(0, 50)
        figures.append(dated(report, report.dashboard_imported_at, report.submitted_by))
    dashboard_fields = ["dashboard_course", "dashboard_imported_at", *DASHBOARD_FIGURES]
    bulk_update_with_history(figures, ActivityReport, fields=dashboard_fields, batch_size=500)

    # A full session under way in the newest published program: seats taken, people waiting.
    program = published[-1]
    full = dated(
        Session(
            program=program,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=2),
            seats=FULL_SESSION_SEATS,
            seats_taken=FULL_SESSION_SEATS,
            venue="Bench hall",
        ),
        now - timedelta(days=30),
        admin,
    )
    (full,) = bulk_create_with_history([full], Session)
    enrollments = []
    for n, person in enumerate(participants):
        if n >= FULL_SESSION_SEATS:
            status, attendance = Enrollment.Status.WAITLISTED, Enrollment.Attendance.UNKNOWN
        elif n < 20:
            status, attendance = Enrollment.Status.COMPLETED, Enrollment.Attendance.ATTENDED
        else:
            status = Enrollment.Status.ENROLLED
            attendance = rng.choice([Enrollment.Attendance.ATTENDED] * 12 + [Enrollment.Attendance.NO_SHOW])
            attendance = Enrollment.Attendance.UNKNOWN if n >= 85 else attendance
        enrollments.append(
            Enrollment(
                user=person,
                session=full,
                status=status,
                attendance=attendance,
                waitlisted_at=now - timedelta(days=20, minutes=-n) if status == Enrollment.Status.WAITLISTED else None,
                completed_at=now - timedelta(minutes=10) if status == Enrollment.Status.COMPLETED else None,
            )
        )
    Enrollment.objects.bulk_create(enrollments)
    Certificate.objects.bulk_create(
        Certificate(
            enrollment=enrollment,
            holder_name=enrollment.user.public_name,
            program_title=program.original_title,
            provider_name=organization.name,
            completed_on=timezone.localdate(),
        )
        for enrollment in enrollments
        if enrollment.status == Enrollment.Status.COMPLETED
    )


def _report_values(rng, session):
    """A report's figures as an import row gives them, consistent with the session's length."""
    participants = rng.randint(3, session.seats)
    women = rng.randint(0, participants)
    men = rng.randint(0, participants - women)
    return {
        "participants": participants,
        "newcomers": rng.randint(0, participants),
        "facilitators": rng.randint(1, 3),
        "hours_of_learning": Decimal(participants * (SESSION_HOURS - 1)),
        "pages_created": rng.randint(0, 20),
        "pages_improved": rng.randint(0, 60),
        "files_uploaded": rng.randint(0, 40),
        "gender_asked": True,
        "gender_woman": women,
        "gender_man": men,
    }
