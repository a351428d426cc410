"""Writing a practice, sending it for review, and the stewards' decision; who may do each."""

import pytest
from django.urls import reverse

from capacity.models import CapacityCategory, Language
from evaluation import practices
from evaluation.models import Practice
from tests.evaluation.test_practices import make_practice, practice_data
from tests.factories import MembershipFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def form_post(**changes):
    """What the practice form posts."""
    data = {
        "original_language": "en",
        "original_title": "Mentoring circles",
        "original_context": "Few new admins stayed.",
        "original_what_was_done": "Monthly circles.",
        "original_evidence": "Eight of ten stayed.",
        "original_would_change": "",
        "categories": ["board-practices"],
        "method": "mentoring",
        "region": "south-asia",
        "report_scopes": ["method:mentoring", "movement:"],
    }
    return data | changes


# --- who sees what ------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "submitted", "returned"])
def test_an_unpublished_practice_is_not_found_for_outsiders(client, organization, volunteer, other_staff, status):
    practice = make_practice(organization, status=status)
    url = reverse("practices:detail", args=[practice.slug])
    assert client.get(url).status_code == 404
    for outsider in (volunteer, other_staff):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.get(reverse("practices:edit", args=[practice.slug])).status_code == 404
        assert client.post(reverse("practices:submit", args=[practice.slug])).status_code == 404


@pytest.mark.parametrize("status", ["draft", "submitted", "returned"])
def test_an_unpublished_practice_is_seen_by_its_organization_and_stewards(
    client, organization, staff, affiliate_admin, steward, status
):
    practice = make_practice(organization, status=status)
    for person in (staff, affiliate_admin, steward):
        client.force_login(person)
        assert client.get(reverse("practices:detail", args=[practice.slug])).status_code == 200


def test_a_published_practice_is_read_by_everyone_but_edited_by_its_organization(client, organization, other_staff):
    practice = make_practice(organization)
    assert client.get(reverse("practices:detail", args=[practice.slug])).status_code == 200
    client.force_login(other_staff)
    assert client.get(reverse("practices:edit", args=[practice.slug])).status_code == 403
    assert client.get(reverse("practices:translate", args=[practice.slug, "ko"])).status_code == 403


def test_a_person_without_an_organization_cannot_write_a_practice(client, volunteer):
    assert client.get(reverse("practices:new")).status_code == 302  # to log in
    client.force_login(volunteer)
    assert client.get(reverse("practices:new")).status_code == 403
    assert client.post(reverse("practices:new"), form_post()).status_code == 403
    assert not Practice.objects.exists()


# --- writing --------------------------------------------------------------------------------


def test_staff_write_a_draft_for_their_organization(client, organization, staff):
    program = ProgramFactory(provider=organization)
    client.force_login(staff)
    assert client.get(reverse("practices:new")).status_code == 200
    response = client.post(reverse("practices:new"), form_post(organization=organization.slug, programs=[program.slug]))
    practice = Practice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:detail", args=[practice.slug])
    assert practice.slug == "mentoring-circles"
    assert practice.status == Practice.Status.DRAFT
    assert practice.author == staff
    assert practice.organization == organization
    assert list(practice.programs.all()) == [program]
    assert practice.report_scopes == ["method:mentoring", "movement:"]
    # A second practice with the same title gets a slug of its own.
    client.post(reverse("practices:new"), form_post(organization=organization.slug))
    assert Practice.objects.filter(slug__startswith="mentoring-circles-").count() == 1


def test_a_reserved_or_empty_slug_is_never_generated(organization):
    for title in ("New", "Review", "Mine", "멘토링"):
        practice = make_practice(organization, status="draft", original_title=title)
        assert practice.slug not in practices.RESERVED_SLUGS
        assert practice.slug


def test_staff_cannot_write_for_another_organization(client, organization, other_organization, staff):
    client.force_login(staff)
    response = client.post(reverse("practices:new"), form_post(organization=other_organization.slug))
    assert response.status_code == 200
    assert response.context["form"].errors["organization"]
    assert not Practice.objects.exists()


