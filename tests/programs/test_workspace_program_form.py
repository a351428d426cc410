"""Writing a program in the workspace: the original text, per-language tabs, facts and a usable address."""

import re

import pytest

from capacity.models import Language
from programs.models import Program
from stakeholders.models import Membership
from tests.factories import MembershipFactory, ProgramFactory

pytestmark = pytest.mark.django_db

NEW = "/en/workspace/wiki-learning-hub/programs/new/"


def program_data(**overrides):
    data = {
        "original_language": "en",
        "original_title": "Wikidata for librarians",
        "original_summary": "Add your library's collection to Wikidata.",
        "original_description": "Three evenings.\nBring a laptop.",
        "title_ko": "도서관 사서를 위한 위키데이터",
        "summary_ko": "도서관 소장품을 위키데이터에 추가하세요.",
        "title_ar": "ويكي بيانات لأمناء المكتبات",
        "method": "workshop",
        "format": "online",
        "level": "beginner",
        "region": "south-asia",
        "categories": ["public-speaking"],
        "languages": ["en", "ko"],
        "slug": "",
    }
    data.update(overrides)
    return data


def field_tag(page, name):
    """The HTML tag of the form control with this name."""
    match = re.search(rf'<(?:input|textarea|select)[^>]*name="{name}"[^>]*>', page)
    return match.group(0) if match else None


def test_staff_write_a_program_that_is_saved_as_a_draft_of_their_organization(client, staff, organization):
    client.force_login(staff)
    response = client.post(NEW, program_data())
    program = Program.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/workspace/programs/{program.slug}/"
    assert program.provider == organization
    assert program.slug == "wikidata-for-librarians"
    assert not program.is_published and program.archived_at is None
    assert program.original_language.code == "en"
    assert program.original_description == "Three evenings.\nBring a laptop."
    assert program.title_ko == "도서관 사서를 위한 위키데이터"
    assert program.title_ar == "ويكي بيانات لأمناء المكتبات"
    assert program.title_en == ""  # English is the original: no translation into it
    assert [c.slug for c in program.categories.all()] == ["public-speaking"]
    assert sorted(language.code for language in program.languages.all()) == ["en", "ko"]


def test_a_program_cannot_be_filed_under_another_organization(client, staff, other_organization):
    client.force_login(staff)
    client.post(NEW, program_data(provider=other_organization.pk, provider_id=other_organization.pk))
    assert Program.objects.get().provider.slug == "wiki-learning-hub"


def test_staff_cannot_write_programs_for_an_organization_they_do_not_run(client, staff, other_organization):
    client.force_login(staff)
    response = client.post("/en/workspace/other-chapter/programs/new/", program_data())
    assert response.status_code == 403
    assert not Program.objects.exists()


@pytest.mark.parametrize("persona", ["volunteer", "other_staff", "funder"])
def test_people_who_do_not_run_the_organization_cannot_open_the_form(client, request, persona, organization):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, program_data()).status_code == 403
    assert not Program.objects.exists()


def test_a_plain_member_cannot_write_programs(client, organization):
    member = MembershipFactory(organization=organization, role=Membership.Role.MEMBER).user
    client.force_login(member)
    assert client.post(NEW, program_data()).status_code == 403
    assert not Program.objects.exists()


def test_anonymous_people_are_sent_to_log_in(client, organization):
    response = client.post(NEW, program_data())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Program.objects.exists()


def test_an_unknown_organization_is_not_found(client, steward):
    client.force_login(steward)
    assert client.get("/en/workspace/no-such-organization/programs/new/").status_code == 404


@pytest.mark.parametrize(
    ("original", "title"),
    [("ko", "위키데이터 기초 교육"), ("ar", "أساسيات ويكي بيانات")],
)
def test_a_title_in_korean_or_arabic_still_gives_a_usable_address(client, staff, organization, original, title):
    client.force_login(staff)
    data = program_data(original_language=original, original_title=title, title_ko="", title_ar="", summary_ko="")
    assert client.post(NEW, data).status_code == 302
    program = Program.objects.get()
    assert re.fullmatch(r"program-[0-9a-f]{6}", program.slug)
    assert client.get(f"/en/workspace/programs/{program.slug}/").status_code == 200


