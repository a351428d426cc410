"""Two and a half years of evaluation history, so the learning reports have something to say.

Seven demo programs run one session a quarter for ten quarters; people enroll, come,
are reported on, and answer the surveys the portal sends (pre, post, and 3/6/12 months
later) with outcomes that differ by method: mentoring does better than workshops and
online courses, self-paced modules least. One program in Central & Eastern Europe &
Central Asia ran once, for three people: that region has too little data to show. Then
a few people and one organization rate their capacities over time, the measurements are
derived and every report is built, as the nightly job would.

Everything goes through the services the pages use, with the clock set to when it
happened.
"""

import random
from datetime import timedelta

from django.utils import timezone

from capacity.models import CapacityCategory, Language
from programs import services as program_services
from programs.demo import _learners
from programs.models import Enrollment, Program, Session
from stakeholders.models import Membership, Organization, Role, User

from . import assessment, practices, reports, surveys
from .measurements import measurements_sync
from .models import ReportBuild, SurveyInvitation, SurveyKind

QUARTERS = 10
SEED = 2476258

# program slug → (people per session, outcome profile)
HISTORY = {
    "newcomer-mentoring-busan": (12, "mentoring"),
    "yoruba-wikipedia-mentoring-yo": (11, "mentoring"),
    "arabic-wikipedia-editing-basics": (16, "online_course"),
    "taller-biografias-mujeres-cdmx": (15, "workshop"),
    "swahili-wikipedia-editathon-sw": (14, "workshop"),
    "prise-de-parole-benevoles": (13, "workshop"),
    "bengali-social-media-storytelling": (16, "self_paced"),
}
TOO_LITTLE = ("mediawiki-hosting-small-languages", 3)

# method → (capacity gain between pre and post, satisfaction, still active after 3, 6, 12 months)
OUTCOMES = {
    "mentoring": (1.6, 4.6, (0.9, 0.82, 0.75)),
    "workshop": (1.0, 4.2, (0.72, 0.58, 0.45)),
    "online_course": (0.8, 3.9, (0.66, 0.5, 0.4)),
    "self_paced": (0.3, 3.4, (0.5, 0.36, 0.24)),
}
FOLLOW_UP_INDEX = {SurveyKind.FOLLOW_UP_3: 0, SurveyKind.FOLLOW_UP_6: 1, SurveyKind.FOLLOW_UP_12: 2}
RESPONSE_RATE = 0.8

STORYTELLERS = ("yazan_haddad", "minseo_kang", "wanjiru_kamau")
ASSESSED_ORGANIZATION = "korean-wikidata-lab"  # Kang Min-seo is its admin


def _session(program, starts_at, seats, learners, now):
    session = program_services.session_save(
        session=Session(
            program=program,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=3),
            seats=seats,
            online_url=f"https://meet.example.org/{program.slug}-history-{starts_at:%Y%m}",
        ),
        now=starts_at - timedelta(days=30),
    )
    for user in learners:
        program_services.enrollment_create(user=user, session=session, now=starts_at - timedelta(days=20))
    after = session.ends_at + timedelta(hours=1)
    program_services.session_mark_attendance_all(session=session, attendance=Enrollment.Attendance.ATTENDED, now=after)
    participants = len(learners)
    newcomers = participants // 3
    program_services.report_save(
        session=session,
        values={
            "participants": participants,
            "newcomers": newcomers,
            "facilitators": 1,
            "hours_of_learning": participants * 3,
            "pages_created": participants // 2,
            "pages_improved": participants,
            "gender_asked": True,
            "gender_woman": participants // 2,
            "gender_man": participants - participants // 2 - 1,
            "gender_prefer_not": 1,
            "newcomer_asked": True,
            "newcomer_new": newcomers,
            "newcomer_returning": participants - newcomers,
        },
        now=after + timedelta(days=2),
    )
    return session


def _sessions(now, learners):
    programs = {program.slug: program for program in Program.objects.filter(slug__in=[*HISTORY, TOO_LITTLE[0]])}
    made = 0
    for quarter in range(QUARTERS):
        starts = (now - timedelta(days=45 + 91 * quarter)).replace(hour=14, minute=0, second=0, microsecond=0)
        for offset, (slug, (people, _profile)) in enumerate(HISTORY.items()):
            if slug not in programs:
                continue
            first = (quarter * 7 + offset * 5) % len(learners)
            chosen = [learners[(first + i) % len(learners)] for i in range(people)]
            _session(programs[slug], starts + timedelta(days=offset * 3), people + 2, chosen, now)
            made += 1
    if TOO_LITTLE[0] in programs:
        starts = (now - timedelta(days=200)).replace(hour=9, minute=0, second=0, microsecond=0)
        _session(programs[TOO_LITTLE[0]], starts, 6, learners[: TOO_LITTLE[1]], now)
        made += 1
    return made