def test_linking_another_organizations_program_is_refused(client, organization, other_organization, staff):
    theirs = ProgramFactory(provider=other_organization)
    client.force_login(staff)
    response = client.post(reverse("practices:new"), form_post(organization=organization.slug, programs=[theirs.slug]))
    assert response.status_code == 200
    assert response.context["form"].errors["programs"]
    assert not Practice.objects.exists()
    practice = make_practice(organization, status="draft")
    response = client.post(reverse("practices:edit", args=[practice.slug]), form_post(programs=[theirs.slug]))
    assert response.status_code == 200
    assert not practice.programs.exists()


def test_a_staff_member_of_two_organizations_links_only_the_chosen_ones_programs(
    client, organization, other_organization, staff
):
    MembershipFactory(organization=other_organization, user=staff)
    theirs = ProgramFactory(provider=other_organization)
    client.force_login(staff)
    response = client.post(reverse("practices:new"), form_post(organization=organization.slug, programs=[theirs.slug]))
    assert "Link only the chosen organization" in response.content.decode()
    assert not Practice.objects.exists()


def test_the_service_refuses_another_organizations_program_too(organization, other_organization):
    with pytest.raises(practices.ValidationError) as refused:
        make_practice(organization, status="draft", programs=[ProgramFactory(provider=other_organization)])
    assert "programs" in refused.value.error_dict


def test_the_service_refuses_unknown_methods_and_reports(organization):
    for changes in (
        {"method": "teleportation"},
        {"report_scopes": ["region:atlantis"]},
        {"report_scopes": "movement:"},
    ):
        with pytest.raises(practices.ValidationError):
            make_practice(organization, status="draft", **changes)
    with pytest.raises(practices.ValidationError):
        make_practice(organization, status="draft", categories=())
    assert not Practice.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"original_title": ""},
        {"original_context": ""},
        {"original_evidence": "\u200b\u200b"},
        {"original_language": "xx"},
        {"categories": []},
        {"categories": ["no-such-capacity"]},
        {"method": "teleportation"},
        {"region": "atlantis"},
        {"report_scopes": ["organization:other-chapter"]},
        {"report_scopes": ["anything:goes"]},
        {"original_context": "x" * 5001},
        {"original_title": "t" * 201},
        {"original_context": "bidi \u202e override"},
        {"original_title": "nul \x00 byte"},
    ],
)
def test_bad_input_gives_a_form_error_and_saves_nothing(client, organization, other_organization, staff, changes):
    client.force_login(staff)
    response = client.post(reverse("practices:new"), form_post(organization=organization.slug, **changes))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Practice.objects.exists()


def test_hostile_text_is_kept_as_text_and_escaped(client, organization, staff):
    client.force_login(staff)
    script = "<script>alert('x')</script>"
    long_text = "Долгий текст. " * 350  # about 4,900 characters
    client.post(
        reverse("practices:new"),
        form_post(
            organization=organization.slug,
            original_title=f"{script}\r\nsecond line",
            original_context=f"{script}\r\n\r\nNext paragraph",
            original_what_was_done=long_text,
        ),
    )
    practice = Practice.objects.get()
    # Line breaks in a title become a space; texts keep LF only.
    assert practice.original_title == f"{script} second line"
    assert practice.original_context == f"{script}\n\nNext paragraph"
    assert practice.original_what_was_done == long_text.strip()
    page = client.get(reverse("practices:detail", args=[practice.slug])).content.decode()
    assert script not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_a_10k_text_is_refused_with_a_message(client, organization, staff):
    client.force_login(staff)
    response = client.post(
        reverse("practices:new"), form_post(organization=organization.slug, original_context="x" * 10_000)
    )
    assert "at most 5000 characters" in response.content.decode()
    assert not Practice.objects.exists()


def test_a_title_with_a_line_break_is_refused_by_the_service(organization):
    practice = make_practice(organization, status="draft")
    practice.title_ko = "one\ntwo"
    with pytest.raises(practices.ValidationError):
        practices._check_texts(practice)


def test_staff_edit_their_draft(client, organization, staff):
    practice = make_practice(organization, status="draft")
    client.force_login(staff)
    page = client.get(reverse("practices:edit", args=[practice.slug]))
    assert page.status_code == 200
    assert "Mentoring circles for new admins" in page.content.decode()
    response = client.post(reverse("practices:edit", args=[practice.slug]), form_post(original_title="Better title"))
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.original_title == "Better title"
    assert practice.status == Practice.Status.DRAFT
    assert practice.slug == practice.slug  # the address stays