def test_an_english_translation_names_the_address_of_a_korean_program(client, staff, organization):
    client.force_login(staff)
    data = program_data(
        original_language="ko", original_title="위키데이터 기초", title_en="Wikidata basics", title_ko="", summary_ko=""
    )
    client.post(NEW, data)
    assert Program.objects.get().slug == "wikidata-basics"


def test_the_same_title_twice_gets_two_addresses(client, staff, organization):
    client.force_login(staff)
    client.post(NEW, program_data())
    client.post(NEW, program_data())
    first, second = Program.objects.order_by("pk").values_list("slug", flat=True)
    assert first == "wikidata-for-librarians"
    assert re.fullmatch(r"wikidata-for-librarians-[0-9a-f]{6}", second)


def test_an_address_already_taken_is_a_form_error(client, staff, organization):
    ProgramFactory(slug="taken")
    client.force_login(staff)
    response = client.post(NEW, program_data(slug="taken"))
    assert response.status_code == 200
    assert "Program with this Slug already exists." in response.content.decode()
    assert Program.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("original_title", "Wikidata\r\nBCC: victim@example.org"),
        ("original_summary", "One line\nand another"),
        ("title_ar", "عنوان\u202eمعكوس"),
        ("summary_ko", "요약\r줄바꿈"),
    ],
)
def test_line_breaks_and_direction_overrides_in_one_line_fields_are_refused(client, staff, field, value):
    client.force_login(staff)
    response = client.post(NEW, program_data(**{field: value}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Use a single line without control characters." in page
    assert 'aria-invalid="true"' in field_tag(page, field)
    assert not Program.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"original_title": ""},
        {"original_title": "x" * 201},
        {"original_language": "xx-not-a-language"},
        {"region": "atlantis"},
        {"categories": ["no-such-capacity"]},
        {"categories": []},
        {"languages": ["99999999999999999999"]},
        {"method": "telepathy"},
        {"slug": "Not a slug!"},
        {"slug": "위키"},
    ],
)
def test_bad_values_are_form_errors_and_save_nothing(client, staff, overrides):
    client.force_login(staff)
    response = client.post(NEW, program_data(**overrides))
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not Program.objects.exists()


def test_the_form_has_a_tab_per_language_with_the_original_first(client, staff):
    client.force_login(staff)
    page = client.get("/ko/workspace/wiki-learning-hub/programs/new/").content.decode()
    # On a Korean page a new program is written in Korean: the Korean tab holds the original.
    panels = re.findall(r'<div class="language-panel" id="language-([a-z-]+)"', page)
    assert panels == ["original", "en", "ko", "ar", "es", "fr", "pt-br"]
    assert 'lang="ko"' in field_tag(page, "original_title")
    # Korean's own tab stays (empty), for when another original language is chosen.
    assert 'id="language-ko" data-language-panel data-language-code="ko"' in page
    assert 'lang="ar"' in field_tag(page, "title_ar") and 'dir="rtl"' in field_tag(page, "title_ar")
    assert 'lang="en"' in field_tag(page, "description_en") and 'dir="ltr"' in field_tag(page, "description_en")
    assert "<script>" not in page and "style=" not in page


def test_a_program_in_a_language_of_no_tab_gets_its_own_original_tab(client, staff, organization):
    ProgramFactory(
        provider=organization,
        slug="bangla",
        original_language=Language.objects.get(code="bn"),
        original_title="উইকিপিডিয়া সম্পাদনা",
    )
    client.force_login(staff)
    page = client.get("/en/workspace/programs/bangla/edit/").content.decode()
    panels = re.findall(r'<div class="language-panel" id="language-([a-z-]+)"', page)
    assert panels == ["original", "en", "ko", "ar", "es", "fr", "pt-br"]
    assert 'lang="bn"' in field_tag(page, "original_title")
    assert "উইকিপিডিয়া সম্পাদনা" in page


