"""Demo programs with sessions, some full with waiting lists, some completed."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from capacity.models import CapacityCategory, Language, translated_columns
from stakeholders.models import Organization, User
from stakeholders.services import PROFILE_VISIBILITY_FIELDS, profile_visibility_save

from . import dashboard, services
from .models import DEMOGRAPHIC_DIMENSIONS, Enrollment, Program, Session


def _learners():
    """Demo people who fill sessions, made once and reused."""
    learners = []
    for number in range(1, 61):
        user, created = User.objects.get_or_create(
            username=f"learner{number:02d}",
            defaults={"email": f"learner{number:02d}@example.org", "display_name": f"Learner {number:02d}"},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        learners.append(user)
    return learners


def _fill(session, fill, learners, now):
    wanted = {"empty": 0, "some": max(session.seats // 3, 1), "full": session.seats, "waitlist": session.seats + 4}[
        fill
    ]
    # Past sessions are filled as if people had enrolled before they started.
    moment = min(now, session.starts_at - timedelta(days=1))
    for user in learners[:wanted]:
        services.enrollment_create(user=user, session=session, now=moment)


def _report_figures(session, index):
    """Plausible figures for a past session's activity report, varied by the program's place in the demo."""
    participants = session.seats_taken
    hours = Decimal((session.ends_at - session.starts_at).total_seconds() / 3600)
    newcomers = participants * 2 // 5
    gender = {
        "gender_woman": participants * 9 // 20,
        "gender_man": participants * 7 // 20,
        "gender_non_binary": 1 if participants >= 10 else 0,
        "gender_prefer_not": 1 if participants >= 4 else 0,
    }
    age = {
        "age_18_24": participants // 4,
        "age_25_34": participants // 3,
        "age_35_49": participants // 5,
        "age_50_64": participants // 10,
    }
    return {
        "participants": participants,
        "newcomers": newcomers,
        "facilitators": 1 + index % 2,
        "hours_of_learning": (hours * participants * Decimal("0.9")).quantize(Decimal("0.1")),
        "pages_created": participants // 2 + index % 3,
        "pages_improved": participants + index % 5,
        "files_uploaded": (index * 7) % 13,
        "evidence_url": f"https://meta.wikimedia.org/wiki/Event:{session.program.slug}",
        "notes": "",
        "gender_asked": True,
        **gender,
        # Not every organizer asks every question: the age band is asked at half the events.
        "age_asked": index % 2 == 0,
        **(age if index % 2 == 0 else {}),
        "newcomer_asked": True,
        "newcomer_new": newcomers,
        "newcomer_returning": participants - newcomers - (1 if participants > 2 else 0),
    }


def _report_on(session, index, now):
    """What an organizer does after a past session: attendance, then the activity report."""
    session.refresh_from_db(fields=["seats_taken"])
    if session.seats_taken == 0:
        return
    services.session_mark_attendance_all(session=session, attendance=Enrollment.Attendance.ATTENDED, now=now)
    no_show = Enrollment.objects.filter(session=session, status=Enrollment.Status.ENROLLED).order_by("-pk").first()
    if no_show is not None:
        services.enrollment_mark_attendance(enrollment=no_show, attendance=Enrollment.Attendance.NO_SHOW, now=now)
    services.report_save(session=session, values=_report_figures(session, index), now=now)


# A Programs & Events Dashboard course CSV, as staff download it, for one past session.
DASHBOARD_DEMO = {
    "program": "wikidata-first-items-ko",
    "file": Path(__file__).resolve().parent.parent / "capacity" / "seed" / "dashboard-course.csv",
}


def _import_dashboard_course(now):
    """Link the session to its Dashboard course and import the course's figures, as staff do."""
    session = (
        Session.objects.filter(program__slug=DASHBOARD_DEMO["program"], ends_at__lt=now, is_cancelled=False)
        .select_related("program")
        .first()
    )
    if session is None or session.dashboard_course:
        return
    course = dashboard.parse_course_csv(DASHBOARD_DEMO["file"].read_bytes())
    session.dashboard_course = course["course_slug"]
    services.session_save(session=session, now=now)
    services.dashboard_figures_apply(session=session, course=course, now=now)


