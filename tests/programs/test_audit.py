"""An organization's audit trail: who changed what and when, before and after, for its admins and stewards."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from capacity.models import Region
from programs import audit, services
from programs.models import Program
from stakeholders.models import Membership
from tests.factories import MembershipFactory, ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def audit_url(organization, **query):
    url = reverse("organizations:audit", kwargs={"slug": organization.slug})
    return f"{url}?{urlencode(query)}" if query else url


def page_of(client, organization, **query):
    response = client.get(audit_url(organization, **query))
    assert response.status_code == 200
    return response.content.decode()


def text_of(html):
    """The page as a reader hears it: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def figures(**changes):
    return {"participants": 20, "newcomers": 8, "facilitators": 2, "hours_of_learning": Decimal("54"), **changes}


# --- what is recorded, and how it reads ----------------------------------------------------


def test_a_program_edit_says_who_when_and_the_title_before_and_after(affiliate_admin_client, affiliate_admin, program):
    affiliate_admin.time_zone = "Asia/Seoul"
    affiliate_admin.save(update_fields=["time_zone"])
    program.original_title = "Wikidata for librarians"
    program.level = Program.Level.ADVANCED
    program._history_user = affiliate_admin
    services.program_save(program=program)

    html = page_of(affiliate_admin_client, program.provider)
    entry = text_of(html.split('class="audit-entry"')[1])
    assert "Program" in entry and "changed" in entry
    assert f"by {affiliate_admin.public_name}" in entry
    assert "Title in the original language Wikidata basics Wikidata for librarians" in entry
    # Choices read as their labels, in the model's field order.
    assert "Level Beginner Advanced" in entry
    assert entry.index("Title in the original language") < entry.index("Level")
    # Fields that did not change are left out.
    assert "Method" not in entry and "Slug" not in entry
    # When, in the viewer's own time zone.
    assert re.search(r'<time datetime="[^"]+\+09:00">', html)


def test_a_role_change_made_on_the_members_page_names_the_admin_who_made_it(
    affiliate_admin_client, affiliate_admin, organization
):
    member = MembershipFactory(organization=organization, user=UserFactory(display_name="Ji-woo"))
    response = affiliate_admin_client.post(
        reverse("organizations:change_role", kwargs={"slug": organization.slug, "membership_id": member.pk}),
        {"role": Membership.Role.ADMIN},
    )
    assert response.status_code == 302

    entry = text_of(page_of(affiliate_admin_client, organization).split('class="audit-entry"')[1])
    assert f"Membership Ji-woo ({member.user.username}) changed" in entry
    assert f"by {affiliate_admin.public_name}" in entry
    assert "Role Staff Administrator" in entry


def test_a_member_removed_on_the_members_page_appears_as_deleted(affiliate_admin_client, affiliate_admin, organization):
    member = MembershipFactory(organization=organization, user=UserFactory(display_name="Leaving soon"))
    affiliate_admin_client.post(
        reverse("organizations:remove_member", kwargs={"slug": organization.slug, "membership_id": member.pk})
    )

    entry = text_of(page_of(affiliate_admin_client, organization).split('class="audit-entry"')[1])
    assert f"Membership Leaving soon ({member.user.username}) deleted" in entry
    assert f"by {affiliate_admin.public_name}" in entry


def test_a_seat_change_shows_the_seats_before_and_after(affiliate_admin_client, session):
    session.seats = 25
    services.session_save(session=session)

    entry = text_of(page_of(affiliate_admin_client, session.program.provider).split('class="audit-entry"')[1])
    assert "Session Wikidata basics" in entry and "changed" in entry
    assert "Seats 10 25" in entry
    # Changes nobody in particular made are the system's.
    assert "by the system" in entry