def test_staff_edit_a_program_and_its_translations(client, staff, program):
    client.force_login(staff)
    data = program_data(original_title="Wikidata basics, revised", slug=program.slug, title_es="Wikidata básico")
    response = client.post(f"/en/workspace/programs/{program.slug}/edit/", data)
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.original_title == "Wikidata basics, revised"
    assert program.title_es == "Wikidata básico"
    assert program.provider.slug == "wiki-learning-hub"


def test_emptying_the_address_makes_a_new_one_from_the_title(client, staff, program):
    client.force_login(staff)
    client.post(f"/en/workspace/programs/{program.slug}/edit/", program_data(slug=""))
    program.refresh_from_db()
    assert program.slug == "wikidata-for-librarians"


def test_choosing_a_translated_language_as_the_original_does_not_drop_its_translation(client, staff, program):
    client.force_login(staff)
    url = f"/en/workspace/programs/{program.slug}/edit/"
    response = client.post(url, program_data(original_language="ko", slug=program.slug))
    assert response.status_code == 200
    assert "is now the original language" in response.content.decode()
    program.refresh_from_db()
    assert program.original_language.code == "en"
    # With that tab emptied, Korean becomes the original and has no translation.
    client.post(url, program_data(original_language="ko", title_ko="", summary_ko="", slug=program.slug))
    program.refresh_from_db()
    assert program.original_language.code == "ko"
    assert program.title_ko == ""


@pytest.mark.parametrize("persona", ["volunteer", "other_staff", "funder"])
def test_others_cannot_edit_a_published_program(client, request, persona, program):
    client.force_login(request.getfixturevalue(persona))
    url = f"/en/workspace/programs/{program.slug}/edit/"
    assert client.get(url).status_code == 403
    assert client.post(url, program_data(slug=program.slug)).status_code == 403
    program.refresh_from_db()
    assert program.original_title == "Wikidata basics"


def test_a_draft_is_not_found_by_outsiders(client, other_staff, organization):
    draft = ProgramFactory(provider=organization, is_published=False)
    client.force_login(other_staff)
    for path in ("", "edit/"):
        assert client.get(f"/en/workspace/programs/{draft.slug}/{path}").status_code == 404


def test_a_steward_may_edit_any_program(client, steward, program):
    client.force_login(steward)
    response = client.post(f"/en/workspace/programs/{program.slug}/edit/", program_data(slug=program.slug))
    assert response.status_code == 302


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_not_allowed(client, staff, program, method):
    client.force_login(staff)
    assert getattr(client, method)(NEW).status_code == 405
    assert getattr(client, method)(f"/en/workspace/programs/{program.slug}/edit/").status_code == 405


def test_the_edit_form_starts_from_what_is_saved(client, staff, program):
    client.force_login(staff)
    page = client.get(f"/en/workspace/programs/{program.slug}/edit/").content.decode()

    def chosen(name):
        select = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
        return re.findall(r'<option value="([^"]*)"[^>]*selected', select)

    assert chosen("original_language") == ["en"]
    assert chosen("region") == ["south-asia"]
    assert chosen("languages") == ["en"]
    assert chosen("method") == ["workshop"]
    assert re.search(r'<input[^>]*value="public-speaking"[^>]*checked', page)
    assert 'value="Wikidata basics"' in field_tag(page, "original_title")


def test_a_new_program_cannot_be_published_or_archived_through_the_form(client, staff, organization):
    client.force_login(staff)
    client.post(NEW, program_data(is_published="on", archived_at="2020-01-01 00:00"))
    program = Program.objects.get()
    assert not program.is_published and program.archived_at is None