# Demo people whose My learning page should tell a story: a few sessions each.
STORYTELLERS = ("yazan_haddad", "wanjiru_kamau", "minseo_kang")


def load(data, *, password):
    now = timezone.now()
    categories = {category.slug: category for category in CapacityCategory.objects.all()}
    languages = {language.code: language for language in Language.objects.all()}
    organizations = {org.slug: org for org in Organization.objects.select_related("region")}
    learners = _learners()
    facilitators = list(User.objects.filter(memberships__isnull=False).distinct().order_by("username"))
    storytellers = list(User.objects.filter(username__in=STORYTELLERS).order_by("username"))
    new_programs = 0
    for index, item in enumerate(data["programs"]):
        provider = organizations[item["provider"]]
        original = item["original_language"]

        def translations(field, item=item, original=original):
            # The original text has its own columns; the rest are translations.
            texts = {code: text for code, text in item.get(field, {}).items() if code != original}
            return translated_columns(field, texts)

        program = Program.objects.filter(slug=item["slug"]).first()
        created = program is None
        program = program or Program(slug=item["slug"])
        for name, value in {
            "provider": provider,
            "region": provider.region,
            "method": item["method"],
            "format": item["format"],
            "level": item["level"],
            "original_language": languages[original],
            "original_title": item["title"][original],
            "original_summary": item["summary"][original],
            "original_description": item.get("description", {}).get(original, ""),
            "is_published": True,
            **translations("title"),
            **translations("summary"),
            **translations("description"),
        }.items():
            setattr(program, name, value)
        services.program_save(program=program)
        program.categories.set([categories[slug] for slug in item["categories"]])
        program.languages.set([languages[code] for code in item["languages"]])
        if not created:
            continue  # Sessions and enrollments were made on the first run.
        new_programs += 1
        for session_index, spec in enumerate(item["sessions"]):
            day = (now + timedelta(days=spec["starts_in_days"])).replace(
                hour=spec["hour_utc"], minute=0, second=0, microsecond=0
            )
            session = services.session_save(
                session=Session(
                    program=program,
                    starts_at=day,
                    ends_at=day + timedelta(hours=spec["duration_hours"]),
                    seats=spec["seats"],
                    venue=spec.get("venue", ""),
                    online_url=f"https://meet.example.org/{program.slug}-{session_index + 1}"
                    if spec.get("online")
                    else "",
                )
            )
            if facilitators:
                session.facilitators.set([facilitators[(index + session_index) % len(facilitators)]])
            # Every fifth program's first session also has the storytellers in it
            # (before the learners, so a full session still seats them).
            if index % 5 == 0 and session_index == 0:
                for user in storytellers:
                    services.enrollment_create(
                        user=user, session=session, now=min(now, session.starts_at - timedelta(days=1))
                    )
            _fill(session, spec["fill"], learners, now)
            if session.ends_at < now:
                for enrollment in Enrollment.objects.filter(
                    session=session, status=Enrollment.Status.ENROLLED
                ).order_by("pk")[:8]:
                    services.enrollment_complete(enrollment=enrollment, now=session.ends_at)
                _report_on(session, index, now)
    _import_dashboard_course(now)
    _recognition(storytellers, learners, now)
    return f"{len(data['programs'])} programs ({new_programs} new)"


def _recognition(storytellers, learners, now):
    """The storytellers show their profile pages; some learners shared their demographics, with consent.

    Enough learners share for the report pages to show the counts (K_ANONYMITY_DEMOGRAPHIC).
    """
    for user in storytellers:
        profile_visibility_save(user=user, data=dict.fromkeys(PROFILE_VISIBILITY_FIELDS, True))
    genders = [answer for answer, _label in DEMOGRAPHIC_DIMENSIONS["gender"][:-1]]
    ages = [answer for answer, _label in DEMOGRAPHIC_DIMENSIONS["age"][1:-1]]
    for index, user in enumerate(learners):
        if index % 4 == 3:
            continue  # not everyone shares
        services.person_demographics_save(
            user=user,
            data={"consent": True, "gender": genders[index % len(genders)], "age": ages[index % len(ages)]},
            now=now,
        )