def _answers(invitation, rng, pre_ratings):
    """What a person answers, from their program's method (the outcome profile) and some noise."""
    program = invitation.enrollment.session.program
    profile = HISTORY.get(program.slug, (0, "workshop"))[1]
    gain, satisfaction, retention = OUTCOMES[profile]
    categories = [category.pk for category in program.categories.all()]
    if invitation.kind == SurveyKind.PRE:
        ratings = {pk: rng.choice((1, 2, 2, 3)) for pk in categories}
        pre_ratings[invitation.enrollment_id] = ratings
        return {"ratings": ratings}
    if invitation.kind == SurveyKind.POST:
        before = pre_ratings.get(invitation.enrollment_id, {})
        ratings = {pk: max(1, min(5, round(before.get(pk, 2) + gain + rng.uniform(-0.9, 0.9)))) for pk in categories}
        score = max(1, min(5, round(satisfaction + rng.uniform(-1.1, 0.9))))
        return {"ratings": ratings, "satisfaction": score}
    active = rng.random() < retention[FOLLOW_UP_INDEX[invitation.kind]]
    return {
        "still_active": active,
        "using_learning": rng.choice(("often", "sometimes")) if active else rng.choice(("not_yet", "no")),
    }


def _surveys(now, earliest):
    """Run the scheduler week by week through the history, and answer most invitations."""
    rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
    moment = earliest - timedelta(days=21)
    while moment <= now:
        surveys.invitations_schedule(now=moment)
        moment += timedelta(days=7)
    surveys.invitations_schedule(now=now)
    pre_ratings = {}
    answered = 0
    order = {kind: index for index, kind in enumerate(SurveyKind.values)}
    invitations = sorted(
        SurveyInvitation.objects.filter(responded_at__isnull=True, enrollment__user__isnull=False)
        .select_related("enrollment__user", "enrollment__session__program")
        .prefetch_related("enrollment__session__program__categories"),
        key=lambda invitation: (order[invitation.kind], invitation.due_at, invitation.pk),
    )
    for invitation in invitations:
        if rng.random() > RESPONSE_RATE:
            continue
        answered_at = invitation.due_at + timedelta(days=1)
        if answered_at > now:
            continue
        surveys.survey_respond(
            invitation=invitation,
            user=invitation.enrollment.user,
            data=_answers(invitation, rng, pre_ratings),
            now=answered_at,
            measure=False,  # the full measurements_sync after the surveys measures them all, in batches
        )
        answered += 1
    # What a real night does: the invitations go out (the console backend prints nothing).
    SurveyInvitation.objects.filter(sent_at__isnull=True, due_at__lte=now).update(sent_at=now)
    return answered


def _self_assessments(now):
    rng = random.Random(SEED + 1)  # noqa: S311
    families = list(CapacityCategory.objects.filter(parent__isnull=True).order_by("position", "slug")[:6])
    rounds = 0
    for username in STORYTELLERS:
        person = User.objects.filter(username=username).first()
        if person is None:
            continue
        level = {category: rng.choice((1, 2, 2, 3)) for category in families}
        for months_ago in (18, 12, 6, 1):
            level = {category: min(5, value + rng.choice((0, 0, 1))) for category, value in level.items()}
            assessment.self_assessment_record(
                by=person, user=person, ratings=level, now=now - timedelta(days=30 * months_ago)
            )
            rounds += 1
    organization = Organization.objects.filter(slug=ASSESSED_ORGANIZATION).first()
    admin = (
        User.objects.filter(memberships__organization=organization, memberships__role=Role.ADMIN).first()
        if organization
        else None
    )
    if admin is not None:
        level = dict.fromkeys(families, 2)
        for months_ago in (12, 6, 2):
            level = {category: min(5, value + rng.choice((0, 1))) for category, value in level.items()}
            assessment.self_assessment_record(
                by=admin, organization=organization, ratings=level, now=now - timedelta(days=30 * months_ago)
            )
            rounds += 1
    return rounds