def test_a_report_and_its_corrections_appear_with_yes_no_answers(affiliate_admin_client, staff, past_session):
    services.report_save(session=past_session, values=figures(), by=staff)
    services.report_save(
        session=past_session,
        values=figures(participants=22, gender_asked=True, gender_woman=12, gender_man=9),
        by=staff,
    )

    entries = page_of(affiliate_admin_client, past_session.program.provider).split('class="audit-entry"')
    changed, created = text_of(entries[1]), text_of(entries[2])
    assert "Activity report Wikidata basics" in created and "created" in created
    assert "Activity report Wikidata basics" in changed and "changed" in changed
    assert "Participants 20 22" in changed
    assert "Gender was asked no yes" in changed
    assert "Gender: Woman 0 12" in changed
    assert "Gender: Not answered 0 1" in changed


def test_created_and_deleted_sessions_appear_even_after_the_program_is_gone(affiliate_admin_client, organization):
    program = ProgramFactory(provider=organization, original_title="Commons in a day")
    start = timezone.now() + timedelta(days=3)
    services.sessions_bulk_create(
        sessions=[
            SessionFactory.build(
                program=program, starts_at=start + timedelta(days=day), ends_at=start + timedelta(days=day, hours=2)
            )
            for day in range(2)
        ]
    )
    services.program_delete(program=program)

    text = text_of(page_of(affiliate_admin_client, organization, kind="session"))
    assert text.count("Session Commons in a day") == 4
    assert text.count("created") == 2 and text.count("deleted") == 2
    text = text_of(page_of(affiliate_admin_client, organization, kind="program"))
    assert "Program Commons in a day" in text and "deleted" in text


def test_a_deleted_programs_reports_stay_in_the_trail(affiliate_admin_client, organization, other_organization):
    program = ProgramFactory(provider=organization, original_title="Gone with its report")
    start = timezone.now() - timedelta(days=2)
    session = SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=3))
    services.report_save(session=session, values=figures())
    services.program_delete(program=program)
    # Another organization's deleted program stays out.
    theirs = ProgramFactory(provider=other_organization, original_title="Their deleted plan")
    services.program_delete(program=theirs)

    text = text_of(page_of(affiliate_admin_client, organization, kind="report"))
    assert "Activity report Gone with its report" in text
    assert text.count("created") == 1 and text.count("deleted") == 1
    assert "Their deleted plan" not in page_of(affiliate_admin_client, organization)


def test_a_deleted_program_restored_from_its_history_is_listed_once(affiliate_admin_client, organization):
    program = ProgramFactory(provider=organization, original_title="Back from the dead")
    SessionFactory(program=program)
    program_id = program.pk
    services.program_delete(program=program)
    # A steward can restore it from its history in the Django admin: the same id again.
    Program.history.filter(id=program_id, history_type="-").get().instance.save()

    keys = list(audit.audit_keys(organization=organization))
    assert len(keys) == len(set(keys))
    text = text_of(page_of(affiliate_admin_client, organization, kind="program"))
    assert text.count("Program Back from the dead") == 3  # created, deleted, created again
    text = text_of(page_of(affiliate_admin_client, organization, kind="session"))
    assert text.count("Session Back from the dead") == 2  # created, deleted with the program


def test_the_organization_profile_and_its_translations_are_compared_per_language(affiliate_admin_client, organization):
    organization.name_ko = "위키 학습 허브"
    organization.website = "https://hub.example.org"
    organization.save()

    entry = text_of(page_of(affiliate_admin_client, organization).split('class="audit-entry"')[1])
    assert "Organization Wiki Learning Hub changed" in entry
    assert "Name [ko] (empty) 위키 학습 허브" in entry
    assert "Website (empty) https://hub.example.org" in entry