def test_editing_a_published_practice_sends_it_back_to_review(client, organization, staff, steward):
    practice = make_practice(organization)
    client.force_login(staff)
    client.post(reverse("practices:edit", args=[practice.slug]), form_post(original_title="Changed after review"))
    practice.refresh_from_db()
    assert practice.status == Practice.Status.SUBMITTED
    assert list(client.get(reverse("practices:list")).context["page"].object_list) == []
    # A steward's own correction keeps it published.
    practices.practice_publish(practice=practice, by=steward)
    client.force_login(steward)
    client.post(reverse("practices:edit", args=[practice.slug]), form_post(original_title="Typo fixed"))
    practice.refresh_from_db()
    assert practice.status == Practice.Status.PUBLISHED
    assert practice.original_title == "Typo fixed"


# --- translating ------------------------------------------------------------------------------


def test_staff_add_and_remove_a_translation(client, organization, staff):
    practice = make_practice(organization, status="draft")
    client.force_login(staff)
    url = reverse("practices:translate", args=[practice.slug, "ar"])
    page = client.get(url).content.decode()
    assert 'lang="ar" dir="rtl"' in page
    response = client.post(url, {"title": "حلقات\r\nالإرشاد", "context": "سياق\r\nثان"})
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.title_ar == "حلقات الإرشاد"
    assert practice.context_ar == "سياق\nثان"
    client.post(url, {"title": "", "context": ""})
    practice.refresh_from_db()
    assert practice.title_ar == ""


def test_a_translation_needs_a_title_and_a_ui_language_other_than_the_original(client, organization, staff):
    practice = make_practice(organization, status="draft")
    client.force_login(staff)
    response = client.post(reverse("practices:translate", args=[practice.slug, "ko"]), {"context": "맥락"})
    assert response.status_code == 200
    assert response.context["form"].errors["title"]
    assert client.get(reverse("practices:translate", args=[practice.slug, "en"])).status_code == 404
    assert client.get(reverse("practices:translate", args=[practice.slug, "bn"])).status_code == 404
    assert client.get(reverse("practices:translate", args=[practice.slug, "<script>"])).status_code == 404
    with pytest.raises(practices.ValidationError):
        practices.practice_translate(practice=practice, by=staff, language_code="en", values={"title": "Same"})


def test_a_new_original_language_drops_its_own_translation(organization, staff):
    practice = make_practice(organization, status="draft")
    practices.practice_translate(practice=practice, by=staff, language_code="ko", values={"title": "멘토링"})
    practice = practices.practice_update(
        practice=practice,
        by=staff,
        data=practice_data(original_language=Language.objects.get(code="ko"), original_title="멘토링 원문"),
        categories=CapacityCategory.objects.filter(slug="board-practices"),
    )
    assert practice.title_ko == ""


# --- submitting and reviewing --------------------------------------------------------------


def test_staff_send_a_draft_for_review_and_the_steward_publishes_it(client, organization, staff, steward):
    practice = make_practice(organization, status="draft")
    client.force_login(staff)
    response = client.post(reverse("practices:submit", args=[practice.slug]))
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.status == Practice.Status.SUBMITTED
    client.force_login(steward)
    queue = client.get(reverse("practices:review_queue"))
    assert [p.pk for p in queue.context["practices"]] == [practice.pk]
    response = client.post(reverse("practices:review", args=[practice.slug]), {"decision": "publish"})
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.status == Practice.Status.PUBLISHED
    assert practice.published_at is not None
    assert practice.reviewed_by == steward
    assert client.get(reverse("practices:review_queue")).context["practices"] == []


def test_the_steward_returns_a_practice_with_a_note_its_staff_read(client, organization, staff, steward):
    practice = make_practice(organization, status="submitted")
    client.force_login(steward)
    client.post(reverse("practices:review", args=[practice.slug]), {"decision": "return", "note": ""})
    practice.refresh_from_db()
    assert practice.status == Practice.Status.SUBMITTED  # a return needs its note
    client.post(reverse("practices:review", args=[practice.slug]), {"decision": "return", "note": "<b>Add figures</b>"})
    practice.refresh_from_db()
    assert practice.status == Practice.Status.RETURNED
    assert practice.review_note == "<b>Add figures</b>"
    client.force_login(staff)
    page = client.get(reverse("practices:detail", args=[practice.slug])).content.decode()
    assert "&lt;b&gt;Add figures&lt;/b&gt;" in page
    client.post(reverse("practices:submit", args=[practice.slug]))
    practice.refresh_from_db()
    assert practice.status == Practice.Status.SUBMITTED


