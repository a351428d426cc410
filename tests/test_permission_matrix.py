"""Every view of the portal, tried by every persona: each gets exactly what the roles table allows.

The list of views comes from the URLconf itself, so a view added without a row in
MATRIX fails `test_every_view_is_in_the_matrix`, and a row whose view is gone fails too.

Each row says how to build the view's arguments from one shared scenario, which
methods to try, and what each persona gets:

    ok         200, or for a POST a redirect anywhere but the login page
    redirect   a GET answered with a redirect that is not the login page
    login      302 to the login page
    forbidden  403
    not_found  404

Where the code departs from DESIGN.md's roles table the expectation is what the code
does, marked "DESIGN:" in a comment, so the difference stays visible.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from programs import imports
from programs import services as program_services
from programs.models import Enrollment, ImportUpload, Session
from stakeholders.models import Invitation, Membership
from tests.factories import MembershipFactory, ProgramFactory, SessionFactory, UserFactory
from tests.permission_rows import (
    ADMINS,
    LOGIN_PATH,
    MANAGERS,
    MEMBERS_AND_STEWARDS,
    OUR_PACKAGES,
    PERSONAS,
    THIRD_PARTY_NAME_PREFIXES,
    THIRD_PARTY_NAMESPACES,
    Row,
    assessment,
    data_rights,
    everyone,
    exchange,
    funding,
    funding_dashboard,
    get,
    only,
    open_funding,
    post,
    practices,
    reports,
    signed_in,
    support,
    surveys,
)

AREA_MODULES = (
    exchange,
    support,
    data_rights,
    funding,
    funding_dashboard,
    open_funding,
    assessment,
    surveys,
    practices,
    reports,
)


def program_kwargs(s):
    return {"slug": s.program.slug}


def upcoming_kwargs(s):
    return {"slug": s.program.slug, "session_id": s.upcoming.pk}


def started_kwargs(s):
    return {"slug": s.program.slug, "session_id": s.started.pk}


def started_enrollment_kwargs(s):
    return {**started_kwargs(s), "enrollment_id": s.started_enrollment.pk}


def started_id_kwargs(s):
    return {"session_id": s.started.pk}


MATRIX = {
    # --- public pages -------------------------------------------------------------------
    "home": Row(methods=get(everyone("ok"))),
    "healthz": Row(methods=get(everyone("ok"))),
    "set_language": Row(methods=post(everyone("ok"), data=lambda s: {"language": "ko", "next": "/en/programs/"})),
    "capacity:glossary": Row(methods=get(everyone("ok"))),
    "programs:catalog": Row(methods=get(everyone("ok"))),
    "programs:detail": Row(kwargs=program_kwargs, methods=get(everyone("ok"))),
    "organizations:list": Row(methods=get(everyone("ok"))),
    "organizations:detail": Row(kwargs=lambda s: {"slug": s.organization.slug}, methods=get(everyone("ok"))),
    # The code is the credential: anyone holding it may verify the certificate.
    "certificates:verify": Row(kwargs=lambda s: {"code": s.certificate.code}, methods=get(everyone("ok"))),
    # The token is the credential: calendar apps fetch the feed without signing in.
    "calendar:feed": Row(kwargs=lambda s: {"token": s.volunteer.calendar_token}, methods=get(everyone("ok"))),
    # Open Badges 2.0 documents: public, as badge backpacks fetch them without signing in.
    "badges:assertion": Row(kwargs=lambda s: {"code": s.certificate.code}, methods=get(everyone("ok"))),
    "badges:badge_class": Row(kwargs=program_kwargs, methods=get(everyone("ok"))),
    "badges:issuer": Row(kwargs=lambda s: {"slug": s.organization.slug}, methods=get(everyone("ok"))),
    # --- enrolling and my learning ------------------------------------------------------
    # Anonymous people are sent to log in and come back; everyone signed in may enroll.
    "programs:enroll": Row(kwargs=upcoming_kwargs, methods=post(signed_in("ok"))),
    "me:my_learning": Row(methods=get(signed_in("ok"))),
    "me:profile": Row(methods={**get(signed_in("ok")), **post(signed_in("ok"), data=lambda s: {})}),
    "me:calendar_reset": Row(methods=post(signed_in("ok"))),
    # Only one's own enrollments exist for a person; a steward is no exception.
    "me:cancel": Row(
        kwargs=lambda s: {"enrollment_id": s.upcoming_enrollment.pk},
        methods=post(only({"volunteer"}, others="not_found")),
    ),
    "me:session_ics": Row(
        kwargs=lambda s: {"enrollment_id": s.upcoming_enrollment.pk},
        methods=get(only({"volunteer"}, others="not_found")),
    ),
    "me:invitations": Row(methods=get(signed_in("ok"))),
    # Each person downloads their own data; there is no id to try someone else's.
    "me:personal_data": Row(methods=get(signed_in("ok"))),
    "me:accept_invitation": Row(
        kwargs=lambda s: {"invitation_id": s.invitation.pk},
        methods=post(only({"volunteer"}, others="not_found")),
    ),
    "me:decline_invitation": Row(
        kwargs=lambda s: {"invitation_id": s.invitation.pk},
        methods=post(only({"volunteer"}, others="not_found")),
    ),
    # --- managing a session -------------------------------------------------------------
    "programs:participants": Row(kwargs=started_kwargs, methods=get(only(MANAGERS, others="forbidden"))),
    "programs:complete": Row(kwargs=started_enrollment_kwargs, methods=post(only(MANAGERS, others="forbidden"))),
    "programs:attendance": Row(
        kwargs=started_enrollment_kwargs,
        methods=post(only(MANAGERS, others="forbidden"), data=lambda s: {"attendance": "attended"}),
    ),
    # With a reason: a manager revokes the graduate's certificate (rolled back after each persona).
    "programs:revoke_certificate": Row(
        kwargs=lambda s: {**started_kwargs(s), "enrollment_id": s.certificate.enrollment_id},
        methods=post(only(MANAGERS, others="forbidden"), data=lambda s: {"reason": "Issued by mistake"}),
    ),
    "programs:attendance_all": Row(
        kwargs=started_kwargs,
        methods=post(only(MANAGERS, others="forbidden"), data=lambda s: {"attendance": "attended"}),
    ),
    # Without the confirmation box ticked: the door is tried, the session stays on.
    "programs:cancel_session": Row(kwargs=upcoming_kwargs, methods=post(only(MANAGERS, others="forbidden"))),
    # --- activity reports and downloads ---------------------------------------------------
    # An empty form is invalid: the form comes back (200) with its errors, nothing is saved.
    "reports:report": Row(
        kwargs=started_id_kwargs,
        methods={
            **get(only(MANAGERS, others="forbidden")),
            **post(only(MANAGERS, others="forbidden"), data=lambda s: {}),
        },
    ),
    # Without a file: the page comes back asking for one.
    "reports:dashboard_import": Row(kwargs=started_id_kwargs, methods=post(only(MANAGERS, others="forbidden"))),
    "reports:report_csv": Row(kwargs=started_id_kwargs, methods=get(only(MANAGERS, others="forbidden"))),
    # Personal data: the people in a session are for its organizers only.
    "reports:participants_csv": Row(kwargs=started_id_kwargs, methods=get(only(MANAGERS, others="forbidden"))),
    "organizations:reports_csv": Row(
        kwargs=lambda s: {"slug": s.organization.slug}, methods=get(only(MANAGERS, others="forbidden"))
    ),
    # --- spreadsheet imports -------------------------------------------------------------
    "imports:start": Row(
        kwargs=lambda s: {"slug": s.organization.slug}, methods=get(only(MANAGERS, others="forbidden"))
    ),
    "imports:template": Row(
        kwargs=lambda s: {"slug": s.organization.slug, "kind": "attendance", "file_format": "xlsx"},
        methods=get(only(MANAGERS, others="forbidden")),
    ),
    # Without a file: the form comes back asking for one (200), nothing is kept.
    "imports:upload": Row(
        kwargs=lambda s: {"slug": s.organization.slug},
        methods=post(only(MANAGERS, others="forbidden"), data=lambda s: {"kind": "attendance"}),
    ),
    "imports:preview": Row(
        kwargs=lambda s: {"slug": s.organization.slug, "upload_id": s.import_upload.pk},
        methods=get(only(MANAGERS, others="forbidden")),
    ),
    "imports:commit": Row(
        kwargs=lambda s: {"slug": s.organization.slug, "upload_id": s.import_upload.pk},
        methods=post(only(MANAGERS, others="forbidden")),
    ),
    # --- the workspace ---------------------------------------------------------------------
    # Anyone signed in may open it: who runs no organization reads what it is for.
    "workspace:home": Row(methods=get(signed_in("ok"))),
    "workspace:organization": Row(
        kwargs=lambda s: {"organization_slug": s.organization.slug}, methods=get(only(MANAGERS, others="forbidden"))
    ),
    "workspace:reports": Row(
        kwargs=lambda s: {"organization_slug": s.organization.slug}, methods=get(only(MANAGERS, others="forbidden"))
    ),
    # An empty form comes back with its errors (200) and nothing is saved.
    "workspace:program_create": Row(
        kwargs=lambda s: {"organization_slug": s.organization.slug},
        methods={
            **get(only(MANAGERS, others="forbidden")),
            **post(only(MANAGERS, others="forbidden"), data=lambda s: {}),
        },
    ),
    "workspace:program": Row(kwargs=program_kwargs, methods=get(only(MANAGERS, others="forbidden"))),
    "workspace:program_edit": Row(
        kwargs=program_kwargs,
        methods={
            **get(only(MANAGERS, others="forbidden")),
            **post(only(MANAGERS, others="forbidden"), data=lambda s: {}),
        },
    ),
    "workspace:program_publish": Row(kwargs=program_kwargs, methods=post(only(MANAGERS, others="forbidden"))),
    "workspace:program_unpublish": Row(kwargs=program_kwargs, methods=post(only(MANAGERS, others="forbidden"))),
    # Refused with a message (the program has sessions to come); the door is what is tried.
    "workspace:program_archive": Row(kwargs=program_kwargs, methods=post(only(MANAGERS, others="forbidden"))),
    "workspace:program_restore": Row(kwargs=program_kwargs, methods=post(only(MANAGERS, others="forbidden"))),
    "workspace:session_create": Row(
        kwargs=program_kwargs,
        methods={
            **get(only(MANAGERS, others="forbidden")),
            **post(only(MANAGERS, others="forbidden"), data=lambda s: {}),
        },
    ),
    "workspace:session_edit": Row(
        kwargs=upcoming_kwargs,
        methods={
            **get(only(MANAGERS, others="forbidden")),
            **post(only(MANAGERS, others="forbidden"), data=lambda s: {}),
        },
    ),
    # --- the organization's profile and people ------------------------------------------
    # DESIGN: stewards edit any organization's profile and manage its people here,
    # not only in the Django admin.
    "organizations:edit": Row(
        kwargs=lambda s: {"slug": s.organization.slug},
        # An empty form is invalid: the form comes back (200) and nothing is saved.
        methods={
            **get(only(ADMINS, others="forbidden")),
            **post(only(ADMINS, others="forbidden"), data=lambda s: {}),
        },
    ),
    # DESIGN: members and staff see the list of the organization's people; the table
    # grants seeing people only to admins ("manage X's memberships").
    "organizations:members": Row(
        kwargs=lambda s: {"slug": s.organization.slug}, methods=get(only(MEMBERS_AND_STEWARDS, others="forbidden"))
    ),
    "organizations:invite": Row(
        kwargs=lambda s: {"slug": s.organization.slug},
        methods=post(
            only(ADMINS, others="forbidden"), data=lambda s: {"person": s.outsider.username, "role": "member"}
        ),
    ),
    "organizations:change_role": Row(
        kwargs=lambda s: {"slug": s.organization.slug, "membership_id": s.member_membership.pk},
        methods=post(only(ADMINS, others="forbidden"), data=lambda s: {"role": "staff"}),
    ),
    "organizations:remove_member": Row(
        kwargs=lambda s: {"slug": s.organization.slug, "membership_id": s.member_membership.pk},
        methods=post(only(ADMINS, others="forbidden")),
    ),
    "organizations:withdraw_invitation": Row(
        kwargs=lambda s: {"slug": s.organization.slug, "invitation_id": s.invitation.pk},
        methods=post(only(ADMINS, others="forbidden")),
    ),
    # People of the organization leave it (its last admin is refused, with a message);
    # a steward may open the door but has no membership to leave.
    "organizations:leave": Row(
        kwargs=lambda s: {"slug": s.organization.slug},
        methods=post(only({"member", "staff", "admin"}, others="forbidden", steward="not_found")),
    ),
    # Who changed what names the organization's people and its unpublished work: its
    # admins and stewards only, not its staff or members.
    "organizations:audit": Row(
        kwargs=lambda s: {"slug": s.organization.slug}, methods=get(only(ADMINS, others="forbidden"))
    ),
}
# Rows for the community views live beside the scenario objects they need, one module per area.
for _module in AREA_MODULES:
    MATRIX.update(_module.ROWS)


# --- the URLconf ------------------------------------------------------------------------


def _walk(patterns, namespaces=()):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield namespaces, pattern


def _is_third_party(namespaces, pattern):
    if namespaces and namespaces[0] in THIRD_PARTY_NAMESPACES:
        return True
    if pattern.name and pattern.name.startswith(THIRD_PARTY_NAME_PREFIXES):
        return True
    module = getattr(pattern.callback, "__module__", "") or ""
    return module.split(".")[0] not in OUR_PACKAGES


def our_views():
    """Every view of our apps in the URLconf, by its reversible name; unnamed ones as errors."""
    names, unnamed = set(), []
    for namespaces, pattern in _walk(get_resolver().url_patterns):
        if _is_third_party(namespaces, pattern):
            continue
        if pattern.name is None:
            unnamed.append(f"{':'.join(namespaces)} {pattern.pattern} ({pattern.lookup_str})")
        else:
            names.add(":".join((*namespaces, pattern.name)))
    return names, unnamed


def test_every_view_is_in_the_matrix():
    names, unnamed = our_views()
    assert not unnamed, f"give these views a name and add them to the permission matrix: {unnamed}"
    missing = sorted(names - MATRIX.keys())
    assert not missing, f"add it to the permission matrix in {__name__}: {missing}"
    gone = sorted(MATRIX.keys() - names)
    assert not gone, f"these permission matrix rows name views that no longer exist: {gone}"


def test_the_walk_finds_views_at_every_level():
    """A guard on the walk itself: plain, included, namespaced and language-prefixed views."""
    names, _unnamed = our_views()
    assert {"healthz", "home", "programs:detail", "capacity:glossary", "calendar:feed"} <= names
    assert not any(name.startswith(("admin:", "account_")) for name in names)


def test_every_row_says_what_each_persona_gets():
    for name, row in MATRIX.items():
        assert row.methods, f"{name}: no method to try"
        for method, (_data, outcomes) in row.methods.items():
            assert set(outcomes) == set(PERSONAS), f"{name} {method}: every persona needs an outcome"


# --- the scenario -----------------------------------------------------------------------


@pytest.fixture
def scenario(volunteer, organization, staff, other_staff, affiliate_admin, funder, steward):
    now = timezone.now()
    member_membership = MembershipFactory(
        organization=organization, user=UserFactory(username="member"), role=Membership.Role.MEMBER
    )
    program = ProgramFactory(provider=organization, slug="wikidata-basics")
    upcoming = SessionFactory(program=program, seats=10)
    started = SessionFactory(program=program, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    upcoming_enrollment = program_services.enrollment_create(user=volunteer, session=upcoming).enrollment
    started_enrollment = Enrollment.objects.create(user=volunteer, session=started, status=Enrollment.Status.ENROLLED)
    graduate = UserFactory(username="graduate")
    graduate_enrollment = Enrollment.objects.create(user=graduate, session=started, status=Enrollment.Status.ENROLLED)
    # Enrollment closes when a session starts, so these seats are counted by hand.
    Session.objects.filter(pk=started.pk).update(seats_taken=2)
    certificate = program_services.enrollment_complete(enrollment=graduate_enrollment)
    program_services.report_save(session=started, values={"participants": 2})
    invitation = Invitation.objects.create(
        organization=organization, user=volunteer, role=Membership.Role.MEMBER, invited_by=affiliate_admin
    )
    import_upload = imports.import_upload_create(
        organization=organization,
        by=staff,
        kind=ImportUpload.Kind.ATTENDANCE,
        filename="attendance.csv",
        content=f"session_id,person,attendance\n{started.pk},volunteer,attended\n".encode(),
    )
    built = SimpleNamespace(
        organization=organization,
        program=program,
        upcoming=upcoming,
        started=started,
        upcoming_enrollment=upcoming_enrollment,
        started_enrollment=started_enrollment,
        certificate=certificate,
        invitation=invitation,
        import_upload=import_upload,
        member_membership=member_membership,
        volunteer=volunteer,
        outsider=UserFactory(username="outsider"),
        people={
            "anonymous": None,
            "volunteer": volunteer,
            "member": member_membership.user,
            "staff": staff,
            "admin": affiliate_admin,
            "other_staff": other_staff,
            "funder": funder,
            "steward": steward,
        },
    )
    for module in AREA_MODULES:
        module.build(built)
    return built


def outcome_of(response, method):
    if response.status_code == 302:
        if response["Location"].split("?")[0] == LOGIN_PATH:
            return "login"
        return "ok" if method == "POST" else "redirect"
    return {200: "ok", 403: "forbidden", 404: "not_found"}.get(response.status_code, str(response.status_code))


CASES = [(name, method) for name, row in MATRIX.items() for method in row.methods]


@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{name}-{method}" for name, method in CASES])
def test_each_persona_gets_what_the_roles_allow(scenario, name, method):
    row = MATRIX[name]
    build_data, expected = row.methods[method]
    url = reverse(name, kwargs=row.kwargs(scenario) if row.kwargs else None)
    data = build_data(scenario) if build_data else {}
    got = {}
    for persona in PERSONAS:
        # Each persona acts on the same fresh scenario: what a POST changed is rolled back.
        cache.clear()
        with transaction.atomic():
            client = Client()
            if scenario.people[persona] is not None:
                client.force_login(scenario.people[persona])
            response = client.get(url, data) if method == "GET" else client.post(url, data)
            got[persona] = outcome_of(response, method)
            transaction.set_rollback(True)
    wrong = {persona: f"expected {expected[persona]}, got {got[persona]}" for persona in PERSONAS}
    wrong = {persona: text for persona, text in wrong.items() if got[persona] != expected[persona]}
    assert not wrong, f"{method} {url}: {wrong}"