def test_another_organizations_changes_never_appear(
    affiliate_admin_client, organization, other_organization, other_staff, program
):
    theirs = ProgramFactory(provider=other_organization, original_title="Other chapter's secret plan")
    theirs.original_title = "Other chapter's revised plan"
    theirs._history_user = other_staff
    services.program_save(program=theirs)
    their_session = SessionFactory(program=theirs)
    their_session.seats = 99
    services.session_save(session=their_session)
    their_report_session = SessionFactory(
        program=theirs, starts_at=timezone.now() - timedelta(days=1), ends_at=timezone.now() - timedelta(hours=20)
    )
    services.report_save(session=their_report_session, values=figures())
    MembershipFactory(organization=other_organization, user=UserFactory(display_name="Someone else entirely"))
    other_organization.website = "https://other.example.org"
    other_organization.save()

    html = page_of(affiliate_admin_client, organization)
    for theirs_text in ("secret plan", "revised plan", "Someone else entirely", "other.example.org"):
        assert theirs_text not in html
    listed = text_of(html)
    assert "Seats" not in listed and "Activity report" not in listed.split("Show")[-1]
    assert "Other Chapter" not in html
    # Nor do their people in the filter.
    assert other_staff.public_name not in html
    assert "Wikidata basics" in html


# --- filters and pages -------------------------------------------------------------------


def test_the_kind_filter_shows_one_kind_of_record(affiliate_admin_client, organization, session):
    session.seats = 12
    services.session_save(session=session)

    text = text_of(page_of(affiliate_admin_client, organization, kind="session"))
    assert "Seats 10 12" in text
    assert "Membership" not in text.split("Show")[-1]
    assert "Program Wikidata basics" not in text


def test_the_person_filter_shows_what_one_person_changed(
    affiliate_admin_client, affiliate_admin, organization, program, session
):
    program.original_summary = "Changed by the admin"
    program._history_user = affiliate_admin
    services.program_save(program=program)
    session.seats = 12
    services.session_save(session=session)

    text = text_of(page_of(affiliate_admin_client, organization, person=affiliate_admin.pk))
    assert "Changed by the admin" in text
    assert "Seats 10 12" not in text
    assert re.search(r"\b1 recorded change\b", text)


@pytest.mark.parametrize("query", [{"person": "999999"}, {"person": "x'--"}, {"kind": "<b>nope</b>"}, {"page": "-3"}])
def test_a_filter_that_is_not_one_of_the_choices_is_said_and_ignored(affiliate_admin_client, organization, query):
    html = page_of(affiliate_admin_client, organization, **query)
    assert "recorded change" in html
    if "page" not in query:
        assert 'class="errorlist"' in html
    assert "<b>nope</b>" not in html


def test_fifty_changes_fit_on_a_page_and_the_rest_follow(affiliate_admin_client, organization, session):
    for seats in range(11, 71):
        session.seats = seats
        services.session_save(session=session)

    first = text_of(page_of(affiliate_admin_client, organization, kind="session"))
    assert first.count("Seats ") == 50
    assert "Seats 69 70" in first
    second = text_of(page_of(affiliate_admin_client, organization, kind="session", page=2))
    assert second.count("Seats ") == 10
    assert "Seats 10 11" in second and "created" in second


# --- safety ------------------------------------------------------------------------------


def test_hostile_text_in_titles_and_notes_is_shown_as_text(
    affiliate_admin_client, affiliate_admin, organization, program, past_session
):
    program.original_title = HOSTILE
    program._history_user = affiliate_admin
    services.program_save(program=program)
    services.report_save(session=past_session, values=figures(notes=HOSTILE))

    html = page_of(affiliate_admin_client, organization)
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_long_texts_are_cut_short(affiliate_admin_client, affiliate_admin, program):
    program.original_description = "word " * 200
    services.program_save(program=program)

    entry = text_of(page_of(affiliate_admin_client, program.provider).split('class="audit-entry"')[1])
    assert "…" in entry
    assert entry.count("word") < 40


