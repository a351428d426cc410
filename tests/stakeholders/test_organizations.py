import pytest
from django.core.exceptions import ValidationError

from capacity.models import Region
from programs.services import program_publish, program_unpublish
from stakeholders.services import organization_update, user_profile_update
from tests.factories import OrganizationFactory, ProgramFactory, SessionFactory, UserFactory


def make_organizations(count):
    region = Region.objects.get(slug="sub-saharan-africa")
    for _ in range(count):
        program = ProgramFactory(provider=OrganizationFactory(region=region))
        SessionFactory(program=program)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 30])
def test_the_organization_list_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, count):
    make_organizations(count)
    with django_assert_max_num_queries(6):
        response = client.get("/en/organizations/?region=sub-saharan-africa")
    assert response.status_code == 200
    assert response.content.decode().count('class="card"') == min(count, 24)


@pytest.mark.django_db
def test_the_organization_list_filters_by_kind_and_region(client):
    OrganizationFactory(name="Funder of Things", kind="funder", region=Region.objects.get(slug="north-america"))
    OrganizationFactory(name="Chapter of Things", kind="chapter", region=Region.objects.get(slug="south-asia"))
    html = client.get("/en/organizations/?kind=funder").content.decode()
    assert "Funder of Things" in html and "Chapter of Things" not in html
    html = client.get("/en/organizations/?region=south-asia").content.decode()
    assert "Chapter of Things" in html and "Funder of Things" not in html


@pytest.mark.django_db
def test_unknown_filter_values_show_everything_instead_of_an_error(client):
    OrganizationFactory(name="Still Listed")
    response = client.get("/en/organizations/?kind=%3Cscript%3E&region=nowhere&page=-4")
    assert response.status_code == 200
    assert "Still Listed" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 15])
def test_an_organization_page_lists_its_upcoming_programs(client, django_assert_max_num_queries, count):
    organization = OrganizationFactory()
    for number in range(count):
        SessionFactory(
            program=ProgramFactory(provider=organization, original_title=f"Wikidata for librarians {number}")
        )
    with django_assert_max_num_queries(6):
        response = client.get(organization.get_absolute_url())
    assert response.content.decode().count("Wikidata for librarians") == min(count, 12)


@pytest.mark.django_db
def test_an_unknown_organization_is_a_404(client):
    assert client.get("/en/organizations/nope/").status_code == 404


@pytest.mark.django_db
def test_organizations_are_sorted_by_the_name_the_reader_sees(client):
    OrganizationFactory(name_en="Zeta Wikimedians", name_ko="가나다 위키미디어")
    OrganizationFactory(name_en="Alpha Wikimedians")
    OrganizationFactory(name_en="Mu Wikimedians", name_ko="")
    names = [org.name for org in client.get("/ko/organizations/").context["page"].object_list]
    assert names == ["Alpha Wikimedians", "Mu Wikimedians", "가나다 위키미디어"]


@pytest.mark.parametrize("slug", ["programs", "imports", "sessions"])
def test_an_organization_cannot_take_a_word_the_workspace_addresses_use(db, slug):
    organization = OrganizationFactory.build(slug=slug)
    with pytest.raises(ValidationError) as refused:
        organization.full_clean()
    assert "slug" in refused.value.message_dict


@pytest.mark.django_db
def test_a_program_published_or_unpublished_shows_on_the_organization_page_at_once(client):
    organization = OrganizationFactory()
    kept = ProgramFactory(provider=organization, original_title="Wikidata for librarians")
    SessionFactory(program=kept)
    late = ProgramFactory(provider=organization, original_title="Commons for museums", is_published=False)
    SessionFactory(program=late)
    assert "Commons for museums" not in client.get(organization.get_absolute_url()).content.decode()

    # The upcoming programs are kept a minute; publishing moves the version they are kept under.
    program_publish(program=late)
    assert "Commons for museums" in client.get(organization.get_absolute_url()).content.decode()
    program_unpublish(program=kept)
    html = client.get(organization.get_absolute_url()).content.decode()
    assert "Wikidata for librarians" not in html and "Commons for museums" in html


@pytest.mark.django_db
def test_the_organization_pages_kept_programs_follow_the_readers_language(client):
    organization = OrganizationFactory()
    SessionFactory(program=ProgramFactory(provider=organization, original_title="Wikidata for librarians"))
    english = client.get(organization.get_absolute_url()).content.decode()
    korean = client.get(organization.get_absolute_url().replace("/en/", "/ko/", 1)).content.decode()
    assert "Upcoming programs" in english and "Upcoming programs" not in korean
    assert "Wikidata for librarians" in korean


@pytest.mark.django_db
def test_a_renamed_provider_shows_on_the_kept_catalog_and_program_page_at_once(client):
    organization = OrganizationFactory(name="Wiki Learning Hub")
    program = ProgramFactory(provider=organization, original_title="Wikidata for librarians")
    SessionFactory(program=program)
    assert "Wiki Learning Hub" in client.get("/en/programs/").content.decode()
    assert "Wiki Learning Hub" in client.get(program.get_absolute_url()).content.decode()
    organization_update(organization=organization, data={"name_en": "Wiki Teaching Hub"}, fields=["name_en"])
    for page in (client.get("/en/programs/"), client.get(program.get_absolute_url())):
        html = page.content.decode()
        assert "Wiki Teaching Hub" in html and "Wiki Learning Hub" not in html


@pytest.mark.django_db
def test_a_facilitators_new_name_shows_on_the_kept_program_page_at_once(client):
    person = UserFactory(display_name="Real Name Person")
    program = ProgramFactory(original_title="Wikidata for librarians")
    SessionFactory(program=program).facilitators.add(person)
    assert "Real Name Person" in client.get(program.get_absolute_url()).content.decode()
    data = {
        "display_name": "Pseudonym",
        "home_region": person.home_region,
        "time_zone": person.time_zone,
        "preferred_language": person.preferred_language,
        "languages": [],
    }
    user_profile_update(user=person, data=data)
    html = client.get(program.get_absolute_url()).content.decode()
    assert "Pseudonym" in html and "Real Name Person" not in html


@pytest.mark.django_db
def test_the_list_counts_each_organizations_published_programs_only():
    from programs.selectors import organization_list

    busy, quiet = OrganizationFactory(name="Busy chapter"), OrganizationFactory(name="Quiet chapter")
    for _ in range(3):
        ProgramFactory(provider=busy)
    ProgramFactory(provider=busy, is_published=False)
    ProgramFactory(provider=quiet, is_published=False)
    counts = {organization.pk: organization.published_programs for organization in organization_list()}
    assert counts[busy.pk] == 3
    assert counts[quiet.pk] == 0  # none published: 0, not missing


@pytest.mark.django_db
def test_the_list_page_says_how_many_programs_each_shows(client):
    busy = OrganizationFactory(name="Busy chapter")
    ProgramFactory(provider=busy)
    ProgramFactory(provider=busy)
    OrganizationFactory(name="Quiet chapter")
    html = client.get("/en/organizations/").content.decode()
    assert "2 programs" in html and "0 programs" in html