def test_only_stewards_review(client, organization, staff, affiliate_admin, volunteer, other_staff):
    practice = make_practice(organization, status="submitted")
    url = reverse("practices:review", args=[practice.slug])
    for person in (staff, affiliate_admin):
        client.force_login(person)
        assert client.post(url, {"decision": "publish"}).status_code == 403
        assert client.get(reverse("practices:review_queue")).status_code == 403
    for person in (volunteer, other_staff):
        client.force_login(person)
        assert client.post(url, {"decision": "publish"}).status_code == 404
        assert client.get(reverse("practices:review_queue")).status_code == 403
    practice.refresh_from_db()
    assert practice.status == Practice.Status.SUBMITTED
    with pytest.raises(practices.PermissionDenied):
        practices.practice_publish(practice=practice, by=staff)


def test_a_draft_cannot_be_published_and_a_wrong_decision_changes_nothing(client, organization, steward):
    practice = make_practice(organization, status="draft")
    client.force_login(steward)
    client.post(reverse("practices:review", args=[practice.slug]), {"decision": "publish"})
    client.post(reverse("practices:review", args=[practice.slug]), {"decision": "burn"})
    practice.refresh_from_db()
    assert practice.status == Practice.Status.DRAFT


def test_a_repeated_submit_or_publish_changes_nothing(organization, steward):
    practice = make_practice(organization)
    published_at = practice.published_at
    assert practices.practice_publish(practice=practice, by=UserFactory(is_superuser=True)).published_at == published_at
    with pytest.raises(practices.ValidationError):
        practices.practice_submit(practice=practice)


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("practices:submit", "get"),
        ("practices:review", "get"),
        ("practices:edit", "put"),
        ("practices:detail", "post"),
        ("practices:translate", "delete"),
    ],
)
def test_wrong_methods_are_refused(client, organization, steward, name, method):
    practice = make_practice(organization, status="submitted")
    client.force_login(steward)
    args = [practice.slug, "ko"] if name == "practices:translate" else [practice.slug]
    assert getattr(client, method)(reverse(name, args=args)).status_code == 405


def test_staff_see_their_organizations_practices_in_every_state(client, organization, other_organization, staff):
    mine = [make_practice(organization, status=status) for status in ("draft", "returned", "published")]
    make_practice(other_organization, status="draft", original_title="Not ours")
    client.force_login(staff)
    response = client.get(reverse("practices:mine"))
    assert {p.pk for p in response.context["practices"]} == {p.pk for p in mine}
    assert "Not ours" not in response.content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_the_review_queue_and_own_list_read_a_fixed_number_of_queries(
    client, organization, staff, steward, django_assert_max_num_queries, count
):
    for number in range(count):
        make_practice(organization, status="submitted", original_title=f"P {number}")
    client.force_login(steward)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("practices:review_queue")).status_code == 200
    client.force_login(staff)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("practices:mine")).status_code == 200


def test_the_detail_page_reads_a_fixed_number_of_queries(client, organization, django_assert_max_num_queries):
    programs = [ProgramFactory(provider=organization) for _ in range(5)]
    practice = make_practice(organization, programs=programs, categories=("board-practices", "public-speaking"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("practices:detail", args=[practice.slug])).status_code == 200


def test_translating_a_published_practice_sends_it_back_to_review(client, organization, staff):
    practice = make_practice(organization)
    client.force_login(staff)
    client.post(reverse("practices:translate", args=[practice.slug, "fr"]), {"title": "Cercles de mentorat"})
    practice.refresh_from_db()
    assert practice.title_fr == "Cercles de mentorat"
    assert practice.status == Practice.Status.SUBMITTED


def test_stewards_find_and_correct_practices_in_the_admin(client, organization, steward):
    practice = make_practice(organization)
    client.force_login(steward)
    assert client.get(reverse("admin:evaluation_practice_changelist"), {"q": "mentoring"}).status_code == 200
    assert client.get(reverse("admin:evaluation_practice_change", args=[practice.pk])).status_code == 200