# --- who may see it ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("volunteer", 403),
        ("member", 403),
        ("staff", 403),
        ("other_staff", 403),
        ("funder", 403),
        ("affiliate_admin", 200),
        ("steward", 200),
    ],
)
def test_only_the_organizations_admins_and_stewards_see_its_trail(request, organization, persona, status):
    client = Client()
    if persona == "member":
        client.force_login(MembershipFactory(organization=organization, role=Membership.Role.MEMBER).user)
    elif persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    response = client.get(audit_url(organization))
    assert response.status_code == status
    if persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_an_admin_of_another_organization_is_refused(organization, other_organization):
    their_admin = MembershipFactory(organization=other_organization, role=Membership.Role.ADMIN).user
    client = Client()
    client.force_login(their_admin)
    assert client.get(audit_url(organization)).status_code == 403


def test_the_trail_takes_only_get(affiliate_admin_client, organization):
    assert affiliate_admin_client.post(audit_url(organization)).status_code == 405


def test_the_organization_page_links_to_the_trail_only_for_those_who_may_see_it(
    client, organization, staff, affiliate_admin
):
    link = audit_url(organization)
    page = reverse("organizations:detail", kwargs={"slug": organization.slug})
    client.force_login(staff)
    assert link not in client.get(page).content.decode()
    client.force_login(affiliate_admin)
    assert link in client.get(page).content.decode()


def test_an_unknown_organization_is_not_found(affiliate_admin_client):
    assert affiliate_admin_client.get(reverse("organizations:audit", kwargs={"slug": "no-such-org"})).status_code == 404


# --- cost ----------------------------------------------------------------------------------


def make_changes(organization, count, *, by):
    """`count` recorded changes of every kind, each with something to compare."""
    start = timezone.now() - timedelta(days=2)
    program = ProgramFactory(provider=organization, original_title="Audit load")
    session = SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=3))
    member = MembershipFactory(organization=organization, role=Membership.Role.MEMBER)
    regions = list(Region.objects.order_by("pk")[:2])
    for step in range(count):
        match step % 4:
            case 0:
                program.original_summary = f"Summary {step}"
                # A foreign key changes too: the page names the region.
                program.region = regions[(step // 4) % 2]
                program._history_user = by
                services.program_save(program=program)
            case 1:
                session.seats = 10 + step
                services.session_save(session=session)
            case 2:
                member.role = Membership.Role.STAFF if member.role == Membership.Role.MEMBER else Membership.Role.MEMBER
                member._history_user = by
                member.save()
            case 3:
                services.report_save(session=session, values=figures(participants=20 + step), by=by)


# Every kind of record on the page at once: session and user (2), the organization and
# the viewer's role (2), the ids of its deleted programs for the trail and for the
# filter (2), count and page (2), each kind's records and the records before them
# (5 × 2), the newest sessions and programs named (2), languages, regions,
# organizations and people named (4), the filter's people (1), the navigation (1).
QUERY_CEILING = 26


@pytest.mark.parametrize("changes", [8, 60])
def test_the_page_costs_the_same_queries_for_few_or_many_changes(
    affiliate_admin_client, affiliate_admin, organization, django_assert_max_num_queries, changes
):
    make_changes(organization, changes, by=affiliate_admin)
    with django_assert_max_num_queries(QUERY_CEILING):
        html = page_of(affiliate_admin_client, organization)
    recorded = audit.audit_keys(organization=organization).count()
    assert recorded > changes
    assert html.count('class="audit-entry"') == min(audit.ENTRIES_PER_PAGE, recorded)
    assert "Seats" in html and "Participants" in html and "Role" in html and "Summary" in html


# --- the Django admin ------------------------------------------------------------------------


def test_stewards_see_each_objects_history_in_the_admin(client, steward, organization, session):
    session.seats = 14
    services.session_save(session=session)
    client.force_login(steward)
    for url in (
        reverse("admin:programs_session_history", args=[session.pk]),
        reverse("admin:programs_program_history", args=[session.program_id]),
        reverse("admin:stakeholders_organization_history", args=[organization.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "14" in client.get(reverse("admin:programs_session_history", args=[session.pk])).content.decode()