# What staff wrote about what worked, in their own languages; the last one waits for review.
PRACTICES = (
    {
        "organization": "busan-wikimedians",
        "program": "newcomer-mentoring-busan",
        "language": "ko",
        "title": "신입 편집자와 경험 많은 편집자를 6주 동안 짝짓기",
        "context": "첫 편집 모임 뒤에 대부분의 신입 편집자가 다시 오지 않았습니다.",
        "done": "신입 편집자마다 경험 많은 편집자 한 명을 6주 동안 짝지어 매주 30분씩 온라인으로 만났습니다.",
        "evidence": "6개월 뒤에도 편집하는 사람이 열 명 중 여덟 명이었습니다 (학습 보고서의 6개월 유지율).",
        "change": "짝을 모임 전에 정해 두겠습니다.",
        "translation": {
            "title": "Pairing newcomers with an experienced editor for six weeks",
            "context": "Most newcomers did not come back after their first editing meetup.",
            "what_was_done": "Each newcomer met one experienced editor online for 30 minutes a week for six weeks.",
            "evidence": "Eight in ten were still editing six months later (the learning report's 6-month retention).",
            "would_change": "Set up the pairs before the meetup.",
        },
        "categories": ("mentoring", "newcomer-onboarding"),
        "reports": ("movement:", "method:mentoring"),
        "publish": True,
    },
    {
        "organization": "wikimedians-of-lagos",
        "program": "yoruba-wikipedia-mentoring-yo",
        "language": "en",
        "title": "A follow-up call a month after the training",
        "context": "Participants of our Yoruba Wikipedia mentoring stopped editing once the sessions ended.",
        "done": "A short group call one month after the last session: what did you write, where are you stuck?",
        "evidence": "Retention at three months rose; the calls cost two volunteer hours each.",
        "change": "Record the call for those who cannot join live.",
        "categories": ("mentoring",),
        "reports": ("method:mentoring", "region:sub-saharan-africa"),
        "publish": True,
    },
    {
        "organization": "busan-wikimedians",
        "program": "user-group-governance-self-paced",
        "language": "en",
        "title": "Self-paced modules need a person to talk to",
        "context": "Self-paced modules have the lowest gains and retention in the learning reports, ours included.",
        "done": "We added a fortnightly drop-in hour with a facilitator to the module.",
        "evidence": "Too early to tell: the next quarter's reports will say.",
        "change": "Start with the drop-in hour, not add it later.",
        "categories": ("community-decision-making",),
        "reports": ("method:self_paced",),
        "publish": True,
    },
    {
        "organization": "nile-valley-wikimedians",
        "program": "arabic-wikipedia-editing-basics",
        "language": "ar",
        "title": "دورة تحرير على الإنترنت مع جلسات أسئلة مباشرة",
        "context": "كان المشاركون في الدورة الإلكترونية يتوقفون في الأسبوع الثاني.",
        "done": "أضفنا جلسة أسئلة مباشرة أسبوعية مدتها ساعة.",
        "evidence": "ارتفع الرضا في تقارير التعلّم.",
        "change": "نسجّل الجلسات لمن لا يستطيع الحضور.",
        "categories": ("wikipedia",),
        "reports": ("method:online_course",),
        "publish": False,
    },
)


def _practices():
    if practices.Practice.objects.exists():
        return 0
    steward = User.objects.filter(is_superuser=True).order_by("pk").first()
    languages = {language.code: language for language in Language.objects.all()}
    written = 0
    for item in PRACTICES:
        organization = Organization.objects.filter(slug=item["organization"]).first()
        membership = (
            Membership.objects.filter(organization=organization).select_related("user").order_by("role", "pk").first()
        )
        program = Program.objects.filter(slug=item["program"], provider=organization).first()
        if organization is None or membership is None or program is None:
            continue
        practice = practices.practice_create(
            organization=organization,
            author=membership.user,
            data={
                "original_language": languages[item["language"]],
                "original_title": item["title"],
                "original_context": item["context"],
                "original_what_was_done": item["done"],
                "original_evidence": item["evidence"],
                "original_would_change": item["change"],
                "method": program.method,
                "region": program.region,
                "report_scopes": list(item["reports"]),
            },
            programs=[program],
            categories=list(CapacityCategory.objects.filter(slug__in=item["categories"])),
        )
        if item.get("translation"):
            practices.practice_translate(
                practice=practice, by=membership.user, language_code="en", values=item["translation"]
            )
        practices.practice_submit(practice=practice)
        if item["publish"] and steward is not None:
            practices.practice_publish(practice=practice, by=steward)
        written += 1
    return written


def load(data, *, password):
    now = timezone.now()
    written = _practices()
    if SurveyInvitation.objects.exists():
        return f"evaluation history already loaded, {written} new practices"
    learners = _learners()
    earliest = now - timedelta(days=45 + 91 * QUARTERS)
    # The demo's learners were made today; most have edited for years, a third joined
    # just before the history starts (newcomers in their first year of sessions).
    User.objects.filter(pk__in=[user.pk for user in learners[::3]]).update(date_joined=earliest - timedelta(days=20))
    User.objects.filter(pk__in=[user.pk for user in learners if user not in learners[::3]]).update(
        date_joined=earliest - timedelta(days=5 * 365)
    )
    sessions = _sessions(now, learners)
    answered = _surveys(now, earliest)
    rounds = _self_assessments(now)
    measurements_sync(now=timezone.now(), full=True)
    build = ReportBuild.objects.create(status=ReportBuild.Status.QUEUED)
    rows = reports.build_run(build_id=build.pk, fan_out=False)  # the demo waits for its figures
    return (
        f"{sessions} past sessions, {answered} survey answers, {rounds} self-assessments, {written} practices, "
        f"{rows} report figures"
    )
